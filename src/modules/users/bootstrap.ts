import type { Db } from '../../database.js';
import type { Clock } from '../../deps.js';
import { countActiveAdmins, findUserByEmail, insertUser } from './repo.js';

/**
 * Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD when the database has no active admin yet.
 * Returns what it did, so the entry can log it. An existing account with that email is left alone.
 */
export async function ensureFirstAdmin(
  db: Db,
  clock: Clock,
  admin: { email: string; password: string } | null,
): Promise<'created' | 'exists' | 'skipped'> {
  if (!admin) return 'skipped';
  return db.transaction(async (tx) => {
    if ((await countActiveAdmins(tx)) > 0 || (await findUserByEmail(tx, admin.email))) return 'exists';
    await insertUser(tx, clock, {
      email: admin.email,
      password: admin.password,
      name: 'Administrator',
      role: 'admin',
    });
    return 'created';
  });
}
