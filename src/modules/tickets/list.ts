import { and, eq, getTableColumns, gt, gte, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { MySqlColumn } from 'drizzle-orm/mysql-core';
import { messages, SLA_NEVER, tickets, ticketTags } from '../../../db/schema/index.js';
import { messageScope, seesAsStaff, ticketScope } from '../../access/index.js';
import { type Actor, actorUserId } from '../../context.js';
import { decodeCursor } from '../../http/pagination.js';
import type { PageOrder, TicketRow, TicketView } from './repo.js';
import type { TicketListQuery, TicketSort } from './schemas.js';

/**
 * How each `sort` orders tickets: a column list ending in `id`, all in one direction, matching a
 * (filter…, column…, id) index so every page is an index range scan, however deep (keyset, not OFFSET).
 */
const SORTS: Record<TicketSort, { columns: MySqlColumn[]; descending: boolean }> = {
  '-updatedAt': { columns: [tickets.updatedAt, tickets.id], descending: true },
  updatedAt: { columns: [tickets.updatedAt, tickets.id], descending: false },
  '-createdAt': { columns: [tickets.createdAt, tickets.id], descending: true },
  createdAt: { columns: [tickets.createdAt, tickets.id], descending: false },
  '-priority': { columns: [tickets.priorityRank, tickets.updatedAt, tickets.id], descending: true },
  // Tickets without a running clock carry the far-future sentinel (SLA_NEVER), so they come last.
  slaDue: { columns: [tickets.slaDueAt, tickets.id], descending: false },
};

/** Staff, keys and the system's jobs see a ticket's full version and `updatedAt`; requesters the public ones. */
const seesStaffView = seesAsStaff;

/**
 * The sort as this caller sees it: a requester's "updated" is `publicUpdatedAt` (what they are shown as
 * `updatedAt`), so an internal note does not move their ticket up their list either.
 */
function sortOf(sort: TicketSort, actor: Actor) {
  const { columns, descending } = SORTS[sort];
  if (seesStaffView(actor)) return { columns, descending };
  // SLAs are staff-only: a requester's `slaDue` is their oldest ticket first, not an order that reveals them.
  const own = (c: MySqlColumn) =>
    c === tickets.updatedAt ? tickets.publicUpdatedAt : c === tickets.slaDueAt ? tickets.createdAt : c;
  return { columns: columns.map(own), descending };
}

/** The cursor position of a row under `sort`: the values of the sort columns. */
export function cursorPosition(sort: TicketSort, actor: Actor, view: TicketView): (string | number)[] {
  const t = view.ticket;
  const byColumn = new Map<MySqlColumn, string | number>([
    [tickets.updatedAt, t.updatedAt.toISOString()],
    [tickets.publicUpdatedAt, t.publicUpdatedAt.toISOString()],
    [tickets.createdAt, t.createdAt.toISOString()],
    [tickets.priorityRank, t.priorityRank],
    [tickets.slaDueAt, t.slaDueAt.toISOString()],
    [tickets.id, t.id],
  ]);
  return sortOf(sort, actor).columns.map((c) => byColumn.get(c)!);
}

const keyOf = (c: MySqlColumn) =>
  (Object.entries(getTableColumns(tickets)).find(([, col]) => col === c)?.[0] ?? 'id') as keyof TicketRow;

const isDateColumn = (c: MySqlColumn) =>
  c === tickets.updatedAt ||
  c === tickets.createdAt ||
  c === tickets.publicUpdatedAt ||
  c === tickets.slaDueAt;

/**
 * Rows strictly after the cursor: (a, b, c) > (x, y, z) spelt out. The redundant leading `a >= x` is
 * what lets MySQL and MariaDB turn it into an index range; with the OR alone they scan from the start
 * of the index (page 50 of a 20k-ticket list went from 29 to thousands of requests per second).
 */
function afterCursor(sort: TicketSort, actor: Actor, cursor: string): SQL {
  const { columns, descending } = sortOf(sort, actor);
  const values = decodeCursor(
    cursor,
    columns.map((c) => (isDateColumn(c) ? 'string' : 'number')),
  ).map((v, i) => (isDateColumn(columns[i]!) ? parseCursorDate(v as string) : v));
  const beyond = descending ? lt : gt;
  const reach = descending ? lte : gte;
  const branches = columns.map((col, i) =>
    and(...columns.slice(0, i).map((prev, j) => eq(prev, values[j])), beyond(col, values[i])),
  );
  return and(reach(columns[0]!, values[0]), or(...branches))!;
}

function parseCursorDate(value: string): Date {
  const d = new Date(value);
  // decodeCursor already vouched for the shape; a bad date makes an empty page rather than a 500.
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

/** Turns free text into a boolean-mode query: every word required, each as a prefix (`+word*`). */
export function fullTextQuery(q: string): string | null {
  const words = q.match(/[\p{L}\p{N}]+/gu)?.slice(0, 10) ?? [];
  return words.length > 0 ? words.map((w) => `+${w}*`).join(' ') : null;
}

/** The WHERE and ORDER BY of GET /tickets for this caller: visibility scope first, then the filters. */
export function listQuery(
  actor: Actor,
  query: TicketListQuery,
  now: Date,
  scope: { ccAnywhere?: boolean } = {},
  /** The latest due time an at-risk ticket can have (`atRiskHorizon`); null: unbounded. */
  atRiskHorizon: Date | null = null,
): { where: SQL | undefined; order: PageOrder } | null {
  const filters: (SQL | undefined)[] = [ticketScope(actor, scope)];
  if (query.status) filters.push(inArray(tickets.status, query.status));
  if (query.priority) filters.push(inArray(tickets.priority, query.priority));
  if (query.assignee === 'none') filters.push(isNull(tickets.assigneeId));
  else if (query.assignee === 'me') filters.push(eq(tickets.assigneeId, actorUserId(actor) ?? 0));
  else if (query.assignee) filters.push(eq(tickets.assigneeId, Number(query.assignee)));
  if (query.requester) filters.push(eq(tickets.requesterId, Number(query.requester)));
  if (query.group === 'none') filters.push(isNull(tickets.groupId));
  else if (query.group) filters.push(eq(tickets.groupId, Number(query.group)));
  if (query.sla) {
    // SLAs are shown to staff only: a requester's SLA queue is empty rather than revealing.
    if (!seesStaffView(actor)) return null;
    // Both read the stored columns: breached = the earliest running due time has passed (the due-time
    // index below now); at risk = not breached, but the earliest at-risk moment has. An at-risk ticket is
    // due by the configuration's horizon (`atRiskHorizon`), so that one is the due-time index over
    // (now, horizon], its at-risk moment checked in the index: the work is the tickets near a deadline,
    // not every ticket past its at-risk moment (a backlog of breached ones grows with the table).
    if (query.sla === 'breached') filters.push(lte(tickets.slaDueAt, now));
    else {
      filters.push(
        gt(tickets.slaDueAt, now),
        atRiskHorizon ? lte(tickets.slaDueAt, atRiskHorizon) : lt(tickets.slaDueAt, SLA_NEVER),
        lte(tickets.slaAtRiskAt, now),
      );
    }
  }
  if (query.tag) {
    filters.push(
      sql`EXISTS (SELECT 1 FROM ${ticketTags} WHERE ${ticketTags.ticketId} = ${tickets.id} AND ${ticketTags.tag} = ${query.tag})`,
    );
  }
  if (query.q) {
    const match = fullTextQuery(query.q);
    if (!match) return null; // nothing searchable in q: no ticket can match
    // Messages count only where the caller could read them: a requester's search never sees notes.
    const inMessages = and(
      eq(messages.ticketId, tickets.id),
      sql`MATCH(${messages.body}) AGAINST (${match} IN BOOLEAN MODE)`,
      messageScope(actor),
    );
    filters.push(
      or(
        sql`MATCH(${tickets.subject}) AGAINST (${match} IN BOOLEAN MODE)`,
        sql`EXISTS (SELECT 1 FROM ${messages} WHERE ${inMessages})`,
      ),
    );
  }
  if (query.cursor) filters.push(afterCursor(query.sort, actor, query.cursor));
  const { columns, descending } = sortOf(query.sort, actor);
  return { where: and(...filters), order: { keys: columns.map(keyOf), descending } };
}
