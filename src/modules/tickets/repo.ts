import { type AnyColumn, and, asc, desc, eq, inArray, lt, ne, type SQL, sql } from 'drizzle-orm';
import { alias, type MySqlUpdateSetSource } from 'drizzle-orm/mysql-core';
import {
  groups,
  messages,
  type SatisfactionRating,
  type TicketPriority,
  type TicketStatus,
  ticketCcs,
  ticketEvents,
  ticketFollowers,
  tickets,
  ticketTags,
  users,
} from '../../../db/schema/index.js';
import { STAFF_ROLES } from '../../access/index.js';
import { type Actor, actorApiKeyId, actorUserId } from '../../context.js';
import { affectedRows, insertId, prepared, type Queryable } from '../../database.js';
import { parseJsonColumn, parseViewValues, type ViewFieldValue, viewValuesSql } from '../fields/index.js';
import type { ReportColumns } from './report-columns.js';

export type TicketRow = typeof tickets.$inferSelect;

export const PRIORITY_RANK: Record<TicketPriority, number> = { low: 1, normal: 2, high: 3, urgent: 4 };

const requester = alias(users, 'requester');
const ticketGroup = alias(groups, 'ticket_group');
const assignee = alias(users, 'assignee');

/**
 * The people a ticket copies (`relation` ticket_ccs) or has following it (ticket_followers), as one JSON
 * array column of `[id, name, email]`, by a correlated subquery on the relation's primary key.
 */
const peopleJson = (relation: typeof ticketCcs | typeof ticketFollowers, ticketId: AnyColumn) =>
  sql<unknown>`(SELECT JSON_ARRAYAGG(JSON_ARRAY(${users.id}, ${users.name}, ${users.email})) FROM ${relation} INNER JOIN ${users} ON ${users.id} = ${relation.userId} WHERE ${relation.ticketId} = ${ticketId})`;

/**
 * What a ticket view selects besides the ticket itself: its people and its tags as one comma-separated
 * string (tags cannot contain commas). `ticketId` is the ticket's id column in the query at hand (the
 * table, or the derived page of `selectPage`).
 */
const viewBase = (ticketId: AnyColumn) => ({
  requester: { id: requester.id, name: requester.name, email: requester.email },
  assignee: { id: assignee.id, name: assignee.name, email: assignee.email },
  group: { id: ticketGroup.id, name: ticketGroup.name },
  tags: sql<
    string | null
  >`(SELECT GROUP_CONCAT(${ticketTags.tag} ORDER BY ${ticketTags.tag} SEPARATOR ',') FROM ${ticketTags} WHERE ${ticketTags.ticketId} = ${ticketId})`,
});

/**
 * The full view adds CCs, followers and custom field values as JSON arrays, in the same statement (one
 * snapshot). Those three subqueries cost the database most of a view's time even when they find nothing
 * (MariaDB prepares them either way; an `IF()` around them saves nothing), so only tickets marked
 * `view_extras` are read with them: the base view first, the full one when the row says so.
 */
const viewFull = (ticketId: AnyColumn) => ({
  ...viewBase(ticketId),
  ccs: peopleJson(ticketCcs, ticketId),
  followers: peopleJson(ticketFollowers, ticketId),
  fields: viewValuesSql(ticketId),
});

/** Marks a ticket as having (had) CCs, followers or field values; the caller holds its row lock. */
export async function markViewExtras(db: Queryable, ticketId: number): Promise<void> {
  await db
    .update(tickets)
    .set({ viewExtras: true })
    .where(and(eq(tickets.id, ticketId), eq(tickets.viewExtras, false)));
}

export interface ViewPerson {
  id: number;
  name: string;
  email: string;
}

/** A ticket with its requester, assignee, tags, CCs and followers, as the API shows it. */
export interface TicketView {
  ticket: TicketRow;
  requester: ViewPerson;
  assignee: ViewPerson | null;
  group: { id: number; name: string } | null;
  tags: string[];
  /** Customers copied on the ticket, by id. */
  ccs: ViewPerson[];
  /** Staff following the ticket, by id (shown to staff only). */
  followers: ViewPerson[];
  /** Custom field values, each saying whether requesters may see it. */
  fields: ViewFieldValue[];
}

