import { and, asc, eq, gt } from 'drizzle-orm';
import { notifications, tickets } from '../../../db/schema/index.js';
import { abilityOf, authorize, requireScope } from '../../access/index.js';
import { requireActor, type ServiceContext, withTransaction } from '../../context.js';
import { affectedRows } from '../../database.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { afterIdCursor, type PageInput, toPage } from '../../http/pagination.js';
import type { NotificationStatusView } from '../notifications/index.js';
import { recordEvents } from './commit.js';
import { readableView, ticketSubject } from './visibility.js';

/** Staff view of the emails a ticket caused and how their delivery went, oldest first. */
export async function listForTicket(ctx: ServiceContext, ticketId: number, page: PageInput) {
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

/**
 * POST /notifications/:id/requeue: staff put a `failed` ticket email back in the queue, due now, with a
 * fresh OUTBOX_MAX_AGE window (its `created_at` restarts). 404 unless the caller may act on the ticket as
 * staff (a requester or a stranger learns nothing), and for emails without a ticket (a password reset's
 * token is gone once it failed: ask for a new one); 409 `not_failed` unless it is `failed`. Audited as an
 * internal `notification.requeued` event on the ticket.
 */
export async function requeue(ctx: ServiceContext, id: number): Promise<NotificationStatusView> {
  const actor = requireActor(ctx);
  // An API key without tickets:write is told which scope it lacks; people get the 404 below.
  requireScope(abilityOf(ctx), 'triage', 'Ticket');
  const notFound = () => new NotFoundError('notification', id);
  return withTransaction(ctx, async (tx) => {
    const [found] = await tx
      .select({ row: notifications, requesterId: tickets.requesterId })
      .from(notifications)
      .innerJoin(tickets, eq(tickets.id, notifications.ticketId))
      .where(eq(notifications.id, id))
      .for('update');
    if (!found || !abilityOf(ctx).can('triage', ticketSubject({ requesterId: found.requesterId })))
      throw notFound();
    const now = ctx.clock.now();
    // Race-safe: only a row still `failed` is requeued; a second click gets 409, not a second email.
    const updated = await tx
      .update(notifications)
      .set({ status: 'queued', nextAttemptAt: now, createdAt: now, claimToken: null })
      .where(and(eq(notifications.id, id), eq(notifications.status, 'failed')));
    if (affectedRows(updated) === 0)
      throw new ConflictError(
        'not_failed',
        `Only a failed notification can be requeued; this one is ${found.row.status}.`,
      );
    // Staff-only: the requester's event trail does not learn about email delivery.
    await recordEvents(tx, now, actor, [
      {
        ticketId: found.row.ticketId!,
        type: 'notification.requeued',
        data: { notificationId: String(id), event: found.row.event, recipient: found.row.recipient },
        internal: true,
      },
    ]);
    const { row } = found;
    return {
      id: String(row.id),
      event: row.event,
      recipient: row.recipient,
      status: 'queued' as const,
      attempts: row.attempts,
      lastError: row.lastError,
      sentAt: null,
    };
  });
}
