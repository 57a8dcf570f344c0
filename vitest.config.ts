import { defineConfig } from 'vitest/config';

// Three projects, so the inner loop is one of them (`npm test -- --project unit`); `npm test` runs all three.
//
// - unit: pure logic, no database (no global setup, so no MariaDB is started), runs in seconds.
// - integration: the app in-process over HTTP against the private MariaDB; every file creates its own
//   database, so files run in parallel. Includes test/fuzz/ (in-process too).
// - subprocess: suites that spawn processes, bundle the worker or run workerd. Each such file already runs
//   several processes at once, so they get fewer workers, and they run after the integration group.
//
// test/faults/ is in none of them: `npm run test:faults` runs it on its own (vitest.faults.config.ts).
const SUBPROCESS = [
  'test/integration/dev-tools.test.ts',
  'test/integration/multi-instance.test.ts',
  'test/integration/node-entry.test.ts',
  'test/integration/worker.test.ts',
  'test/parity/**/*.test.ts',
  // Not a process, but it loads wrangler to read wrangler.toml: seconds of import the unit loop should not pay.
  'test/unit/deploy-config.test.ts',
];

const shared = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    // In CI, also write machine-readable results; .ci/run prints "N passed, N failed" from them.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci/test-results.json' }]] : ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: SUBPROCESS,
          // The same group (and so the same worker count) as integration: unit files finish in milliseconds.
          sequence: { groupOrder: 0 },
          maxWorkers: 3,
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
          exclude: SUBPROCESS,
          globalSetup: ['test/helpers/global-setup.ts'],
          sequence: { groupOrder: 0 },
          maxWorkers: 3,
        },
      },
      {
        test: {
          ...shared,
          name: 'subprocess',
          include: SUBPROCESS,
          globalSetup: ['test/helpers/global-setup.ts'],
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
        },
      },
    ],
  },
});
