import { and, asc, eq, gt } from 'drizzle-orm';
import { ticketEvents, tickets, users } from '../../../db/schema/index.js';
import { ticketEventScope } from '../../access/index.js';
import { requireActor, type ServiceContext } from '../../context.js';
import { afterIdCursor, toPage } from '../../http/pagination.js';
import { readableView } from '../tickets/visibility.js';
import type { TicketEvent } from './schemas.js';

/** A page of a ticket's audit trail, oldest first; a requester sees no events about internal notes. */
export async function list(
  ctx: ServiceContext,
  ticketId: string,
  page: { limit: number; cursor?: string | undefined },
) {
  const view = await readableView(ctx, ticketId);
  const after = afterIdCursor(page.cursor);
  const rows = await ctx.db
    .select({
      id: ticketEvents.id,
      ticketId: ticketEvents.ticketId,
      type: ticketEvents.type,
      data: ticketEvents.data,
      createdAt: ticketEvents.createdAt,
      actorJob: ticketEvents.actorJob,
      actor: { id: users.id, name: users.name, role: users.role },
    })
    .from(ticketEvents)
    .innerJoin(tickets, eq(tickets.id, ticketEvents.ticketId))
    .leftJoin(users, eq(users.id, ticketEvents.actorId))
    .where(
      and(
        eq(ticketEvents.ticketId, view.ticket.id),
        ticketEventScope(requireActor(ctx)),
        after === null ? undefined : gt(ticketEvents.id, after),
      ),
    )
    .orderBy(asc(ticketEvents.id))
    .limit(page.limit + 1);
  return toPage(
    rows,
    page.limit,
    (r) => [r.id],
    (r): TicketEvent => ({
      id: String(r.id),
      ticketId: String(r.ticketId),
      type: r.type,
      actor: r.actor
        ? { type: 'user', id: String(r.actor.id), name: r.actor.name, role: r.actor.role }
        : { type: 'system', job: r.actorJob ?? 'auto_close' },
      data: r.data ?? {},
      createdAt: r.createdAt.toISOString(),
    }),
  );
}
