import { and, eq, lte } from 'drizzle-orm';
import { idempotencyKeys } from '../../../db/schema/index.js';
import type { Db } from '../../database.js';

export type KeyRow = typeof idempotencyKeys.$inferSelect;

const byKey = (principal: string, keyHash: string) =>
  and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.keyHash, keyHash));

/** Claims the key as `running`; false when a row for it exists already (the caller reads it). */
export async function claim(
  db: Db,
  row: { principal: string; keyHash: string; fingerprint: string; now: Date; expiresAt: Date },
): Promise<boolean> {
  const [result] = await db.insert(idempotencyKeys).ignore().values({
    principal: row.principal,
    keyHash: row.keyHash,
    fingerprint: row.fingerprint,
    state: 'running',
    createdAt: row.now,
    expiresAt: row.expiresAt,
  });
  return result.affectedRows === 1;
}

export async function find(db: Db, principal: string, keyHash: string): Promise<KeyRow | undefined> {
  const [row] = await db.select().from(idempotencyKeys).where(byKey(principal, keyHash)).limit(1);
  return row;
}

/** Deletes the row only if it is still the expired one read (another request may have claimed it since). */
export async function deleteExpired(db: Db, principal: string, keyHash: string, expiresAt: Date) {
  await db
    .delete(idempotencyKeys)
    .where(and(byKey(principal, keyHash), eq(idempotencyKeys.expiresAt, expiresAt)));
}

/** Records the response of the request that holds the key (`running`, with this fingerprint). */
export async function complete(
  db: Db,
  principal: string,
  keyHash: string,
  fingerprint: string,
  response: { status: number; headers: Record<string, string>; body: string; expiresAt: Date },
) {
  await db
    .update(idempotencyKeys)
    .set({ state: 'done', ...response })
    .where(
      and(
        byKey(principal, keyHash),
        eq(idempotencyKeys.fingerprint, fingerprint),
        eq(idempotencyKeys.state, 'running'),
      ),
    );
}

/** Releases a key whose request failed (5xx), so the client may retry with it. */
export async function release(db: Db, principal: string, keyHash: string, fingerprint: string) {
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        byKey(principal, keyHash),
        eq(idempotencyKeys.fingerprint, fingerprint),
        eq(idempotencyKeys.state, 'running'),
      ),
    );
}

/** Deletes up to `batch` expired rows; returns how many went. */
export async function deleteExpiredBatch(db: Db, now: Date, batch: number): Promise<number> {
  const [result] = await db.delete(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, now)).limit(batch);
  return result.affectedRows;
}
