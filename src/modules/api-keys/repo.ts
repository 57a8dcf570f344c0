import { and, asc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import { type ApiKeyScope, apiKeys } from '../../../db/schema/index.js';
import { affectedRows, insertId, type Queryable } from '../../database.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(
  db: Queryable,
  row: {
    name: string;
    prefix: string;
    keyHash: string;
    scopes: ApiKeyScope[];
    createdBy: number | null;
    now: Date;
    expiresAt: Date | null;
  },
): Promise<number> {
  const result = await db.insert(apiKeys).values({
    name: row.name,
    prefix: row.prefix,
    keyHash: row.keyHash,
    scopes: row.scopes,
    createdBy: row.createdBy,
    createdAt: row.now,
    expiresAt: row.expiresAt,
  });
  return insertId(result);
}

/** The per-request lookup: one read on the unique hash index. */
export async function findByHash(db: Queryable, keyHash: string) {
  const [row] = await db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  return row ?? null;
}

export async function findById(db: Queryable, id: number, forUpdate = false): Promise<ApiKeyRow | null> {
  const query = db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function listApiKeys(db: Queryable, afterId: number | null, take: number): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(afterId === null ? undefined : gt(apiKeys.id, afterId))
    .orderBy(asc(apiKeys.id))
    .limit(take);
}

/** Revokes a live key; false when it was revoked already (of two concurrent revocations one wins). */
export async function revoke(db: Queryable, id: number, now: Date): Promise<boolean> {
  const result = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return affectedRows(result) === 1;
}

/**
 * Records that key `id` was used at `now`, unless a use within the last `minGapMs` is recorded already:
 * the condition makes the instances' redundant touches no-ops.
 */
export async function touch(db: Queryable, id: number, now: Date, minGapMs: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - minGapMs))),
      ),
    );
}
