import { type BackgroundLoop, startLoop } from '../../background.js';
import type { Database } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import * as repo from './repo.js';

/**
 * Deletes expired idempotency keys in batches (the Node housekeeping loop and the Workers cron both call
 * it). Safe on every instance at once: a row deleted twice is simply not found the second time.
 */
export async function sweepIdempotencyKeys(
  deps: { database: Database; clock: Clock },
  batch = 1000,
  maxBatches = 20,
): Promise<number> {
  const now = deps.clock.now();
  return deps.database.use(async (db) => {
    let deleted = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await repo.deleteExpiredBatch(db, now, batch);
      deleted += n;
      if (n < batch) break;
    }
    return deleted;
  });
}

/** The Node background loop for the sweep; Workers run `sweepIdempotencyKeys` from their cron trigger. */
export function startIdempotencySweepLoop(
  deps: { database: Database; clock: Clock; logger: Logger },
  intervalMs: number,
): BackgroundLoop {
  return startLoop(
    deps.logger,
    'idempotency-sweep',
    async () => {
      const deleted = await sweepIdempotencyKeys(deps);
      if (deleted > 0) deps.logger.debug({ deleted }, 'deleted expired idempotency keys');
    },
    intervalMs,
  );
}
