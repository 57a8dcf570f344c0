import { sql } from 'drizzle-orm';
import journal from '../../../db/migrations/meta/_journal.json' with { type: 'json' };
import type { Database } from '../../database.js';

// The migrations this build expects, compiled into the bundle (Workers have no file system): drizzle's
// migrator records each applied migration in `__drizzle_migrations` with the journal entry's `when` as
// `created_at`, and applies exactly those newer than the latest recorded one.

/** The `when` of the newest migration this build knows. */
export const LATEST_MIGRATION_AT = Math.max(...journal.entries.map((e) => e.when));

export type SchemaState = 'current' | 'unmigrated' | 'behind';

/** MySQL/MariaDB errno for "table doesn't exist", on mysql2's error or on drizzle's wrapper's cause. */
function isMissingTable(err: unknown): boolean {
  const errno = (e: unknown) => (e && typeof e === 'object' ? (e as { errno?: unknown }).errno : undefined);
  return errno(err) === 1146 || errno((err as { cause?: unknown } | null)?.cause) === 1146;
}

/**
 * Compares the database's applied migrations with the journal. A database *ahead* of this build is
 * current: during a deploy the new version migrates while the old one still serves.
 */
export async function schemaState(database: Database): Promise<SchemaState> {
  try {
    const latest = await database.use(async (db) => {
      const [rows] = (await db.execute(
        sql`SELECT MAX(created_at) AS latest FROM __drizzle_migrations`,
      )) as unknown as [{ latest: string | number | null }[]];
      return rows[0]?.latest;
    });
    if (latest === null || latest === undefined) return 'unmigrated';
    return Number(latest) >= LATEST_MIGRATION_AT ? 'current' : 'behind';
  } catch (err) {
    if (isMissingTable(err)) return 'unmigrated';
    throw err;
  }
}

// Once a database has been seen current it stays so for this process or isolate (migrations only move
// forward), so /ready costs one query per probe after that, as before. Keyed per Database: tests build
// several apps in one process.
const seenCurrent = new WeakSet<Database>();

/** `schemaState`, remembering a positive answer. */
export async function checkSchema(database: Database): Promise<SchemaState> {
  if (seenCurrent.has(database)) return 'current';
  const state = await schemaState(database);
  if (state === 'current') seenCurrent.add(database);
  return state;
}
