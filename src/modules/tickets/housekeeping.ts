import { and, eq, lt } from 'drizzle-orm';
import { tickets } from '../../../db/schema/index.js';
import { type BackgroundLoop, startLoop } from '../../background.js';
import type { Config } from '../../config.js';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { inlineHasher } from '../users/passwords.js';
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
    const ctx: ServiceContext = {
      db,
      clock: deps.clock,
      config: deps.config,
      log: deps.logger,
      actor: null,
      client: { ip: null, userAgent: null },
      passwords: inlineHasher,
    };
    let closed = 0;
    for (;;) {
      const due = await repo.findSolvedBefore(db, cutoff, batch);
      let progressed = false;
      for (const { id } of due) {
        const done = await db.transaction(async (tx) => {
          const [row] = await tx
            .select()
            .from(tickets)
            .where(and(eq(tickets.id, id), eq(tickets.status, 'solved'), lt(tickets.solvedAt, cutoff)))
            .for('update', { skipLocked: true });
          if (!row) return false; // closed, reopened or being changed by someone else right now
          const change = statusChange(row, 'closed', now, `solved for ${deps.config.autoCloseDays} days`);
          if (!(await repo.updateIfVersion(tx, row.id, row.version, change.changes, now))) return false;
          await repo.insertEvents(tx, now, [{ ...change.event, actorId: null }]);
          const view = (await repo.findView(tx, row.id))!;
          const people = await notify.ticketPeople(tx, view, null);
          await notify.queue(tx, ctx, notify.statusChanged(ctx, view, people, change.event.data, null));
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
