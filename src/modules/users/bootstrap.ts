import { ADMIN_ROLE } from '../../access/index.js';
import { type Db, type Queryable, retryOnDeadlock } from '../../database.js';
import type { Clock } from '../../deps.js';
import { hashPassword } from '../../passwords.js';
import { recordUserCreated } from './audit.js';
import { countActiveAdmins, findUserByEmail, insertUser } from './repo.js';

/**
 * Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD when the database has no active admin yet.
 * Returns what it did, so the entry can log it. An existing account with that email is left alone.
 */
export async function ensureFirstAdmin(
  db: Db,
  clock: Clock,
  admin: { email: string; password: string } | null,
  bcryptCost: number,
): Promise<'created' | 'exists' | 'skipped'> {
  if (!admin) return 'skipped';
  const present = async (q: Queryable) =>
    (await countActiveAdmins(q)) > 0 || (await findUserByEmail(q, admin.email)) !== null;
  // Most starts find an admin: check before paying for a hash, and hash outside the transaction.
  if (await present(db)) return 'exists';
  const passwordHash = await hashPassword(admin.password, bcryptCost);
  // No request context here (it runs before the app serves): the deadlock retry `withTransaction` gives verbs.
  return retryOnDeadlock(() =>
    db.transaction(async (tx) => {
      if (await present(tx)) return 'exists';
      const user = { email: admin.email, name: 'Administrator', role: ADMIN_ROLE } as const;
      const id = await insertUser(tx, clock, { ...user, passwordHash });
      // Nobody is signed in yet: the system creates the first admin, from the deployment's settings.
      await recordUserCreated(tx, { actor: null, clock, client: { ip: null } }, id, user, {
        action: 'user.created',
        actor: { type: 'system', job: 'bootstrap' },
      });
      return 'created';
    }),
  );
}
