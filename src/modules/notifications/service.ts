import { and, asc, eq, gt } from 'drizzle-orm';
import { notifications } from '../../../db/schema/index.js';
import { abilityOf, authorize } from '../../access/index.js';
import type { ServiceContext } from '../../context.js';
import { afterIdCursor, toPage } from '../../http/pagination.js';
import { readableView } from '../tickets/visibility.js';
import type { NotificationStatusView } from './schemas.js';

/** Staff view of the emails a ticket caused and how their delivery went, oldest first. */
export async function listForTicket(
  ctx: ServiceContext,
  ticketId: string,
  page: { limit: number; cursor?: string | undefined },
) {
  const view = await readableView(ctx, ticketId);
  authorize(abilityOf(ctx), 'read', { kind: 'Notification', ticketRequesterId: view.ticket.requesterId });
  const after = afterIdCursor(page.cursor);
  const rows = await ctx.db
    .select({
      id: notifications.id,
      event: notifications.event,
      recipient: notifications.recipient,
      status: notifications.status,
      attempts: notifications.attempts,
      lastError: notifications.lastError,
      sentAt: notifications.sentAt,
    })
    .from(notifications)
    .where(
      and(
        eq(notifications.ticketId, view.ticket.id),
        after === null ? undefined : gt(notifications.id, after),
      ),
    )
    .orderBy(asc(notifications.id))
    .limit(page.limit + 1);
  return toPage(
    rows,
    page.limit,
    (r) => [r.id],
    (r): NotificationStatusView => ({
      ...r,
      id: String(r.id),
      sentAt: r.sentAt ? r.sentAt.toISOString() : null,
    }),
  );
}
