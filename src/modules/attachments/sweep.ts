import { type BackgroundLoop, startLoop } from '../../background.js';
import type { Database } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import type { StorageDriver } from '../../storage/index.js';
import * as repo from './repo.js';

/** Uploads no message took within this long are deleted, rows and bytes. */
export const UNUSED_UPLOAD_TTL_MS = 24 * 3_600_000;

export interface SweepDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  storage?: StorageDriver;
}

/**
 * Deletes unbound uploads older than 24 h (the Node housekeeping loop and the Workers cron call it).
 * Each batch deletes the rows first, in a transaction that locks them (a message binding one at that
 * moment either wins the lock, and the row is no longer unbound, or waits and finds it gone: 422), then,
 * after the commit, their bytes. A failed byte delete leaves an orphaned object (logged), never a row
 * without bytes. Safe on several instances at once (SKIP LOCKED).
 */
export async function sweepUnusedUploads(deps: SweepDeps, batch = 100, maxBatches = 10): Promise<number> {
  const { storage } = deps;
  if (!storage) return 0;
  const before = new Date(deps.clock.now().getTime() - UNUSED_UPLOAD_TTL_MS);
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const keys = await deps.database.use((db) =>
      db.transaction(async (tx) => {
        const rows = await repo.lockExpiredUnbound(tx, before, batch);
        await repo.deleteUnbound(
          tx,
          rows.map((r) => r.id),
        );
        return rows.map((r) => r.storageKey);
      }),
    );
    for (const key of keys) {
      await storage.delete(key).catch((err: unknown) => {
        deps.logger.warn({ err, key }, 'could not delete the bytes of an expired upload');
      });
    }
    deleted += keys.length;
    if (keys.length < batch) break;
  }
  return deleted;
}

/** The Node background loop for the sweep; Workers run `sweepUnusedUploads` from their cron trigger. */
export function startUploadSweepLoop(deps: SweepDeps, intervalMs: number): BackgroundLoop {
  return startLoop(
    deps.logger,
    'upload-sweep',
    async () => {
      const deleted = await sweepUnusedUploads(deps);
      if (deleted > 0) deps.logger.info({ deleted }, 'deleted unused uploads');
    },
    intervalMs,
  );
}
