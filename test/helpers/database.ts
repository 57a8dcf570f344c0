import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import { runMigrations } from '../../db/migrate.js';
import { createPoolDatabase, type Database } from '../../src/database.js';

export interface TestDatabase {
  url: string;
  name: string;
  database: Database;
  /** Drops the database and closes the pool. */
  drop(): Promise<void>;
}

/** The URL of the shared test server with `dbName` as its database. */
export function serverUrl(dbName = ''): string {
  const u = new URL(inject('dbServerUrl'));
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** Creates a fresh, migrated database for one test file, so tests never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: serverUrl() });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = serverUrl(name);
  await runMigrations(url);
  const database = createPoolDatabase(url, { connectionLimit: 5 });
  return {
    url,
    name,
    database,
    async drop() {
      await database.close();
      const conn = await mysql.createConnection({ uri: serverUrl() });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
