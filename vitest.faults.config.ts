import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault-injection suite (test/faults/), kept out of `npm test` (vitest.config.ts
// includes no test/faults/ path). It stops and breaks things on purpose, so its files run one at a time.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