function toView(row: {
  ticket: TicketRow;
  requester: TicketView['requester'];
  assignee: TicketView['assignee'];
  group: TicketView['group'];
  tags: string | null;
  ccs?: unknown;
  followers?: unknown;
  fields?: unknown;
}): TicketView {
  return {
    ...row,
    tags: row.tags ? row.tags.split(',') : [],
    ccs: people(row.ccs),
    followers: people(row.followers),
    fields: parseViewValues(row.fields),
  };
}

/** The people of a `peopleJson` column, by id. */
function people(raw: unknown): ViewPerson[] {
  return parseJsonColumn<[number, string, string]>(raw)
    .map(([id, name, email]) => ({ id, name, email }))
    .sort((a, b) => a.id - b.id);
}

/** The ids of the people copied on a ticket (what the read rules ask). */
export async function findCcIds(db: Queryable, ticketId: number): Promise<number[]> {
  const rows = await db
    .select({ userId: ticketCcs.userId })
    .from(ticketCcs)
    .where(eq(ticketCcs.ticketId, ticketId));
  return rows.map((r) => r.userId);
}

/** Whether `userId` is copied on any ticket (one probe of the user index). */
export async function isCcAnywhere(db: Queryable, userId: number): Promise<boolean> {
  const rows = await db.select({ one: sql`1` }).from(ticketCcs).where(eq(ticketCcs.userId, userId)).limit(1);
  return rows.length > 0;
}

/** Replaces a ticket's CCs with `userIds` (by primary key: no gap locks, as for tags). */
export async function setCcs(db: Queryable, ticketId: number, current: number[], wanted: number[]) {
  const removed = current.filter((id) => !wanted.includes(id));
  const added = wanted.filter((id) => !current.includes(id));
  if (removed.length > 0) {
    await db
      .delete(ticketCcs)
      .where(and(eq(ticketCcs.ticketId, ticketId), inArray(ticketCcs.userId, removed)));
  }
  if (added.length > 0) {
    await markViewExtras(db, ticketId);
    await db.insert(ticketCcs).values(added.map((userId) => ({ ticketId, userId })));
  }
  return { added, removed };
}

/** Adds or removes a follower; true when that changed anything. */
export async function setFollower(db: Queryable, ticketId: number, userId: number, follow: boolean) {
  if (follow) {
    await markViewExtras(db, ticketId);
    const result = await db.insert(ticketFollowers).ignore().values({ ticketId, userId });
    return affectedRows(result) === 1;
  }
  const result = await db
    .delete(ticketFollowers)
    .where(and(eq(ticketFollowers.ticketId, ticketId), eq(ticketFollowers.userId, userId)));
  return affectedRows(result) === 1;
}

/** How a page is ordered: ticket columns (ending in `id`), all in one direction. */
export interface PageOrder {
  keys: (keyof TicketRow)[];
  descending: boolean;
}

/**
 * One page of ticket views in one query. The page is chosen from `tickets` alone in a derived table
 * (filters, keyset and ORDER BY … LIMIT on an index), and only its rows are joined to their people and
 * tags. Joined directly, the optimizer may drive the query from `users` instead and sort every matching
 * ticket before the LIMIT: at a million tickets that took seconds per page.
 */
