import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../db/migrate.js';
import { type PrivateServer, startPrivateServer } from '../../scripts/lib/private-mariadb.js';
import { createPoolDatabase, type Database } from '../../src/database.js';
import { LATEST_MIGRATION_AT } from '../../src/modules/ops/schema-version.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

// This file stops and restarts a database server of its own, so it never disturbs other files' server.
let dir: string;
let server: PrivateServer;
let database: Database;
let t: TestApp;

beforeAll(async () => {
  dir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'helpdesk-ready-'));
  server = await startPrivateServer({ dataDir: join(dir, 'data'), ephemeral: true });
  // Migrated: /ready also checks the schema (the second describe covers an unmigrated one).
  const admin = await mysql.createConnection({ uri: server.url });
  await admin.query('CREATE DATABASE helpdesk CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await admin.end();
  await runMigrations(`${server.url}helpdesk`);
  database = createPoolDatabase(`${server.url}helpdesk`);
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

describe('/ready checks the migrations', () => {
  it('is 503 not_migrated on an empty or outdated database, and 200 once migrated', async () => {
    const admin = await mysql.createConnection({ uri: server.url });
    await admin.query('CREATE DATABASE unmigrated CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    await admin.end();
    const url = `${server.url}unmigrated`;
    const empty = createPoolDatabase(url);
    try {
      const app = createTestApp(empty);
      const res = await app.http.get('/ready');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 503, code: 'not_migrated' });
      expect(res.body.detail).toMatch(/db:migrate/);

      await runMigrations(url);
      expect((await app.http.get('/ready')).status).toBe(200);

      // A database missing the newest migration (an old schema under a new version) is not ready either.
      const behind = createPoolDatabase(url);
      try {
        await behind.use((db) =>
          db.execute(sql`DELETE FROM __drizzle_migrations WHERE created_at = ${LATEST_MIGRATION_AT}`),
        );
        const res2 = await createTestApp(behind).http.get('/ready');
        expect(res2.status).toBe(503);
        expect(res2.body).toMatchObject({ code: 'not_migrated' });
      } finally {
        await behind.close();
      }
    } finally {
      await empty.close();
    }
  });
});
