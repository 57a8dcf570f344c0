import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import {
  type InboundOutcome,
  inboundEmails,
  messages,
  notifications,
  rateLimits,
  tickets,
  users,
} from '../../../db/schema/index.js';
import { insertId, type Queryable } from '../../database.js';

export type InboundRow = typeof inboundEmails.$inferSelect;

export interface NewInboundRow {
  messageId: string;
  dedupeKey: string | null;
  fromAddress: string;
  toAddress: string;
  subject: string;
  outcome: InboundOutcome;
  ticketId: number | null;
  detail: string | null;
  attachments: string[];
  source: string;
  receivedAt: Date;
}

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

export async function insertInbound(db: Queryable, row: NewInboundRow): Promise<number> {
  const result = await db.insert(inboundEmails).values({
    ...row,
    messageId: cut(row.messageId, 255),
    fromAddress: cut(row.fromAddress, 320),
    toAddress: cut(row.toAddress, 320),
    subject: cut(row.subject, 255),
    detail: row.detail === null ? null : cut(row.detail, 1000),
  });
  return insertId(result);
}

export async function settleInbound(
  db: Queryable,
  id: number,
  set: { outcome: InboundOutcome; ticketId: number | null; detail: string | null },
): Promise<void> {
  await db.update(inboundEmails).set(set).where(eq(inboundEmails.id, id));
}

/** The mail that first carried this Message-ID and changed a ticket, if any. */
export async function findByDedupeKey(db: Queryable, key: string) {
  const [row] = await db
    .select({ id: inboundEmails.id, ticketId: inboundEmails.ticketId })
    .from(inboundEmails)
    .where(eq(inboundEmails.dedupeKey, key))
    .limit(1);
  return row ?? null;
}

export async function listInbound(db: Queryable, before: number | null, take: number): Promise<InboundRow[]> {
  return db
    .select()
    .from(inboundEmails)
    .where(before === null ? undefined : lt(inboundEmails.id, before))
    .orderBy(desc(inboundEmails.id))
    .limit(take);
}

/** The account an address belongs to (addresses are stored lower-cased). */
export async function findSender(db: Queryable, email: string) {
  const [row] = await db
    .select({ id: users.id, role: users.role, active: users.active, email: users.email })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  return row ?? null;
}

export async function findTicketParties(db: Queryable, ids: number[]) {
  if (ids.length === 0) return [];
  return db
    .select({
      id: tickets.id,
      status: tickets.status,
      requesterId: tickets.requesterId,
      assigneeId: tickets.assigneeId,
    })
    .from(tickets)
    .where(inArray(tickets.id, ids));
}

/** Tickets our emails with these Message-IDs were about (In-Reply-To/References of a reply). */
export async function ticketsOfOurMessageIds(db: Queryable, messageIds: string[]): Promise<number[]> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .select({ ticketId: notifications.ticketId })
    .from(notifications)
    .where(inArray(notifications.messageId, messageIds))
    .limit(50);
  return [...new Set(rows.map((r) => r.ticketId).filter((id): id is number => id !== null))];
}

/**
 * Counts one mail against its sender's window in the shared `rate_limits` table (all instances and
 * isolates see one count) and returns the count so far.
 */
export async function countSenderHit(db: Queryable, bucket: string, windowStart: Date): Promise<number> {
  await db
    .insert(rateLimits)
    .values({ bucket, windowStart, hits: 1 })
    .onDuplicateKeyUpdate({ set: { hits: sql`${rateLimits.hits} + 1` } });
  const [row] = await db
    .select({ hits: rateLimits.hits })
    .from(rateLimits)
    .where(and(eq(rateLimits.bucket, bucket), eq(rateLimits.windowStart, windowStart)));
  return row?.hits ?? 1;
}

/** The first message of a ticket (the one a ticket is raised with). */
export async function firstMessageId(db: Queryable, ticketId: number): Promise<number | null> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.ticketId, ticketId))
    .orderBy(messages.id)
    .limit(1);
  return row?.id ?? null;
}
