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

let server: PrivateServer | undefined;
let dir: string | undefined;

/**
 * Starts one private MariaDB/MySQL for the whole run (in a temp dir on tmpfs when there is one),
 * unless TEST_DATABASE_URL points at a server to use instead.
 */
export async function setup(project: TestProject): Promise<void> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    const u = new URL(given);
    u.pathname = '/';
    project.provide('dbServerUrl', u.toString());
    return;
  }
  const base = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  dir = mkdtempSync(join(base, 'helpdesk-test-'));
  server = await startPrivateServer({ dataDir: join(dir, 'data'), ephemeral: true });
  project.provide('dbServerUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
