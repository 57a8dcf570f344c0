import { and, asc, gt, inArray, notInArray, sql } from 'drizzle-orm';
import { SLA_NEVER, tickets, ticketTags } from '../../../db/schema/index.js';
import type { ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import {
  advanceClocks,
  type ClockState,
  type DerivedSla,
  deriveSla,
  loadSlaConfig,
  policyFor,
  SLA_TARGETS,
  type SlaActivity,
  type SlaConfig,
  TARGET_BIT,
} from '../sla/index.js';
import * as repo from './repo.js';

/**
 * The SLA side of the commit path: every ticket change recomputes the clocks and due times in its own
 * transaction (`commitChange` calls `slaPlan`), so the stored columns the queues and the sweep read are
 * never behind the ticket.
 */

const clocksOf = (row: repo.TicketRow): ClockState => ({
  nextResponseStartedAt: row.slaNextResponseStartedAt,
  resolutionStartedAt: row.slaResolutionStartedAt,
  resolutionBusinessSecs: row.slaResolutionBusinessSecs,
  resolutionCalendarSecs: row.slaResolutionCalendarSecs,
});

/** The columns of a derivation (NULL-free moments use the far-future sentinel). */
export function slaColumns(clocks: ClockState, d: DerivedSla): repo.SlaColumns {
  return {
    slaNextResponseStartedAt: clocks.nextResponseStartedAt,
    slaResolutionStartedAt: clocks.resolutionStartedAt,
    slaResolutionBusinessSecs: clocks.resolutionBusinessSecs,
    slaResolutionCalendarSecs: clocks.resolutionCalendarSecs,
    slaPolicyId: d.policyId,
    slaFirstResponseDueAt: d.firstResponseDueAt,
    slaNextResponseDueAt: d.nextResponseDueAt,
    slaResolutionDueAt: d.resolutionDueAt,
    slaDueAt: d.dueAt ?? SLA_NEVER,
    slaAtRiskAt: d.atRiskAt ?? SLA_NEVER,
    slaNextAlertAt: d.nextAlertAt ?? SLA_NEVER,
    slaWarned: d.warned,
    slaBreached: d.breached,
  };
}

/** The derivation for a ticket as stored (or as it will be) under the current configuration. */
export async function deriveFor(
  db: Queryable,
  config: SlaConfig,
  row: repo.TicketRow,
  clocks: ClockState,
  now: Date,
  tags?: readonly string[],
): Promise<DerivedSla> {
  const ticketTags = config.byTags ? (tags ?? (await repo.findTags(db, row.id))) : [];
  const policy = policyFor(config, { priority: row.priority, groupId: row.groupId, tags: ticketTags });
  return deriveSla(
    row,
    clocks,
    policy,
    config.calendar,
    {
      policyId: row.slaPolicyId,
      warned: row.slaWarned,
      breached: row.slaBreached,
    },
    now,
  );
}

/**
 * The SLA columns and events of a change to `row`: the clocks moved by the change (`activity`: a public
 * staff reply or a requester's message), the due times under the policy that now matches. A running
 * target that this change stops after its due time and that the sweep has not yet reported gets its
 * `sla.breached` event here, so every breach is written exactly once.
 */
export async function slaPlan(
  tx: Queryable,
  row: repo.TicketRow,
  changes: repo.TicketChanges,
  activity: SlaActivity | undefined,
  now: Date,
  loaded?: SlaConfig,
): Promise<{ changes: repo.SlaColumns; events: Omit<repo.NewEvent, 'ticketId'>[] }> {
  const config = loaded ?? (await loadSlaConfig(tx));
  const after = { ...row, ...changes };
  const clocks = advanceClocks(clocksOf(row), after, activity, now, config.calendar);
  const derived = await deriveFor(tx, config, after, clocks, now);
  const events: Omit<repo.NewEvent, 'ticketId'>[] = [];
  const before: Record<string, Date | null> = {
    first_response: row.slaFirstResponseDueAt,
    next_response: row.slaNextResponseDueAt,
    resolution: row.slaResolutionDueAt,
  };
  for (const target of SLA_TARGETS) {
    const bit = TARGET_BIT[target];
    const was = before[target];
    const stillRuns = derived.running.some((r) => r.target === target);
    if (was && was <= now && !(row.slaBreached & bit) && !stillRuns && derived.policyId === row.slaPolicyId) {
      derived.breached |= bit;
      events.push({ type: 'sla.breached', data: { target, dueAt: was.toISOString() }, internal: true });
    }
  }
  return { changes: slaColumns(clocks, derived), events };
}

/** The SLA columns of a ticket being created (its clocks start now). */
export async function slaForNewTicket(
  tx: Queryable,
  ticket: { priority: repo.TicketRow['priority']; groupId: number | null; tags: readonly string[] },
  now: Date,
): Promise<repo.SlaColumns> {
  const config = await loadSlaConfig(tx);
  const clocks: ClockState = {
    nextResponseStartedAt: null,
    resolutionStartedAt: now,
    resolutionBusinessSecs: 0,
    resolutionCalendarSecs: 0,
  };
  const policy = policyFor(config, ticket);
  const derived = deriveSla(
    { status: 'new', createdAt: now, firstResponseAt: null },
    clocks,
    policy,
    config.calendar,
    { policyId: null, warned: 0, breached: 0 },
    now,
  );
  return slaColumns(clocks, derived);
}

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * After a policy or calendar change: re-derives the due times of every ticket whose clocks may run (not
 * solved or closed), in the caller's transaction, batch by batch. A ticket whose SLA view changes gets a
 * new (staff) version, so an ETag held across the change no longer matches; no ticket event is written
 * (the change is in the admin audit log). Cost: one pass over the unsolved tickets.
 */
export async function recomputeOpenTickets(ctx: ServiceContext, tx: Queryable): Promise<number> {
  const config = await loadSlaConfig(tx);
  const now = ctx.clock.now();
  let after = 0;
  let changed = 0;
  for (;;) {
    const rows = await tx
      .select()
      .from(tickets)
      .where(and(notInArray(tickets.status, ['solved', 'closed']), gt(tickets.id, after)))
      .orderBy(asc(tickets.id))
      .limit(500)
      .for('update');
    if (rows.length === 0) return changed;
    after = rows[rows.length - 1]!.id;
    const tagRows = config.byTags
      ? await tx
          .select({ ticketId: ticketTags.ticketId, tag: ticketTags.tag })
          .from(ticketTags)
          .where(
            inArray(
              ticketTags.ticketId,
              rows.map((r) => r.id),
            ),
          )
      : [];
    for (const row of rows) {
      const tags = tagRows.filter((t) => t.ticketId === row.id).map((t) => t.tag);
      const cols = slaColumns(clocksOf(row), await deriveFor(tx, config, row, clocksOf(row), now, tags));
      const diff = Object.entries(cols).filter(([k, v]) => !same(row[k as keyof repo.TicketRow], v));
      if (diff.length === 0) continue;
      await tx
        .update(tickets)
        .set({ ...Object.fromEntries(diff), version: sql`${tickets.version} + 1` })
        .where(sql`${tickets.id} = ${row.id}`);
      changed++;
    }
  }
}
