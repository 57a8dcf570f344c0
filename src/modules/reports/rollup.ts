import { sql } from 'drizzle-orm';
import { reportDaily, type TicketStatus } from '../../../db/schema/index.js';
import type { Queryable } from '../../database.js';

/**
 * The write side of the reports: the daily rollup rows a ticket change adds to, upserted in the change's
 * own transaction (the ticket commit path and ticket creation call `recordRollup`). A row's key is the UTC
 * day, the ticket's group and assignee as they are after the change (0 for none), and a slot.
 */

/** Rows per day and key: a ticket always writes the same slot, so its own rows never move between slots. */
export const ROLLUP_SLOTS = 8;

/** The statuses that make up the backlog (unsolved), and the rollup column of each. */
export const BACKLOG_STATUSES = ['new', 'open', 'pending', 'on_hold'] as const;
export type BacklogStatus = (typeof BACKLOG_STATUSES)[number];
const DELTA_FIELD = {
  new: 'deltaNew',
  open: 'deltaOpen',
  pending: 'deltaPending',
  on_hold: 'deltaOnHold',
} as const;

const isBacklog = (s: TicketStatus): s is BacklogStatus =>
  (BACKLOG_STATUSES as readonly string[]).includes(s);

/** What the rollup needs to know of a ticket, before or after a change. */
export interface RollupFacts {
  id: number;
  status: TicketStatus;
  groupId: number | null;
  assigneeId: number | null;
}

interface Counts {
  created: number;
  solved: number;
  reopened: number;
  deltaNew: number;
  deltaOpen: number;
  deltaPending: number;
  deltaOnHold: number;
}
export type RollupRow = Counts & { day: string; groupId: number; assigneeId: number; slot: number };

const zero = (): Counts => ({
  created: 0,
  solved: 0,
  reopened: 0,
  deltaNew: 0,
  deltaOpen: 0,
  deltaPending: 0,
  deltaOnHold: 0,
});

/** The UTC day of a moment, as the `date` column stores it. */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The rollup rows of one change of a ticket from `before` (null: it is being created) to `after`, at `now`.
 * Pure: `created` on creation, `solved` when it becomes solved, `reopened` when a solved or closed ticket
 * becomes unsolved again, and a -1/+1 pair of backlog deltas when its (status, group, assignee) changes
 * while unsolved on either side. Empty when nothing the reports count changed.
 */
export function rollupRows(before: RollupFacts | null, after: RollupFacts, now: Date): RollupRow[] {
  const rows = new Map<string, RollupRow>();
  const day = dayOf(now);
  const slot = after.id % ROLLUP_SLOTS;
  const at = (t: RollupFacts) => {
    const groupId = t.groupId ?? 0;
    const assigneeId = t.assigneeId ?? 0;
    const key = `${groupId}:${assigneeId}`;
    let row = rows.get(key);
    if (!row) {
      row = { day, groupId, assigneeId, slot, ...zero() };
      rows.set(key, row);
    }
    return row;
  };
  if (!before) at(after).created++;
  const wasOpen = before !== null && isBacklog(before.status);
  if (after.status === 'solved' && before !== null && before.status !== 'solved') at(after).solved++;
  if (before !== null && !wasOpen && isBacklog(after.status)) at(after).reopened++;
  const moved =
    !before ||
    before.status !== after.status ||
    before.groupId !== after.groupId ||
    before.assigneeId !== after.assigneeId;
  if (moved) {
    if (before && isBacklog(before.status)) at(before)[DELTA_FIELD[before.status]]--;
    if (isBacklog(after.status)) at(after)[DELTA_FIELD[after.status]]++;
  }
  const out = [...rows.values()].filter(hasCounts);
  // One lock order for every writer: two changes upserting the same keys never deadlock on each other.
  return out.sort((a, b) => a.groupId - b.groupId || a.assigneeId - b.assigneeId);
}

const hasCounts = (r: RollupRow) =>
  r.created !== 0 ||
  r.solved !== 0 ||
  r.reopened !== 0 ||
  r.deltaNew !== 0 ||
  r.deltaOpen !== 0 ||
  r.deltaPending !== 0 ||
  r.deltaOnHold !== 0;

const add = (column: keyof Counts) => {
  const c = reportDaily[column];
  return sql`${c} + VALUES(${sql.identifier(c.name)})`;
};

/** Upserts the rows (one statement), in the caller's transaction. */
export async function recordRollup(tx: Queryable, rows: RollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insert(reportDaily)
    .values(rows)
    .onDuplicateKeyUpdate({
      set: {
        created: add('created'),
        solved: add('solved'),
        reopened: add('reopened'),
        deltaNew: add('deltaNew'),
        deltaOpen: add('deltaOpen'),
        deltaPending: add('deltaPending'),
        deltaOnHold: add('deltaOnHold'),
      },
    });
}
