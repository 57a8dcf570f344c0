import { and, asc, count, eq, gt, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import { passwordResetTokens, type Role, sessions, users } from '../../../db/schema/index.js';
import { ADMIN_ROLE } from '../../access/index.js';
import { affectedRows, dbErrno, ER, insertId, type Queryable } from '../../database.js';
import type { Clock } from '../../deps.js';
import { ConflictError } from '../../errors.js';

export type UserRow = typeof users.$inferSelect;

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  /** From `hashPassword(password, config.bcryptCost)`, computed before any transaction is opened. */
  passwordHash: string;
  /**
   * False only for public registration, which must prove the address; every other creator (staff, the
   * command line, the bootstrap admin, the seed) vouches for it. Defaults to true.
   */
  emailVerified?: boolean;
}

/**
 * Emails are stored trimmed and lower-cased, and the column compares bytes (utf8mb4_bin): the lookup key is
 * exactly this string, never an accent- or width-folded relative of it.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Inserts a user; 409 `email_taken` when the address is already registered (unique index, race-safe). */
export async function insertUser(db: Queryable, clock: Clock, input: NewUser): Promise<number> {
  const now = clock.now();
  try {
    const result = await db.insert(users).values({
      email: normaliseEmail(input.email),
      name: input.name.trim(),
      role: input.role,
      passwordHash: input.passwordHash,
      emailVerified: input.emailVerified ?? true,
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

/**
 * Marks the address of user `id` verified if it is still `email` and not verified yet; false otherwise
 * (a second use of the link, or the address changed since the link was sent). Race-safe: of two
 * concurrent uses exactly one gets true.
 */
export async function markEmailVerified(db: Queryable, clock: Clock, id: number, email: string) {
  const result = await db
    .update(users)
    .set({ emailVerified: true, updatedAt: clock.now() })
    .where(and(eq(users.id, id), eq(users.email, email), eq(users.emailVerified, false)));
  return affectedRows(result) === 1;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)))
    .limit(1);
  return row ?? null;
}

/** A user by id; `forUpdate` locks the row until the transaction ends. */
export async function findUserById(db: Queryable, id: number, forUpdate = false): Promise<UserRow | null> {
  const query = db.select().from(users).where(eq(users.id, id)).limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function countActiveAdmins(db: Queryable): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, ADMIN_ROLE), eq(users.active, true)));
  return row?.n ?? 0;
}

/**
 * Locks every active admin row until the transaction ends and returns their ids. Whoever wants to demote
 * or disable an admin takes these locks first, so two such changes run one after the other and the second
 * sees the first's result: two admins demoting each other at once cannot both succeed.
 */
export async function lockActiveAdmins(tx: Queryable): Promise<number[]> {
  const rows = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, ADMIN_ROLE), eq(users.active, true)))
    .orderBy(asc(users.id))
    .for('update');
  return rows.map((r) => r.id);
}

/** Makes an account an active admin (reactivating it: an admin created from the CLI must be able to sign in). */
export async function promoteToAdmin(db: Queryable, clock: Clock, userId: number): Promise<void> {
  await db
    .update(users)
    .set({ role: ADMIN_ROLE, active: true, updatedAt: clock.now() })
    .where(eq(users.id, userId));
}

/** The columns PATCH /me and PATCH /users/:id may change. */
export interface UserChanges {
  name?: string;
  role?: Role;
  active?: boolean;
  notifyByEmail?: boolean;
}

export async function updateUser(db: Queryable, clock: Clock, id: number, changes: UserChanges) {
  await db
    .update(users)
    .set({ ...changes, updatedAt: clock.now() })
    .where(eq(users.id, id));
}

/** Revokes every live session of a user, or every one but `keepSessionId`. */
export async function revokeUserSessions(
  db: Queryable,
  userId: number,
  now: Date,
  keepSessionId?: number,
): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        keepSessionId === undefined ? undefined : ne(sessions.id, keepSessionId),
      ),
    );
}

/**
 * Replaces a user's password hash, revokes their sessions (all, or all but `keepSessionId`) and voids
 * their outstanding reset tokens, so whoever knew the old password, or holds an old reset email, is out.
 * Run it inside the caller's transaction with any related change.
 */
export async function setPassword(
  db: Queryable,
  clock: Clock,
  userId: number,
  passwordHash: string,
  opts: { keepSessionId?: number } = {},
): Promise<void> {
  const now = clock.now();
  await db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
  await revokeUserSessions(db, userId, now, opts.keepSessionId);
  await db
    .update(passwordResetTokens)
    .set({ usedAt: now })
    .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt)));
}

/** `value` as a LIKE pattern matching it anywhere, with `!` as the escape character (see `contains`). */
export function containsPattern(value: string): string {
  return `%${value.replace(/[!%_]/g, (ch) => `!${ch}`)}%`;
}

/**
 * A portable substring match: `ESCAPE '!'` rather than the default backslash, which changes meaning
 * under the NO_BACKSLASH_ESCAPES SQL mode. Case-insensitive through the column's collation for names;
 * emails compare exactly (binary collation) but are stored lower-cased, so the caller lower-cases `value`.
 */
const contains = (column: typeof users.name | typeof users.email, value: string) =>
  sql`${column} LIKE ${containsPattern(value)} ESCAPE '!'`;

export interface UserListQuery {
  /** The caller's visibility (from `userListScope`); `undefined` means everyone. */
  scope: SQL | undefined;
  role?: Role;
  active?: boolean;
  q?: string;
  afterId?: number;
  /** Rows to fetch (the page size plus one, to learn whether there is a next page). */
  take: number;
}

/** A page of users in id order (keyset: `id > afterId`), filtered and scoped. */
export async function listUsers(db: Queryable, query: UserListQuery): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(
      and(
        query.scope,
        query.role === undefined ? undefined : eq(users.role, query.role),
        query.active === undefined ? undefined : eq(users.active, query.active),
        query.q === undefined
          ? undefined
          : or(contains(users.name, query.q), contains(users.email, normaliseEmail(query.q))),
        query.afterId === undefined ? undefined : gt(users.id, query.afterId),
      ),
    )
    .orderBy(asc(users.id))
    .limit(query.take);
}
