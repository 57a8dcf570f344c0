import { and, asc, eq, gte, isNotNull, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { MySqlColumn } from 'drizzle-orm/mysql-core';
import { groups, reportDaily, tickets, users } from '../../../db/schema/index.js';
import type { Queryable } from '../../database.js';
import type { BacklogStatus } from './rollup.js';

/** Which tickets a report covers: a group and/or an assignee, or all. */
export interface ReportFilter {
  groupId?: number | undefined;
  assigneeId?: number | undefined;
}

const rollupWhere = (f: ReportFilter, ...more: (SQL | undefined)[]) =>
  and(
    f.groupId === undefined ? undefined : eq(reportDaily.groupId, f.groupId),
    f.assigneeId === undefined ? undefined : eq(reportDaily.assigneeId, f.assigneeId),
    ...more,
  );

const ticketWhere = (f: ReportFilter, ...more: (SQL | undefined)[]) =>
  and(
    f.groupId === undefined ? undefined : eq(tickets.groupId, f.groupId),
    f.assigneeId === undefined ? undefined : eq(tickets.assigneeId, f.assigneeId),
    ...more,
  );

export const groupExists = async (db: Queryable, id: number) =>
  (await db.select({ id: groups.id }).from(groups).where(eq(groups.id, id))).length > 0;

export const userExists = async (db: Queryable, id: number) =>
  (await db.select({ id: users.id }).from(users).where(eq(users.id, id))).length > 0;

/** Created, solved and reopened counts over the days `[from, to]` (a range of the rollup's primary key). */
export async function rollupTotals(db: Queryable, f: ReportFilter, from: string, to: string) {
  const [row] = await db
    .select({
      created: sql<string | null>`SUM(${reportDaily.created})`,
      solved: sql<string | null>`SUM(${reportDaily.solved})`,
      reopened: sql<string | null>`SUM(${reportDaily.reopened})`,
    })
    .from(reportDaily)
    .where(rollupWhere(f, gte(reportDaily.day, from), lte(reportDaily.day, to)));
  return {
    created: Number(row?.created ?? 0),
    solved: Number(row?.solved ?? 0),
    reopened: Number(row?.reopened ?? 0),
  };
}

/** Per-day sums of a rollup column (or of all backlog deltas) for days in `[from, to]`. */
export async function rollupByDay(
  db: Queryable,
  f: ReportFilter,
  what: 'created' | 'solved' | 'backlogDelta',
  from: string,
  to: string | null,
): Promise<Map<string, number>> {
  const value =
    what === 'backlogDelta'
      ? sql<string>`SUM(${reportDaily.deltaNew} + ${reportDaily.deltaOpen} + ${reportDaily.deltaPending} + ${reportDaily.deltaOnHold})`
      : sql<string>`SUM(${reportDaily[what]})`;
  const rows = await db
    .select({ day: reportDaily.day, value })
    .from(reportDaily)
    .where(rollupWhere(f, gte(reportDaily.day, from), to === null ? undefined : lte(reportDaily.day, to)))
    .groupBy(reportDaily.day);
  return new Map(rows.map((r) => [r.day, Number(r.value)]));
}

export type Backlog = Record<BacklogStatus, number>;

/**
 * The backlog by status at the end of day `to`: the sum of every backlog delta up to it (each change of
 * an unsolved ticket's status, group or assignee wrote a -1/+1 pair, creation a +1, a solve a -1). One
 * range of the rollup's primary key: its size is days × groups × assignees × slots, far below the number of
 * tickets, and it never counts ticket rows.
 */
export async function backlogUpTo(db: Queryable, f: ReportFilter, to: string): Promise<Backlog> {
  const [row] = await db
    .select({
      new: sql<string | null>`SUM(${reportDaily.deltaNew})`,
      open: sql<string | null>`SUM(${reportDaily.deltaOpen})`,
      pending: sql<string | null>`SUM(${reportDaily.deltaPending})`,
      on_hold: sql<string | null>`SUM(${reportDaily.deltaOnHold})`,
    })
    .from(reportDaily)
    .where(rollupWhere(f, lte(reportDaily.day, to)));
  return {
    new: Number(row?.new ?? 0),
    open: Number(row?.open ?? 0),
    pending: Number(row?.pending ?? 0),
    on_hold: Number(row?.on_hold ?? 0),
  };
}

/** A duration column, the moment that puts a ticket in range, and its SLA outcome. */
interface DurationColumns {
  at: MySqlColumn;
  secs: MySqlColumn;
  met: MySqlColumn;
}
export const FIRST_RESPONSE: DurationColumns = {
  at: tickets.firstResponseAt,
  secs: tickets.firstResponseSecs,
  met: tickets.slaFirstResponseMet,
};
export const RESOLUTION: DurationColumns = {
  at: tickets.solvedAt,
  secs: tickets.resolutionSecs,
  met: tickets.slaResolutionMet,
};

/**
 * Nearest-rank median and p90 (seconds) of a duration over tickets whose moment is in `[start, end)`, and
 * its SLA outcome counts. Each query is a range of a covering index (`tickets_report_*_idx`): a count,
 * then one ordered read per percentile stopping at its rank.
 */
export async function durationStats(
  db: Queryable,
  f: ReportFilter,
  c: DurationColumns,
  start: Date,
  end: Date,
): Promise<{ median: number | null; p90: number | null; met: number; withTarget: number }> {
  const where = ticketWhere(f, gte(c.at, start), lt(c.at, end), isNotNull(c.secs));
  const [agg] = await db
    .select({
      n: sql<string>`COUNT(*)`,
      met: sql<string | null>`SUM(${c.met} = 1)`,
      withTarget: sql<string>`COUNT(${c.met})`,
    })
    .from(tickets)
    .where(where);
  const n = Number(agg?.n ?? 0);
  const rank = async (p: number) => {
    if (n === 0) return null;
    const k = Math.max(1, Math.ceil(p * n));
    const [row] = await db
      .select({ secs: sql<number>`${c.secs}` })
      .from(tickets)
      .where(where)
      .orderBy(asc(c.secs))
      .limit(1)
      .offset(k - 1);
    return row ? Number(row.secs) : null;
  };
  return {
    median: await rank(0.5),
    p90: await rank(0.9),
    met: Number(agg?.met ?? 0),
    withTarget: Number(agg?.withTarget ?? 0),
  };
}

/** Ratings given in `[start, end)`, by rating. */
export async function satisfactionCounts(db: Queryable, f: ReportFilter, start: Date, end: Date) {
  const rows = await db
    .select({ rating: tickets.satisfactionRating, n: sql<string>`COUNT(*)` })
    .from(tickets)
    .where(ticketWhere(f, gte(tickets.satisfactionRatedAt, start), lt(tickets.satisfactionRatedAt, end)))
    .groupBy(tickets.satisfactionRating);
  const count = (r: 'good' | 'bad') => Number(rows.find((x) => x.rating === r)?.n ?? 0);
  return { good: count('good'), bad: count('bad') };
}
