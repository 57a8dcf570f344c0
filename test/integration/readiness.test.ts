import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateServer, startPrivateServer } from '../../scripts/lib/private-mariadb.js';
import { createPoolDatabase, type Database } from '../../src/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

// This file stops and restarts a database server of its own, so it never disturbs other files' server.
let dir: string;
let server: PrivateServer;
let database: Database;
let t: TestApp;

beforeAll(async () => {
  dir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'helpdesk-ready-'));
  server = await startPrivateServer({ dataDir: join(dir, 'data'), ephemeral: true });
  database = createPoolDatabase(server.url);
  t = createTestApp(database);
});
afterAll(async () => {
  await database.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('/ready follows the database', () => {
  it('is 200, then 503 while the database is down, then 200 again by itself', async () => {
    expect((await t.http.get('/ready')).status).toBe(200);

    await server.stop();
    const down = await t.http.get('/ready');
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.body).toMatchObject({ status: 503, code: 'not_ready' });
    expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    // /health is about the process, not the database.
    expect((await t.http.get('/health')).status).toBe(200);
    // Any route that needs the database says so with a 503 too, not an opaque 500.
    const login = await t.http.post('/api/v1/auth/login').send({ email: 'a@b.co', password: 'whatever-pw' });
    expect(login.status).toBe(503);
    expect(login.body).toMatchObject({ code: 'not_ready' });
    expect(login.headers['retry-after']).toBe('5');

    server = await startPrivateServer({ dataDir: server.dataDir, port: server.port, ephemeral: true });
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await t.http.get('/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
