import { and, eq, inArray, or } from 'drizzle-orm';
import { groupMembers, users } from '../../../db/schema/index.js';
import { isStaffRole, STAFF_ROLES } from '../../access/index.js';
import { actorLabel, type ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import type { TemplateName } from '../notifications/index.js';
import { enqueue, mailDomain, type NewNotification } from '../notifications/index.js';
import type { TicketView } from './repo.js';
import { csatLinks } from './satisfaction-token.js';

/**
 * Who is emailed about what (the contract's notification table). Every function here runs inside the
 * transaction of the change it reports, so the emails are queued if and only if the change commits.
 *
 * Nobody is emailed about their own action, except the requester's acknowledgement of a new ticket
 * (whose whole point is to confirm their own action). Disabled accounts, accounts that opted out
 * (`notifications.email: false`) and accounts whose address is not verified get no ticket emails: an
 * unverified address may belong to someone else, who would otherwise receive mail with a subject and
 * body chosen by whoever registered it ("Verified addresses").
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
  emailVerified: users.emailVerified,
};

/** Whether this person takes ticket email at all (queue time; the dispatcher re-checks at send time). */
const takesEmail = (p: { active: boolean; notifyByEmail: boolean; emailVerified: boolean }) =>
  p.active && p.notifyByEmail && p.emailVerified;

function ticketVars(ctx: ServiceContext, view: TicketView) {
  const t = view.ticket;
  return {
    id: String(t.id),
    subject: t.subject,
    priority: t.priority,
    status: t.status,
    // Only a front end has a page to send a person to; the API's JSON is not one (issue 10 item 23).
    url: ctx.config.webUrl ? `${ctx.config.webUrl}/tickets/${t.id}` : null,
  };
}

function items(
  ctx: ServiceContext,
  view: TicketView,
  event: string,
  template: TemplateName,
  to: Person[],
  vars: Record<string, unknown>,
): NewNotification[] {
  const ticket = ticketVars(ctx, view);
  return to.map((p) => ({
    event,
    template,
    to: { email: p.email, userId: p.id },
    ticketId: view.ticket.id,
    payload: { ...vars, ticket, recipient: { name: p.name } },
  }));
}

export const queue = (db: Queryable, ctx: ServiceContext, list: NewNotification[]) =>
  enqueue(db, ctx.clock, mailDomain(ctx.config.mailFrom), list);

type PersonRow = Awaited<ReturnType<typeof newTicketAudience>>['staff'][number];

/**
 * Everyone a new ticket's emails may go to, in one query: its requester (who may have opted out; the
 * caller also needs their name and email for the ticket itself) and the staff who take email.
 */
export async function newTicketAudience(db: Queryable, requesterId: number) {
  const rows = await db
    .select(personColumns)
    .from(users)
    .where(
      or(
        eq(users.id, requesterId),
        and(
          inArray(users.role, [...STAFF_ROLES]),
          eq(users.active, true),
          eq(users.notifyByEmail, true),
          eq(users.emailVerified, true),
        ),
      ),
    );
  const requester = rows.find((r) => r.id === requesterId);
  if (!requester) throw new Error(`requester ${requesterId} not found`);
  return { requester, staff: rows.filter((r) => r.id !== requesterId) };
}

/** ticket created: the requester (acknowledgement) and every active agent/admin, except the actor. */
export async function ticketCreated(
  db: Queryable,
  ctx: ServiceContext,
  view: TicketView,
  body: string,
  actorId: number | null,
  audience: { requester: PersonRow; staff: PersonRow[] },
): Promise<void> {
  const vars = { message: { body }, requester: { name: view.requester.name, email: view.requester.email } };
  const { requester } = audience;
  const ack = takesEmail(requester) ? [requester] : [];
  const staff = audience.staff.filter((s) => s.id !== actorId);
  await queue(db, ctx, [
    ...items(ctx, view, 'ticket.created', 'ticket_created_requester', ack, vars),
    ...items(ctx, view, 'ticket.created', 'ticket_created_staff', staff, vars),
  ]);
}

/**
 * The people a change on this ticket may concern (requester, assignee, CCs, followers, actor), in one
 * query.
 */
export async function ticketPeople(db: Queryable, view: TicketView, actorId: number | null): Promise<People> {
  const ids = [
    ...new Set(
      [
        view.requester.id,
        view.assignee?.id,
        actorId,
        ...view.ccs.map((p) => p.id),
        ...view.followers.map((p) => p.id),
      ].filter((id): id is number => id != null),
    ),
  ];
  const rows = await db.select(personColumns).from(users).where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}
export type People = Map<number, PersonRow>;

/** Those of `ids` who take ticket email, minus the actor, once each. */
function pick(people: People, ids: (number | null | undefined)[], actorId: number | null): PersonRow[] {
  const wanted = [...new Set(ids.filter((id): id is number => id != null && id !== actorId))];
  return wanted.map((id) => people.get(id)).filter((p): p is PersonRow => !!p && takesEmail(p));
}

/** The actor's name for "by whom" lines (null for the system). */
export const actorOf = (people: People, actorId: number | null) => {
  const p = actorId === null ? undefined : people.get(actorId);
  return p ? { id: p.id, name: p.name } : null;
};

/** The CCs' ids: they take the public emails. */
const ccIds = (view: TicketView) => view.ccs.map((p) => p.id);

/**
 * The followers who take email: staff only (a follower demoted since is dropped, as an assignee who lost
 * the role is for notes), so their emails may carry internal notes.
 */
const followers = (view: TicketView, people: People, actorId: number | null) =>
  pick(
    people,
    view.followers.map((p) => p.id),
    actorId,
  ).filter((p) => isStaffRole(p.role));

/** Those of `extra` not already in `to`. */
const plus = (to: PersonRow[], extra: PersonRow[]) => [
  ...to,
  ...extra.filter((p) => !to.some((q) => q.id === p.id)),
];

/**
 * status changed (explicit, implicit or automatic): the requester, the assignee, CCs and followers. The
 * requester's copy of a move to solved carries the two satisfaction links (`csat`, signed for this solve;
 * "token" in the key: the outbox redacts them from the row once the email is sent); nobody else's does.
 */
export async function statusChanged(
  ctx: ServiceContext,
  view: TicketView,
  people: People,
  change: { from: string; to: string; reason?: string | undefined },
  actorId: number | null,
): Promise<NewNotification[]> {
  const to = plus(
    pick(people, [view.requester.id, view.assignee?.id, ...ccIds(view)], actorId),
    followers(view, people, actorId),
  );
  // A person by their current name; an API key by its name (`actorLabel`); the system by nothing.
  const name = actorOf(people, actorId)?.name ?? actorLabel(ctx.actor);
  const list = items(ctx, view, 'ticket.status_changed', 'ticket_status_changed', to, {
    change,
    actor: name ? { name } : null,
  });
  const requester = list.find((n) => n.to.userId === view.requester.id);
  if (requester && change.to === 'solved') {
    const csat = await csatLinks(ctx.config, ctx.clock, view.ticket);
    if (csat) requester.payload = { ...requester.payload, csat };
  }
  return list;
}

/** assigned / reassigned: the new assignee, the requester and the followers. */
export function assigned(
  ctx: ServiceContext,
  view: TicketView,
  people: People,
  actorId: number | null,
): NewNotification[] {
  if (!view.assignee) return [];
  const to = plus(
    pick(people, [view.assignee.id, view.requester.id], actorId),
    followers(view, people, actorId),
  );
  return items(ctx, view, 'ticket.assigned', 'ticket_assigned', to, {
    assignee: { name: view.assignee.name },
    actor: { name: actorOf(people, actorId)?.name ?? actorLabel(ctx.actor) ?? '' },
  });
}

/**
 * public message: the requester, the assignee, the CCs and the followers; internal note: the assignee
 * and the followers, staff only (never a CC).
 */
export function messageCreated(
  ctx: ServiceContext,
  view: TicketView,
  people: People,
  message: { body: string; internal: boolean; attachments?: AttachmentLink[] },
  authorId: number | null,
  /** The author's name when it is not a person (an API key): see `actorLabel`. */
  authorLabel: string | null = null,
): NewNotification[] {
  const ids = message.internal ? [view.assignee?.id] : [view.requester.id, view.assignee?.id, ...ccIds(view)];
  // An internal note goes to staff only, even if the assignee has since lost their staff role.
  const to = plus(
    pick(people, ids, authorId).filter((p) => !message.internal || isStaffRole(p.role)),
    followers(view, people, authorId),
  );
  return items(
    ctx,
    view,
    message.internal ? 'note.created' : 'message.created',
    message.internal ? 'note_created' : 'message_created',
    to,
    {
      author: { name: actorOf(people, authorId)?.name ?? authorLabel ?? '' },
      message: { body: message.body, attachments: attachmentLines(ctx, message.attachments ?? []) },
    },
  );
}

/**
 * Who hears of an SLA warning or breach: the assignee, or, while the ticket is unassigned, the members of
 * its group; active staff who take email only.
 */
export async function slaAudience(db: Queryable, view: TicketView): Promise<PersonRow[]> {
  let rows: PersonRow[];
  if (view.assignee) {
    rows = await db.select(personColumns).from(users).where(eq(users.id, view.assignee.id));
  } else if (view.ticket.groupId !== null) {
    rows = await db
      .select(personColumns)
      .from(groupMembers)
      .innerJoin(users, eq(users.id, groupMembers.userId))
      .where(eq(groupMembers.groupId, view.ticket.groupId));
  } else {
    rows = [];
  }
  return rows.filter((p) => takesEmail(p) && isStaffRole(p.role));
}

/** sla.warning / sla.breached: one email per alert to each of `audience`. */
export function slaAlerted(
  ctx: ServiceContext,
  view: TicketView,
  audience: PersonRow[],
  alerts: { kind: 'warning' | 'breached'; target: string; dueAt: Date }[],
): NewNotification[] {
  const label: Record<string, string> = {
    first_response: 'first response',
    next_response: 'next response',
    resolution: 'resolution',
  };
  return alerts.flatMap((a) =>
    items(ctx, view, `sla.${a.kind}`, a.kind === 'warning' ? 'sla_warning' : 'sla_breached', audience, {
      sla: { target: label[a.target] ?? a.target, dueAt: a.dueAt.toISOString() },
    }),
  );
}

/** merged: the source's requester (and its CCs), told where the conversation continues. */
export function merged(
  ctx: ServiceContext,
  source: TicketView,
  people: People,
  target: { id: number; subject: string },
  actorId: number | null,
): NewNotification[] {
  const to = pick(people, [source.requester.id, ...ccIds(source)], actorId);
  return items(ctx, source, 'ticket.merged', 'ticket_merged', to, {
    target: {
      id: String(target.id),
      subject: target.subject,
      url: ctx.config.webUrl ? `${ctx.config.webUrl}/tickets/${target.id}` : null,
    },
    actor: { name: actorOf(people, actorId)?.name ?? actorLabel(ctx.actor) ?? '' },
  });
}

/** A file sent with a message, as its email lists it (a link, never the bytes). */
export interface AttachmentLink {
  id: string;
  filename: string;
  size: number;
}

const humanSize = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1048576).toFixed(1)} MiB`;

/**
 * One line per attachment: name, size and its download URL (GET /attachments/{id}, which asks the
 * reader to sign in and checks they may see the message). Empty when there are none. Templates have no
 * loops, so the list is one value (escaped like any other).
 */
function attachmentLines(ctx: ServiceContext, files: AttachmentLink[]): string {
  return files
    .map((f) => `${f.filename} (${humanSize(f.size)}): ${ctx.config.appUrl}/api/v1/attachments/${f.id}`)
    .join('\n');
}