export async function selectPage(
  db: Queryable,
  where: SQL | undefined,
  order: PageOrder,
  limit: number,
): Promise<TicketView[]> {
  const dir = (c: SQL.Aliased | AnyColumn | SQL) => (order.descending ? desc(c) : asc(c));
  // The page picks ids and sort keys only, so an index holding the filter and sort columns answers it
  // without reading a row (the at-risk queue sorts its whole at-risk set: read from the index, not the
  // table); only the page's rows are then read, by primary key.
  const keys = Object.fromEntries(order.keys.map((k) => [k, tickets[k]]));
  const page = db
    .select({ ...keys, id: tickets.id })
    .from(tickets)
    .where(where)
    .orderBy(...order.keys.map((k) => dir(tickets[k])))
    .limit(limit)
    .as('page');
  const pageKey = (k: keyof TicketRow) => (page as unknown as Record<string, AnyColumn>)[k]!;
  const rows = await db
    .select({ ticket: tickets, ...viewBase(tickets.id) })
    .from(page)
    .innerJoin(tickets, eq(tickets.id, page.id))
    .innerJoin(requester, eq(requester.id, tickets.requesterId))
    .leftJoin(assignee, eq(assignee.id, tickets.assigneeId))
    .leftJoin(ticketGroup, eq(ticketGroup.id, tickets.groupId))
    .orderBy(...order.keys.map((k) => dir(pageKey(k))));
  // The page's tickets with CCs, followers or field values are read again whole (each from one statement).
  const marked = rows.filter((r) => r.ticket.viewExtras).map((r) => r.ticket.id);
  const full = new Map<number, TicketView>();
  if (marked.length > 0) {
    const fullRows = await viewsOf(db, viewFull(tickets.id)).where(inArray(tickets.id, marked));
    for (const r of fullRows) full.set(r.ticket.id, toView(r));
  }
  return rows.map((r) => full.get(r.ticket.id) ?? toView({ ...r, ticket: r.ticket as TicketRow }));
}

/** Ticket views (`viewBase` or `viewFull` columns) read from `tickets` with their people; the caller filters. */
function viewsOf<C extends ReturnType<typeof viewBase>>(db: Queryable, columns: C) {
  return db
    .select({ ticket: tickets, ...columns })
    .from(tickets)
    .innerJoin(requester, eq(requester.id, tickets.requesterId))
    .leftJoin(assignee, eq(assignee.id, tickets.assigneeId))
    .leftJoin(ticketGroup, eq(ticketGroup.id, tickets.groupId));
}

const viewById = (columns: ReturnType<typeof viewBase>) => (db: Queryable) =>
  viewsOf(db, columns)
    .where(eq(tickets.id, sql.placeholder('id')))
    .prepare();
const baseViewByIdQuery = viewById(viewBase(tickets.id));
const fullViewByIdQuery = viewById(viewFull(tickets.id));

/**
 * One ticket view by number (GET /tickets/:id is the hottest read): one prepared query, and a second,
 * the full view, only for a ticket marked as having CCs, followers or field values.
 */
export async function findView(db: Queryable, id: number): Promise<TicketView | null> {
  const [row] = await prepared(db, baseViewByIdQuery).execute({ id });
  if (!row) return null;
  if (!row.ticket.viewExtras) return toView(row);
  const [full] = await prepared(db, fullViewByIdQuery).execute({ id });
  return full ? toView(full) : null;
}

