import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { apiKeys, ticketEvents, tickets, users } from '../../../db/schema/index.js';
import { abilityOf, ticketEventScope } from '../../access/index.js';
import { requireActor, type ServiceContext } from '../../context.js';
import { afterIdCursor, type PageInput, toPage } from '../../http/pagination.js';
import { readableView, seesInternal, toEventActor } from '../tickets/index.js';
import type { TicketEvent } from './schemas.js';

/**
 * A page of a ticket's audit trail, oldest first; a requester sees no events about internal notes.
 * Staff see global event ids; a requester sees each event's position among the events they can see
 * (1, 2, 3…), because gaps in global ids would show where hidden events are.
 */
export async function list(ctx: ServiceContext, ticketId: number, page: PageInput) {
  const view = await readableView(ctx, ticketId);
  const after = afterIdCursor(page.cursor);
  const full = seesInternal(abilityOf(ctx), view.ticket);
  // A requester's events all have a publicSeq (the scope excludes internal ones) in id order.
  const key = full ? ticketEvents.id : ticketEvents.publicSeq;
  const rows = await ctx.db
    .select({
      id: sql<number>`${key}`.mapWith(Number),
      ticketId: ticketEvents.ticketId,
      type: ticketEvents.type,
      data: ticketEvents.data,
      createdAt: ticketEvents.createdAt,
      actorJob: ticketEvents.actorJob,
      actor: { id: users.id, name: users.name, role: users.role },
      apiKey: { id: apiKeys.id, name: apiKeys.name },
    })
    .from(ticketEvents)
    .innerJoin(tickets, eq(tickets.id, ticketEvents.ticketId))
    .leftJoin(users, eq(users.id, ticketEvents.actorId))
    .leftJoin(apiKeys, eq(apiKeys.id, ticketEvents.actorApiKeyId))
    .where(
      and(
        eq(ticketEvents.ticketId, view.ticket.id),
        ticketEventScope(requireActor(ctx)),
        after === null ? undefined : gt(key, after),
      ),
    )
    .orderBy(asc(key))
    .limit(page.limit + 1);
  return toPage(
    rows,
    page.limit,
    (r) => [r.id],
    (r): TicketEvent => ({
      id: String(r.id),
      ticketId: String(r.ticketId),
      type: r.type,
      actor: toEventActor(r),
      data: r.data ?? {},
      createdAt: r.createdAt.toISOString(),
    }),
  );
}
