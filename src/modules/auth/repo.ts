import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { passwordResetTokens, refreshTokens, sessions, users } from '../../../db/schema/index.js';
import { affectedRows, insertId, prepared, type Queryable } from '../../database.js';

export async function insertSession(
  db: Queryable,
  row: { userId: number; now: Date; expiresAt: Date; userAgent: string | null; ip: string | null },
): Promise<number> {
  const result = await db.insert(sessions).values({
    userId: row.userId,
    createdAt: row.now,
    lastUsedAt: row.now,
    expiresAt: row.expiresAt,
    userAgent: row.userAgent?.slice(0, 512) ?? null,
    ip: row.ip?.slice(0, 64) ?? null,
  });
  return insertId(result);
}

export async function insertRefreshToken(
  db: Queryable,
  row: { sessionId: number; tokenHash: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db.insert(refreshTokens).values({
    sessionId: row.sessionId,
    tokenHash: row.tokenHash,
    createdAt: row.now,
    expiresAt: row.expiresAt,
  });
}

/** A refresh token with its session and user, by hash. */
export async function findRefreshToken(db: Queryable, tokenHash: string) {
  const [row] = await db
    .select({
      tokenId: refreshTokens.id,
      expiresAt: refreshTokens.expiresAt,
      rotatedAt: refreshTokens.rotatedAt,
      sessionId: sessions.id,
      sessionRevokedAt: sessions.revokedAt,
      sessionExpiresAt: sessions.expiresAt,
      user: users,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  return row ?? null;
}

/**
 * Marks a refresh token used. Race-safe: only one of two concurrent refreshes with the same token
 * sees `true`; the other is treated as reuse.
 */
export async function markRotated(db: Queryable, tokenId: number, now: Date): Promise<boolean> {
  const result = await db
    .update(refreshTokens)
    .set({ rotatedAt: now })
    .where(and(eq(refreshTokens.id, tokenId), isNull(refreshTokens.rotatedAt)));
  return affectedRows(result) === 1;
}

export async function touchSession(db: Queryable, sessionId: number, now: Date): Promise<void> {
  await db.update(sessions).set({ lastUsedAt: now }).where(eq(sessions.id, sessionId));
}

export async function revokeSession(db: Queryable, sessionId: number, now: Date): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

const sessionUserQuery = (db: Queryable) =>
  db
    .select({
      revokedAt: sessions.revokedAt,
      expiresAt: sessions.expiresAt,
      active: users.active,
      role: users.role,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sql.placeholder('sessionId')), eq(sessions.userId, sql.placeholder('userId'))))
    .limit(1)
    .prepare();

/** The session and user behind an access token, for the per-request check (a prepared query). */
export async function findSessionUser(db: Queryable, sessionId: number, userId: number) {
  const [row] = await prepared(db, sessionUserQuery).execute({ sessionId, userId });
  return row ?? null;
}

/** A user's live sessions (not revoked, not expired), newest first. */
export async function listLiveSessions(db: Queryable, userId: number, now: Date, limit: number) {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.createdAt), desc(sessions.id))
    .limit(limit);
}

/** A session's owner, for the permission check before revoking it. */
export async function findSessionOwner(db: Queryable, sessionId: number) {
  const [row] = await db
    .select({ id: sessions.id, userId: sessions.userId })
    .from(sessions)
    .where(eq(sessions.id, sessionId))
    .limit(1);
  return row ?? null;
}

export async function insertResetToken(
  db: Queryable,
  row: { userId: number; tokenHash: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db.insert(passwordResetTokens).values({
    userId: row.userId,
    tokenHash: row.tokenHash,
    createdAt: row.now,
    expiresAt: row.expiresAt,
  });
}

/** A password-reset token with its user, by hash. */
export async function findResetToken(db: Queryable, tokenHash: string) {
  const [row] = await db
    .select({
      id: passwordResetTokens.id,
      expiresAt: passwordResetTokens.expiresAt,
      usedAt: passwordResetTokens.usedAt,
      userId: users.id,
      active: users.active,
    })
    .from(passwordResetTokens)
    .innerJoin(users, eq(users.id, passwordResetTokens.userId))
    .where(eq(passwordResetTokens.tokenHash, tokenHash))
    .limit(1);
  return row ?? null;
}

/**
 * Spends a reset token. Race-safe: of two concurrent confirmations with the same token exactly one
 * sees `true` (`UPDATE … WHERE used_at IS NULL` affects one row once).
 */
export async function markResetTokenUsed(db: Queryable, tokenId: number, now: Date): Promise<boolean> {
  const result = await db
    .update(passwordResetTokens)
    .set({ usedAt: now })
    .where(and(eq(passwordResetTokens.id, tokenId), isNull(passwordResetTokens.usedAt)));
  return affectedRows(result) === 1;
}
