import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type PrivateServer, startPrivateServer } from '../../scripts/lib/private-mariadb.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL without a database name; each test file creates its own database on it. */
    dbServerUrl: string;
  }
}

/**
 * The one server of the run. Every project that needs a database (integration, subprocess) lists this
 * file as its global setup, and vitest runs each project's setup on its own module graph, so the server
 * is kept on `globalThis` (one per vitest process) and counted: the first project starts it, the last
 * teardown stops it. A run of the unit project alone never loads this file, so it starts nothing.
 */
interface Shared {
  url: Promise<string>;
  users: number;
  stop(): Promise<void>;
}
const KEY = Symbol.for('helpdesk.test.dbServer');
const holder = globalThis as { [KEY]?: Shared };

/**
 * Starts one private MariaDB/MySQL for the whole run (in a temp dir on tmpfs when there is one),
 * unless TEST_DATABASE_URL points at a server to use instead.
 */
function start(): Shared {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    const u = new URL(given);
    u.pathname = '/';
    return { url: Promise.resolve(u.toString()), users: 0, stop: async () => {} };
  }
  const base = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'helpdesk-test-'));
  let server: PrivateServer | undefined;
  const url = startPrivateServer({ dataDir: join(dir, 'data'), ephemeral: true }).then((s) => {
    server = s;
    return s.url;
  });
  return {
    url,
    users: 0,
    async stop() {
      await url.catch(() => undefined);
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function setup(project: TestProject): Promise<void> {
  holder[KEY] ??= start();
  const shared = holder[KEY];
  shared.users += 1;
  project.provide('dbServerUrl', await shared.url);
}

export async function teardown(): Promise<void> {
  const shared = holder[KEY];
  if (!shared) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  delete holder[KEY];
  await shared.stop();
}
