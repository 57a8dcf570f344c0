import { defineConfig } from 'vitest/config';
import { ignorePeerResets } from './test/helpers/peer-resets.js';

// Three projects, so the inner loop is one of them (`npm test -- --project unit`); `npm test` runs all three.
//
// - unit: pure logic, no database (no global setup, so no MariaDB is started), runs in seconds.
// - integration: the app in-process over HTTP against the private MariaDB; every file creates its own
//   database and its own app, so files run in parallel. Includes test/fuzz/ (in-process too).
// - subprocess: suites that spawn processes, bundle the worker or run workerd. Each such file already runs
//   several processes at once, so their parallelism stays at 2, and they run after the other two
//   (`groupOrder`: vitest runs one group at a time, and projects in one group share a worker count).
//
// unit and integration run with `isolate: false`: a worker imports the app once and runs file after file
// on it, instead of re-importing hono, zod, drizzle and the app per file. Their files share no module
// state that matters (every file builds its own deps and app). Measured on this 2-core machine while
// other jobs kept the load average at 13-20, `--project integration`: isolated, 2 workers 138 s, 3 workers
// 163 s, 4 workers 203 s; not isolated, 2 workers 44 s, 3 workers 72 s. More workers only add contention
// here (the database shares the same two cores), so 2 it is.
//
// test/faults/ is in none of them: `npm run test:faults` runs it on its own (vitest.faults.config.ts).
const SUBPROCESS = [
  'test/integration/dev-tools.test.ts',
  'test/integration/multi-instance.test.ts',
  'test/integration/node-entry.test.ts',
  'test/integration/worker.test.ts',
  'test/integration/worker-smtp-tls.test.ts',
  'test/integration/node-host.test.ts',
  'test/integration/admin-audit-system.test.ts',
  'test/integration/fresh-clone.test.ts',
  'test/integration/production-install.test.ts',
  'test/integration/tour.test.ts',
  // Drives a real Chromium.
  'test/integration/csat-browser.test.ts',
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
    onUnhandledError: ignorePeerResets,
    // In CI, also write machine-readable results; .ci/run prints "N passed, N failed" from them.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci/test-results.json' }]] : ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          isolate: false,
          include: ['test/unit/**/*.test.ts'],
          exclude: SUBPROCESS,
          // Same group, so the same worker count, as integration: unit files finish in milliseconds.
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
          exclude: SUBPROCESS,
          globalSetup: ['test/helpers/global-setup.ts'],
          isolate: false,
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
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