/** The bare row, optionally locked for the rest of the transaction (every write starts with this). */
export async function findRow(db: Queryable, id: number, lock = false): Promise<TicketRow | null> {
  const q = db.select().from(tickets).where(eq(tickets.id, id));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

export async function insertTicket(
  db: Queryable,
  row: {
    subject: string;
    priority: TicketPriority;
    requesterId: number;
    now: Date;
    /** Group, assignee and the SLA columns a new ticket starts with. */
    extra?: TicketChanges;
  },
): Promise<number> {
  const result = await db.insert(tickets).values({
    ...row.extra,
    subject: row.subject,
    priority: row.priority,
    priorityRank: PRIORITY_RANK[row.priority],
    requesterId: row.requesterId,
    status: 'new',
    version: 1,
    publicVersion: 1,
    createdAt: row.now,
    updatedAt: row.now,
    publicUpdatedAt: row.now,
  });
  return insertId(result);
}

/**
 * Adds and removes tags by primary key. (A `DELETE … WHERE ticket_id = ?` first would take a gap lock on
 * the ticket_id index, and two concurrent new tickets inserting into that gap deadlock each other.)
 */
export async function changeTags(
  db: Queryable,
  ticketId: number,
  added: readonly string[],
  removed: readonly string[] = [],
): Promise<void> {
  if (removed.length > 0) {
    await db
      .delete(ticketTags)
      .where(and(inArray(ticketTags.tag, [...removed]), eq(ticketTags.ticketId, ticketId)));
  }
  if (added.length > 0) await db.insert(ticketTags).values(added.map((tag) => ({ ticketId, tag })));
}

/** The SLA columns, as `tickets/sla.ts` computes them. */
export type SlaColumns = Partial<
  Pick<
    TicketRow,
    | 'slaNextResponseStartedAt'
    | 'slaResolutionStartedAt'
    | 'slaResolutionBusinessSecs'
    | 'slaResolutionCalendarSecs'
    | 'slaPolicyId'
    | 'slaFirstResponseDueAt'
    | 'slaNextResponseDueAt'
    | 'slaResolutionDueAt'
    | 'slaDueAt'
    | 'slaAtRiskAt'
    | 'slaNextAlertAt'
    | 'slaWarned'
    | 'slaBreached'
  >
>;

export interface TicketChanges extends SlaColumns, ReportColumns {
  subject?: string;
  priority?: TicketPriority;
  assigneeId?: number | null;
  groupId?: number | null;
  status?: TicketStatus;
  firstResponseAt?: Date;
  solvedAt?: Date | null;
  closedAt?: Date | null;
  mergedIntoId?: number;
  satisfactionRating?: SatisfactionRating;
  satisfactionComment?: string | null;
  satisfactionRatedAt?: Date;
}

/**
 * Applies `changes` if the ticket is still at `version`, bumping it. Zero rows means somebody else
 * wrote first: the caller must not report success (race-safe in SQL, never read-modify-write in JS).
 * `visible: false` is for changes only staff can see (an internal note): they leave the requester's
 * `publicVersion`/`publicUpdatedAt` alone, so the requester's view does not move.
 */
export async function updateIfVersion(
  db: Queryable,
  id: number,
  version: number,
  changes: TicketChanges,
  now: Date,
  visible = true,
): Promise<boolean> {
  const set: MySqlUpdateSetSource<typeof tickets> = { ...changes, updatedAt: now, version: version + 1 };
  if (visible) {
    set.publicVersion = sql`${tickets.publicVersion} + 1`;
    set.publicUpdatedAt = now;
  }
  if (changes.priority) set.priorityRank = PRIORITY_RANK[changes.priority];
  const result = await db
    .update(tickets)
    .set(set)
    .where(and(eq(tickets.id, id), eq(tickets.version, version)));
  return affectedRows(result) === 1;
}

export type EventType =
  | 'ticket.created'
  | 'ticket.status_changed'
  | 'ticket.assigned'
  | 'ticket.priority_changed'
  | 'ticket.tags_changed'
  | 'ticket.subject_changed'
  | 'ticket.group_changed'
  | 'sla.warning'
  | 'sla.breached'
  | 'ticket.ccs_changed'
  | 'ticket.merged'
  | 'ticket.merged_into'
  | 'ticket.fields_changed'
  | 'ticket.followed'
  | 'ticket.unfollowed'
  | 'ticket.rated'
  | 'message.created'
  | 'notification.requeued';

export interface NewEvent {
  ticketId: number;
  type: EventType;
  data: Record<string, unknown>;
  /** Hidden from the requester (events about internal notes). */
  internal?: boolean;
}

/**
 * Writes audit events naming their actor; always called inside the transaction that makes the change,
 * which holds the ticket's row lock (or has just created the ticket), so numbering the requester-visible
 * ones from the current maximum cannot race, provided the transaction's first read was that locking one;
 * the unique (ticket_id, public_seq) key would refuse it loudly if it did. Returns the first new event's id (a multi-row insert's ids are consecutive).
 */
export async function insertEvents(
  db: Queryable,
  now: Date,
  actor: Actor,
  events: NewEvent[],
): Promise<number> {
  if (events.length === 0) return 0;
  const actorId = actorUserId(actor);
  const actorApiKeyIdValue = actorApiKeyId(actor);
  const actorJob = actor.type === 'system' ? actor.job : null;
  const next = new Map<number, number>();
  for (const ticketId of new Set(events.filter((e) => !e.internal).map((e) => e.ticketId))) {
    // A plain read: the transaction's first read was the ticket's locking one (a snapshot taken before that
    // lock would make this maximum stale; see resolveMergeTarget). Not a locking read: on a new ticket's
    // empty range it would gap-lock the end of the index, and concurrent creates would deadlock there.
    const [row] = await db
      .select({ last: sql<number | null>`MAX(${ticketEvents.publicSeq})` })
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, ticketId));
    next.set(ticketId, Number(row?.last ?? 0) + 1);
  }
  const result = await db.insert(ticketEvents).values(
    events.map((e) => {
      let publicSeq: number | null = null;
      if (!e.internal) {
        publicSeq = next.get(e.ticketId)!;
        next.set(e.ticketId, publicSeq + 1);
      }
      return {
        ticketId: e.ticketId,
        actorId,
        actorApiKeyId: actorApiKeyIdValue,
        actorJob,
        type: e.type,
        data: e.data,
        internal: e.internal ?? false,
        publicSeq,
        createdAt: now,
      };
    }),
  );
  return insertId(result);
}

