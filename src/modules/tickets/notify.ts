import { and, eq, inArray } from 'drizzle-orm';
import { users } from '../../../db/schema/index.js';
import type { ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { enqueue, mailDomain, type NewNotification } from '../notifications/outbox.js';
import type { TemplateName } from '../notifications/templates.js';
import type { TicketView } from './repo.js';

/**
 * Who is emailed about what (the contract's notification table). Every function here runs inside the
 * transaction of the change it reports, so the emails are queued if and only if the change commits.
 *
 * Nobody is emailed about their own action, except the requester's acknowledgement of a new ticket
 * (whose whole point is to confirm their own action). Disabled accounts and accounts that opted out
 * (`notifications.email: false`) get no ticket emails.
 */

interface Person {
  id: number;
  email: string;
  name: string;
}

const personColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  active: users.active,
  notifyByEmail: users.notifyByEmail,
};

/** The people among `ids` who take ticket email, minus the actor, once each. */
async function reachable(db: Queryable, ids: (number | null | undefined)[], actorId: number | null) {
  const wanted = [...new Set(ids.filter((id): id is number => id != null && id !== actorId))];
  if (wanted.length === 0) return [];
  const rows = await db.select(personColumns).from(users).where(inArray(users.id, wanted));
  return rows.filter((r) => r.active && r.notifyByEmail);
}

function ticketVars(ctx: ServiceContext, view: TicketView) {
  const t = view.ticket;
  return {
    id: String(t.id),
    subject: t.subject,
    priority: t.priority,
    status: t.status,
    url: `${ctx.config.appUrl}/api/v1/tickets/${t.id}`,
  };
}

async function send(
  db: Queryable,
  ctx: ServiceContext,
  view: TicketView,
  event: string,
  template: TemplateName,
  to: Person[],
  vars: Record<string, unknown>,
): Promise<void> {
  const ticket = ticketVars(ctx, view);
  const items: NewNotification[] = to.map((p) => ({
    event,
    template,
    to: { email: p.email, userId: p.id },
    ticketId: view.ticket.id,
    payload: { ...vars, ticket, recipient: { name: p.name } },
  }));
  await enqueue(db, ctx.clock, mailDomain(ctx.config.mailFrom), items);
}

/** ticket created: the requester (acknowledgement) and every active agent/admin, except the actor. */
export async function ticketCreated(
  db: Queryable,
  ctx: ServiceContext,
  view: TicketView,
  body: string,
  actorId: number,
): Promise<void> {
  const message = { body };
  const requesterVars = { message, requester: { name: view.requester.name, email: view.requester.email } };
  const [ack] = await reachable(db, [view.requester.id], null);
  if (ack) await send(db, ctx, view, 'ticket.created', 'ticket_created_requester', [ack], requesterVars);
  const staff = await db
    .select(personColumns)
    .from(users)
    .where(
      and(inArray(users.role, ['agent', 'admin']), eq(users.active, true), eq(users.notifyByEmail, true)),
    );
  const others = staff.filter((s) => s.id !== actorId && s.id !== view.requester.id);
  await send(db, ctx, view, 'ticket.created', 'ticket_created_staff', others, requesterVars);
}

/** status changed (explicit, implicit or automatic): the requester and the assignee. */
export async function statusChanged(
  db: Queryable,
  ctx: ServiceContext,
  view: TicketView,
  change: { from: string; to: string; reason?: string | undefined },
  actor: { id: number; name: string } | null,
): Promise<void> {
  const to = await reachable(db, [view.requester.id, view.assignee?.id], actor?.id ?? null);
  await send(db, ctx, view, 'ticket.status_changed', 'ticket_status_changed', to, {
    change,
    actor: actor ? { name: actor.name } : null,
  });
}

/** assigned / reassigned: the new assignee and the requester. */
export async function assigned(
  db: Queryable,
  ctx: ServiceContext,
  view: TicketView,
  actor: { id: number; name: string },
): Promise<void> {
  if (!view.assignee) return;
  const to = await reachable(db, [view.assignee.id, view.requester.id], actor.id);
  await send(db, ctx, view, 'ticket.assigned', 'ticket_assigned', to, {
    assignee: { name: view.assignee.name },
    actor: { name: actor.name },
  });
}

/** public message: the requester and the assignee; internal note: the assignee only (staff). */
export async function messageCreated(
  db: Queryable,
  ctx: ServiceContext,
  view: TicketView,
  message: { body: string; internal: boolean },
  author: { id: number; name: string },
): Promise<void> {
  const ids = message.internal ? [view.assignee?.id] : [view.requester.id, view.assignee?.id];
  // An internal note goes to staff only, even if the assignee has since lost their staff role.
  const to = (await reachable(db, ids, author.id)).filter((p) => !message.internal || p.role !== 'user');
  await send(
    db,
    ctx,
    view,
    message.internal ? 'note.created' : 'message.created',
    message.internal ? 'note_created' : 'message_created',
    to,
    { author: { name: author.name }, message: { body: message.body } },
  );
}
