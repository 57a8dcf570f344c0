import { abilityOf, authorize } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import type { Queryable } from '../../database.js';
import { ValidationError } from '../../errors.js';
import * as repo from './repo.js';
import { dayOf } from './rollup.js';
import type { ReportSummary, ReportTimeseries, SummaryQuery, TimeseriesQuery } from './schemas.js';

/**
 * The reports: figures over a range of UTC days, staff only (and keys with `reports:read`). Counts come from
 * the daily rollup, durations and outcomes from the columns the commit path keeps on each ticket; all the
 * reads of one report share one transaction, so they see one consistent snapshot.
 */

const DAY_MS = 86_400_000;
/** The longest summary range, and the most buckets a timeseries returns, per interval. */
export const MAX_SUMMARY_DAYS = 366;
export const MAX_BUCKETS = { day: 366, week: 104 } as const;

const startOf = (day: string) => new Date(`${day}T00:00:00.000Z`);
const addDays = (day: string, n: number) => dayOf(new Date(startOf(day).getTime() + n * DAY_MS));

interface Range {
  from: string;
  to: string;
  filter: repo.ReportFilter;
}

/** The range and filter of a query, checked: 422 for `from` after `to`, unknown groups and users. */
async function resolve(db: Queryable, ctx: ServiceContext, q: SummaryQuery): Promise<Range> {
  const to = q.to ?? dayOf(ctx.clock.now());
  const from = q.from ?? addDays(to, -29);
  if (from > to) throw new ValidationError([{ path: 'from', message: 'must not be after `to`' }]);
  const filter: repo.ReportFilter = {
    groupId: q.groupId === undefined ? undefined : Number(q.groupId),
    assigneeId: q.assigneeId === undefined ? undefined : Number(q.assigneeId),
  };
  if (filter.groupId !== undefined && !(await repo.groupExists(db, filter.groupId))) {
    throw new ValidationError([{ path: 'groupId', message: 'no such group' }]);
  }
  if (filter.assigneeId !== undefined && !(await repo.userExists(db, filter.assigneeId))) {
    throw new ValidationError([{ path: 'assigneeId', message: 'no such user' }]);
  }
  return { from, to, filter };
}

const daysIn = (r: { from: string; to: string }) =>
  Math.round((startOf(r.to).getTime() - startOf(r.from).getTime()) / DAY_MS) + 1;

const minutes = (secs: number | null) => (secs === null ? null : Math.round((secs / 60) * 100) / 100);
const share = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

/** GET /reports/summary. */
export async function summary(ctx: ServiceContext, q: SummaryQuery): Promise<ReportSummary> {
  authorize(abilityOf(ctx), 'read', 'Report');
  return withTransaction(ctx, async (db) => {
    const r = await resolve(db, ctx, q);
    if (daysIn(r) > MAX_SUMMARY_DAYS) {
      throw new ValidationError([
        { path: 'to', message: `the range must be at most ${MAX_SUMMARY_DAYS} days` },
      ]);
    }
    const start = startOf(r.from);
    const end = startOf(addDays(r.to, 1));
    const totals = await repo.rollupTotals(db, r.filter, r.from, r.to);
    const backlog = await repo.backlogUpTo(db, r.filter, r.to);
    const first = await repo.durationStats(db, r.filter, repo.FIRST_RESPONSE, start, end);
    const resolution = await repo.durationStats(db, r.filter, repo.RESOLUTION, start, end);
    const rated = await repo.satisfactionCounts(db, r.filter, start, end);
    return {
      ...totals,
      backlog,
      firstResponseMinutes: { median: minutes(first.median), p90: minutes(first.p90) },
      resolutionMinutes: { median: minutes(resolution.median), p90: minutes(resolution.p90) },
      sla: {
        firstResponseMet: share(first.met, first.withTarget),
        resolutionMet: share(resolution.met, resolution.withTarget),
      },
      satisfaction: { ...rated, score: share(rated.good, rated.good + rated.bad) },
    };
  });
}

/** The first day of the bucket holding `day`: itself, or the Monday of its ISO week. */
function bucketStart(day: string, interval: 'day' | 'week'): string {
  if (interval === 'day') return day;
  const weekday = (startOf(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(day, -weekday);
}

/** GET /reports/timeseries: one bucket per day or ISO week from `from`'s to `to`'s, empty ones as 0. */
export async function timeseries(ctx: ServiceContext, q: TimeseriesQuery): Promise<ReportTimeseries> {
  authorize(abilityOf(ctx), 'read', 'Report');
  return withTransaction(ctx, async (db) => {
    const r = await resolve(db, ctx, q);
    const step = q.interval === 'day' ? 1 : 7;
    const first = bucketStart(r.from, q.interval);
    const last = bucketStart(r.to, q.interval);
    const count = (daysIn({ from: first, to: last }) - 1) / step + 1;
    if (count > MAX_BUCKETS[q.interval]) {
      throw new ValidationError([
        { path: 'to', message: `at most ${MAX_BUCKETS[q.interval]} ${q.interval} buckets per request` },
      ]);
    }
    const starts = Array.from({ length: count }, (_, i) => addDays(first, i * step));
    const endOf = (s: string) => addDays(s, step - 1);
    if (q.metric !== 'backlog') {
      const byDay = await repo.rollupByDay(db, r.filter, q.metric, first, endOf(last));
      return {
        data: starts.map((s) => {
          let value = 0;
          for (let i = 0; i < step; i++) value += byDay.get(addDays(s, i)) ?? 0;
          return { at: startOf(s).toISOString(), value };
        }),
      };
    }
    // The backlog at a bucket's end: every delta up to the day before the first bucket, then day by day.
    const before = await repo.backlogUpTo(db, r.filter, addDays(first, -1));
    let running = before.new + before.open + before.pending + before.on_hold;
    const deltas = await repo.rollupByDay(db, r.filter, 'backlogDelta', first, endOf(last));
    return {
      data: starts.map((s) => {
        for (let i = 0; i < step; i++) running += deltas.get(addDays(s, i)) ?? 0;
        return { at: startOf(s).toISOString(), value: running };
      }),
    };
  });
}
