import type { Queryable } from '../../database.js';
import { recordRollup, rollupRows } from '../reports/index.js';
import type { TicketChanges, TicketRow } from './repo.js';

/**
 * The reports' side of the commit path (src/modules/reports): the durations and SLA outcomes kept on the
 * ticket, in calendar time, and the daily rollup rows, all written in the change's transaction.
 */

/** The report columns a change sets. */
export type ReportColumns = Partial<
  Pick<
    TicketRow,
    'firstResponseSecs' | 'resolutionSecs' | 'reopenCount' | 'slaFirstResponseMet' | 'slaResolutionMet'
  >
>;

const secsBetween = (from: Date, to: Date) => Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));

/**
 * The columns of a change from `row` with `changes` at `now`: the first response's duration and whether it
 * met the first-response due time it had before the change; at each solve the resolution's duration and
 * whether it met the resolution due time; one more reopen when a solved ticket opens again.
 */
export function reportColumns(row: TicketRow, changes: TicketChanges, now: Date): ReportColumns {
  const out: ReportColumns = {};
  if (changes.firstResponseAt && !row.firstResponseAt) {
    out.firstResponseSecs = secsBetween(row.createdAt, changes.firstResponseAt);
    const due = row.slaFirstResponseDueAt;
    out.slaFirstResponseMet = due ? changes.firstResponseAt.getTime() <= due.getTime() : null;
  }
  const to = changes.status;
  if (to === 'solved' && row.status !== 'solved') {
    out.resolutionSecs = secsBetween(row.createdAt, now);
    const due = row.slaResolutionDueAt;
    out.slaResolutionMet = due ? now.getTime() <= due.getTime() : null;
  }
  if (to && to !== 'solved' && to !== 'closed' && (row.status === 'solved' || row.status === 'closed')) {
    out.reopenCount = row.reopenCount + 1;
  }
  return out;
}

/** The rollup rows of the change, upserted in the caller's transaction. */
export async function recordReportRollup(
  tx: Queryable,
  row: TicketRow | null,
  after: Pick<TicketRow, 'id' | 'status' | 'groupId' | 'assigneeId'>,
  now: Date,
): Promise<void> {
  await recordRollup(tx, rollupRows(row, after, now));
}