/**
 * An active agent or admin by id (who may be assigned tickets), or null. The row is locked: a demotion
 * or disabling of that person (which unassigns their tickets) then runs wholly before or after this
 * assignment, never beside it, so nobody is left assigned after losing their staff role.
 */
export async function findAssignableStaff(db: Queryable, id: number) {
  const [row] = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.id, id), inArray(users.role, [...STAFF_ROLES]), eq(users.active, true)))
    .for('update');
  return row ?? null;
}

/** A person's current role, or null when there is no such account (whom a CSAT rating is recorded as). */
export async function findUserRole(db: Queryable, id: number) {
  const [row] = await db.select({ role: users.role }).from(users).where(eq(users.id, id));
  return row?.role ?? null;
}

/** The tickets assigned to `userId` that are not closed, locked for the rest of the transaction. */
export async function lockOpenAssignedTo(db: Queryable, userId: number): Promise<TicketRow[]> {
  return db
    .select()
    .from(tickets)
    .where(and(eq(tickets.assigneeId, userId), ne(tickets.status, 'closed')))
    .orderBy(asc(tickets.id))
    .for('update');
}

/** A reply or internal note: messages are part of the ticket aggregate, written with its changes. */
export async function insertMessage(
  db: Queryable,
  row: { ticketId: number; author: Actor; body: string; internal: boolean; now: Date },
): Promise<number> {
  const result = await db.insert(messages).values({
    ticketId: row.ticketId,
    // A person or a key: exactly one of the two is set.
    authorId: actorUserId(row.author),
    authorApiKeyId: actorApiKeyId(row.author),
    body: row.body,
    internal: row.internal,
    createdAt: row.now,
  });
  return insertId(result);
}

/** A ticket's tags, sorted. */
export async function findTags(db: Queryable, ticketId: number): Promise<string[]> {
  const rows = await db
    .select({ tag: ticketTags.tag })
    .from(ticketTags)
    .where(eq(ticketTags.ticketId, ticketId));
  return rows.map((r) => r.tag).sort();
}

/**
 * Locks ticket `id` if it is still solved before `cutoff` and nobody else holds it (`SKIP LOCKED`): the
 * auto-close sweep takes a ticket only when no other instance or request is changing it right now.
 */
export async function lockSolvedBefore(db: Queryable, id: number, cutoff: Date): Promise<TicketRow | null> {
  const [row] = await db
    .select()
    .from(tickets)
    .where(and(eq(tickets.id, id), eq(tickets.status, 'solved'), lt(tickets.solvedAt, cutoff)))
    .for('update', { skipLocked: true });
  return row ?? null;
}

/** Solved tickets whose `solvedAt` is before `cutoff`: the auto-close sweep's work list. */
export async function findSolvedBefore(db: Queryable, cutoff: Date, limit: number) {
  return db
    .select({ id: tickets.id })
    .from(tickets)
    .where(and(eq(tickets.status, 'solved'), lt(tickets.solvedAt, cutoff)))
    .orderBy(asc(tickets.solvedAt))
    .limit(limit);
}
