import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../db/seed.js';
import { DEV_AUTH_RATE_LIMITS } from '../../scripts/lib/dev-settings.js';
import { createTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { root } from '../helpers/worker-bundle.js';

// The README's walk-through is scripts/tour.sh; a reader runs it against `npm run dev`, and runs it again.
// Here: the demo accounts `npm run dev` seeds, the rate limits it sets, and the tour twice in a row.

const tour = readFileSync(join(root, 'scripts/tour.sh'), 'utf8');
let tdb: TestDatabase;
let server: { baseUrl: string; close(): Promise<void> };

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.database.use((db) => seedDemo(db, { now: () => new Date() }, 4));
  server = await createTestApp(tdb.database, { ...DEV_AUTH_RATE_LIMITS }).listen();
});
afterAll(async () => {
  await server?.close();
  await tdb?.drop();
});

describe('the README tour', () => {
  it('is the script, command for command', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Walk-through with curl'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    const commands = tour.slice(tour.indexOf('set -euo pipefail\n') + 'set -euo pipefail\n'.length);
    expect(block).toBe(commands);
  });

  it('runs twice in a row against a dev-like server', { timeout: 60_000 }, async () => {
    // Asynchronously: the server answering the tour's curl calls lives in this process.
    const run = promisify(execFile);
    for (const attempt of [1, 2]) {
      const result = await run('bash', [join(root, 'scripts/tour.sh')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', API: `${server.baseUrl}/api/v1` },
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`run ${attempt} failed: ${err.message}\n${err.stdout}\n${err.stderr}`);
      });
      expect(result.stdout).toContain('"status": "solved"');
      expect(result.stdout).toContain('Alex Agent: Load letter-size paper in tray 2');
      expect(result.stdout).not.toContain('Third time this week'); // the internal note stays hidden
    }
  });
});
