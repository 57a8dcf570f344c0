import { and, asc, eq, gt, type SQL, sql } from 'drizzle-orm';
import { apiKeys, messages, tickets, users } from '../../../db/schema/index.js';
import type { Queryable } from '../../database.js';

export const messageColumns = {
  id: messages.id,
  ticketId: messages.ticketId,
  body: messages.body,
  internal: messages.internal,
  createdAt: messages.createdAt,
  // A person or an API key wrote it (left joins: exactly one of the two matches).
  actor: { id: users.id, name: users.name, role: users.role },
  apiKey: { id: apiKeys.id, name: apiKeys.name },
  actorJob: sql<string | null>`NULL`,
};

export async function findMessage(db: Queryable, id: number) {
  const [row] = await db
    .select(messageColumns)
    .from(messages)
    .leftJoin(users, eq(users.id, messages.authorId))
    .leftJoin(apiKeys, eq(apiKeys.id, messages.authorApiKeyId))
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
    .leftJoin(users, eq(users.id, messages.authorId))
    .leftJoin(apiKeys, eq(apiKeys.id, messages.authorApiKeyId))
    .where(
      and(eq(messages.ticketId, ticketId), scope, afterId === null ? undefined : gt(messages.id, afterId)),
    )
    .orderBy(asc(messages.id))
    .limit(limit);
}
