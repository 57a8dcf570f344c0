import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import { CONNECTION_DEFAULTS, connectionUri } from '../src/database.js';

/** Finds db/migrations from this file, whether it runs from source or from dist/. */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    // The SQL must be there too: a build's dist/db/migrations holds only the journal, which the
    // readiness check compiles in (src/modules/ops/schema-version.ts).
    const holdsMigrations = (d: string) =>
      existsSync(join(d, 'meta', '_journal.json')) && existsSync(join(d, '0000_init.sql'));
    const candidate = join(dir, 'db', 'migrations');
    if (holdsMigrations(candidate)) return candidate;
    const sibling = join(dir, 'migrations');
    if (holdsMigrations(sibling)) return sibling;
    dir = dirname(dir);
  }
  throw new Error('db/migrations not found');
}

/**
 * Applies every pending migration to the database at `url`. A named lock serialises concurrent runs
 * (two instances starting at once), so each migration is applied exactly once.
 */
export async function runMigrations(url: string): Promise<void> {
  const conn = await mysql.createConnection({
    uri: connectionUri(url),
    ...CONNECTION_DEFAULTS,
    multipleStatements: false,
  });
  try {
    const [rows] = await conn.query("SELECT GET_LOCK('helpdesk_migrations', 120) AS got");
    if ((rows as { got: number }[])[0]?.got !== 1)
      throw new Error('could not take the migration lock within 120 s');
    try {
      await migrate(drizzle({ client: conn }), { migrationsFolder: migrationsFolder() });
    } finally {
      await conn.query("SELECT RELEASE_LOCK('helpdesk_migrations')");
    }
  } finally {
    await conn.end();
  }
}
