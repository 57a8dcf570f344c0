import { and, count, eq, isNull } from 'drizzle-orm';
import { type Role, sessions, users } from '../../../db/schema/index.js';
import { dbErrno, ER, insertId, type Queryable } from '../../database.js';
import type { Clock } from '../../deps.js';
import { ConflictError } from '../../errors.js';
import { hashPassword } from './passwords.js';

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

/** Emails are compared case-insensitively: stored trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Inserts a user; 409 `email_taken` when the address is already registered (unique index, race-safe). */
export async function insertUser(db: Queryable, clock: Clock, input: NewUser): Promise<number> {
  const now = clock.now();
  const passwordHash = await hashPassword(input.password);
  try {
    const result = await db.insert(users).values({
      email: normaliseEmail(input.email),
      name: input.name.trim(),
      role: input.role,
      passwordHash,
      createdAt: now,
      updatedAt: now,
    });
    return insertId(result);
  } catch (err) {
    if (dbErrno(err) === ER.DUP_ENTRY)
      throw new ConflictError('email_taken', 'An account with this email already exists.');
    throw err;
  }
}

export async function findUserByEmail(db: Queryable, email: string) {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)))
    .limit(1);
  return row ?? null;
}

export async function countActiveAdmins(db: Queryable): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.active, true)));
  return row?.n ?? 0;
}

/** Makes an account an active admin (reactivating it: an admin created from the CLI must be able to sign in). */
export async function promoteToAdmin(db: Queryable, clock: Clock, userId: number): Promise<void> {
  await db
    .update(users)
    .set({ role: 'admin', active: true, updatedAt: clock.now() })
    .where(eq(users.id, userId));
}

/**
 * Replaces a user's password and revokes their open sessions, so whoever knew the old password is
 * signed out everywhere. Run it inside the caller's transaction with any related change.
 */
export async function setPassword(
  db: Queryable,
  clock: Clock,
  userId: number,
  password: string,
): Promise<void> {
  const now = clock.now();
  const passwordHash = await hashPassword(password);
  await db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
  await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}
