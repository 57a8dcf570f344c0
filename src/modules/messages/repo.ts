import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import { messages, tickets, users } from '../../../db/schema/index.js';
import type { Queryable } from '../../database.js';

export const messageColumns = {
  id: messages.id,
  ticketId: messages.ticketId,
  body: messages.body,
  internal: messages.internal,
  createdAt: messages.createdAt,
  author: { id: users.id, name: users.name, role: users.role },
};

export async function findMessage(db: Queryable, id: number) {
  const [row] = await db
    .select(messageColumns)
    .from(messages)
    .innerJoin(users, eq(users.id, messages.authorId))
    .where(eq(messages.id, id));
  return row;
}

/**
 * One page of a ticket's messages, oldest first, after message `afterId`. `scope` is the caller's
 * message scope (it may refer to `tickets`, which is joined for it).
 */
export async function listMessages(
  db: Queryable,
  ticketId: number,
  scope: SQL | undefined,
  afterId: number | null,
  limit: number,
) {
  return db
    .select(messageColumns)
    .from(messages)
    .innerJoin(tickets, eq(tickets.id, messages.ticketId))
    .innerJoin(users, eq(users.id, messages.authorId))
    .where(
      and(eq(messages.ticketId, ticketId), scope, afterId === null ? undefined : gt(messages.id, afterId)),
    )
    .orderBy(asc(messages.id))
    .limit(limit);
}
