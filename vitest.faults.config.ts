import { defineConfig } from 'vitest/config';
import { ignorePeerResets } from './test/helpers/peer-resets.js';

// `npm run test:faults`: the fault-injection suite (test/faults/). Each file starts its own private
// database server (to freeze, kill and restart it) and its own SMTP relays, so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    onUnhandledError: ignorePeerResets,
    // In CI, also machine-readable results: .ci/run counts them in its closing "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.ci/faults-results.json' }]]
      : ['default'],
  },
});
