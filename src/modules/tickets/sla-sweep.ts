import { and, asc, eq, lte } from 'drizzle-orm';
import { SLA_NEVER, tickets } from '../../../db/schema/index.js';
import { type BackgroundLoop, startLoop } from '../../background.js';
import { systemContext, withTransaction } from '../../context.js';
import { inlineHasher } from '../../passwords.js';
import { dueAlerts, loadSlaConfig, TARGET_BIT } from '../sla/index.js';
import { commitChange } from './commit.js';
import type { HousekeepingDeps } from './housekeeping.js';
import * as notify from './notify.js';
import { deriveFor } from './sla.js';

/**
 * Writes `sla.warning` and `sla.breached` events, once each, for the tickets whose next alert moment has
 * come (`sla_next_alert_at <= now`, an index range: the sweep never reads tickets with nothing due). Each
 * ticket is taken with `FOR UPDATE SKIP LOCKED` and re-checked under the lock, so several instances (and
 * the cron beside the Node loop) never write an alert twice; the event, the new warned/breached bits and
 * the emails to the assignee (or the group) commit together through the commit path. If the due moment
 * and the warning moment have both passed by the time it looks (a sweep was late), only the breach is
 * written. Runs every minute (Node loop; Workers cron), stopping after `budgetMs`.
 */
export async function sweepSla(deps: HousekeepingDeps, batch = 200, budgetMs = 5_000): Promise<number> {
  const started = Date.now();
  const now = deps.clock.now();
  return deps.database.use(async (db) => {
    const ctx = systemContext(
      { db, clock: deps.clock, config: deps.config, log: deps.logger, passwords: inlineHasher },
      'sla',
    );
    const config = await loadSlaConfig(db);
    let written = 0;
    for (;;) {
      const due = await db
        .select({ id: tickets.id })
        .from(tickets)
        .where(lte(tickets.slaNextAlertAt, now))
        .orderBy(asc(tickets.slaNextAlertAt))
        .limit(batch);
      let progressed = false;
      for (const { id } of due) {
        const alerts = await withTransaction(ctx, async (tx, ctx) => {
          const [row] = await tx
            .select()
            .from(tickets)
            .where(and(eq(tickets.id, id), lte(tickets.slaNextAlertAt, now)))
            .for('update', { skipLocked: true });
          if (!row) return -1; // done by someone else, changed since, or being changed right now
          const clocks = {
            nextResponseStartedAt: row.slaNextResponseStartedAt,
            resolutionStartedAt: row.slaResolutionStartedAt,
            resolutionBusinessSecs: row.slaResolutionBusinessSecs,
            resolutionCalendarSecs: row.slaResolutionCalendarSecs,
          };
          const derived = await deriveFor(tx, config, row, clocks, now);
          const list = dueAlerts(derived, now);
          let warned = derived.warned;
          let breached = derived.breached;
          for (const a of list) {
            const bit = TARGET_BIT[a.target];
            warned |= bit;
            if (a.kind === 'breached') breached |= bit;
          }
          if (list.length === 0) {
            // Nothing due after all (the configuration changed since): move the alert time on.
            const next = derived.nextAlertAt ?? SLA_NEVER;
            await tx.update(tickets).set({ slaNextAlertAt: next }).where(eq(tickets.id, row.id));
            return 0;
          }
          const view = await commitChange(tx, ctx, row, {
            changes: { slaWarned: warned, slaBreached: breached },
            events: list.map((a) => ({
              type: a.kind === 'warning' ? ('sla.warning' as const) : ('sla.breached' as const),
              data: { target: a.target, dueAt: a.dueAt.toISOString() },
              internal: true,
            })),
            // SLAs are staff-only: the requester's view of the ticket does not move.
            requesterVisible: false,
            slaConfig: config,
          });
          await notify.queue(tx, ctx, notify.slaAlerted(ctx, view, await notify.slaAudience(tx, view), list));
          return list.length;
        });
        if (alerts >= 0) progressed = true;
        if (alerts > 0) written += alerts;
      }
      if (due.length < batch || !progressed || Date.now() - started > budgetMs) return written;
    }
  });
}

/** How often the Node entry sweeps SLAs: alerts are due "within a minute". */
export const SLA_SWEEP_INTERVAL_MS = 30_000;

/** The Node loop for the SLA sweep; Workers run `sweepSla` from their cron trigger. */
export function startSlaSweepLoop(
  deps: HousekeepingDeps,
  intervalMs = SLA_SWEEP_INTERVAL_MS,
): BackgroundLoop {
  return startLoop(
    deps.logger,
    'sla-sweep',
    async () => {
      const written = await sweepSla(deps);
      if (written > 0) deps.logger.info({ written }, 'wrote SLA alerts');
    },
    intervalMs,
  );
}
