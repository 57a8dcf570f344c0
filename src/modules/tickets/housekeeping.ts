import { type BackgroundLoop, startLoop } from '../../background.js';
import type { Config } from '../../config.js';
import { actorUserId, systemContext, withTransaction } from '../../context.js';
import type { Database } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { inlineHasher } from '../../passwords.js';
import { commitChange } from './commit.js';
import * as notify from './notify.js';
import * as repo from './repo.js';
import { statusChange } from './status.js';

export interface HousekeepingDeps {
  database: Database;
  clock: Clock;
  config: Config;
  logger: Logger;
}

/**
 * Closes solved tickets older than AUTO_CLOSE_DAYS, each in its own transaction with its audit event
 * (actor: the system) and its emails. Safe to run on every instance at once: a ticket is taken with
 * `FOR UPDATE SKIP LOCKED` and re-checked under the lock, so each is closed exactly once.
 * Both entries call it on a schedule (Node: an interval; Workers: the cron trigger).
 *
 * One run stops after `budgetMs` (the next run goes on where it stopped): a backlog of thousands, after
 * AUTO_CLOSE_DAYS was lowered say, must neither hold a graceful shutdown nor outlast a cron invocation.
 */
export async function autoCloseSolved(
  deps: HousekeepingDeps,
  batch = 100,
  budgetMs = 5_000,
): Promise<number> {
  const started = Date.now();
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.config.autoCloseDays * 86_400_000);
  return deps.database.use(async (db) => {
    const ctx = systemContext(
      { db, clock: deps.clock, config: deps.config, log: deps.logger, passwords: inlineHasher },
      'auto_close',
    );
    const reason = `solved for ${deps.config.autoCloseDays} days`;
    let closed = 0;
    for (;;) {
      const due = await repo.findSolvedBefore(db, cutoff, batch);
      let progressed = false;
      for (const { id } of due) {
        const done = await withTransaction(ctx, async (tx, ctx) => {
          const row = await repo.lockSolvedBefore(tx, id, cutoff);
          if (!row) return false; // closed, reopened or being changed by someone else right now
          const change = statusChange(row, 'closed', now, reason);
          await commitChange(tx, ctx, row, {
            changes: change.changes,
            events: [change.event],
            notify: (view, people) =>
              notify.statusChanged(ctx, view, people, change.event.data, actorUserId(ctx.actor)),
          });
          return true;
        });
        if (done) {
          closed++;
          progressed = true;
        }
      }
      if (due.length < batch || !progressed || Date.now() - started > budgetMs) return closed;
    }
  });
}

/**
 * How often the Node entry sweeps unless HOUSEKEEPING_INTERVAL_SECONDS says otherwise; auto-close counts in
 * days, so a minute is plenty.
 */
export const HOUSEKEEPING_INTERVAL_MS = 60_000;

/** The Node background loop for housekeeping (auto-close); Workers run the same verb from their cron trigger. */
export function startHousekeepingLoop(
  deps: HousekeepingDeps,
  intervalMs = HOUSEKEEPING_INTERVAL_MS,
): BackgroundLoop {
  return startLoop(
    deps.logger,
    'auto-close',
    async () => {
      const closed = await autoCloseSolved(deps);
      if (closed > 0) deps.logger.info({ closed }, 'auto-closed solved tickets');
    },
    intervalMs,
  );
}
