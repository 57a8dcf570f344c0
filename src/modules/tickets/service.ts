import { abilityOf, authorize } from '../../access/index.js';
import {
  actorUserId,
  requireActor,
  requireUser,
  type ServiceContext,
  withTransaction,
} from '../../context.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../errors.js';
import type { IfMatch } from '../../http/etag.js';
import { toPage } from '../../http/pagination.js';
import { commitChange } from './commit.js';
import { enforceTicketCreateLimit } from './create-limit.js';
import { allowedTargets, checkTransition } from './lifecycle.js';
import { cursorPosition, listQuery } from './list.js';
import * as notify from './notify.js';
import { planUpdate } from './plan.js';
import * as repo from './repo.js';
import type {
  AllowedTransitions,
  CreateTicketInput,
  Ticket,
  TicketListQuery,
  TransitionInput,
  UpdateTicketInput,
} from './schemas.js';
import { statusChange } from './status.js';
import { lockForWrite, partyOf, readableView, seesInternal, ticketSubject } from './visibility.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const person = (p: { id: number; name: string; email: string }) => ({ ...p, id: String(p.id) });

/**
 * The public shape of a ticket, as this caller sees it: staff get the full `version`/`updatedAt`, a
 * requester the ones only requester-visible changes move (see `seesInternal`).
 */
export function toTicket(ctx: ServiceContext, v: repo.TicketView): Ticket {
  const t = v.ticket;
  const full = seesInternal(abilityOf(ctx), t);
  return {
    id: String(t.id),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    tags: v.tags,
    requester: person(v.requester),
    assignee: v.assignee ? person(v.assignee) : null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: (full ? t.updatedAt : t.publicUpdatedAt).toISOString(),
    firstResponseAt: iso(t.firstResponseAt),
    solvedAt: iso(t.solvedAt),
    closedAt: iso(t.closedAt),
    version: full ? t.version : t.publicVersion,
  };
}

/**
 * Raises a ticket: status `new`, the body as its first message, the audit event and the emails, atomically.
 * `followUpOf`: the closed ticket this one continues (an emailed reply to it), named in `ticket.created`.
 */
export async function create(
  ctx: ServiceContext,
  input: CreateTicketInput,
  opts: { followUpOf?: number } = {},
): Promise<Ticket> {
  authorize(abilityOf(ctx), 'create', 'Ticket');
  await enforceTicketCreateLimit(ctx);
  const actor = requireUser(ctx);
  const now = ctx.clock.now();
  const priority = input.priority ?? 'normal';
  const view = await withTransaction(ctx, async (tx) => {
    const id = await repo.insertTicket(tx, { subject: input.subject, priority, requesterId: actor.id, now });
    const tags = input.tags ?? [];
    await repo.changeTags(tx, id, tags);
    const messageId = await repo.insertMessage(tx, {
      ticketId: id,
      authorId: actor.id,
      body: input.body,
      internal: false,
      now,
    });
    await repo.insertEvents(tx, now, actor, [
      {
        ticketId: id,
        type: 'ticket.created',
        data: {
          subject: input.subject,
          priority,
          tags,
          messageId: String(messageId),
          ...(opts.followUpOf ? { followUpOf: String(opts.followUpOf) } : {}),
        },
      },
    ]);
    // The new ticket is known in full without reading it back; the one query left finds the requester's
    // name (for the ticket) and everyone to email.
    const audience = await notify.newTicketAudience(tx, actor.id);
    const { id: requesterId, name, email } = audience.requester;
    const created: repo.TicketView = {
      ticket: {
        id,
        subject: input.subject,
        status: 'new',
        priority,
        priorityRank: repo.PRIORITY_RANK[priority],
        requesterId,
        assigneeId: null,
        version: 1,
        publicVersion: 1,
        createdAt: now,
        updatedAt: now,
        publicUpdatedAt: now,
        firstResponseAt: null,
        solvedAt: null,
        closedAt: null,
      },
      requester: { id: requesterId, name, email },
      assignee: null,
      tags,
    };
    await notify.ticketCreated(tx, ctx, created, input.body, actor.id, audience);
    return created;
  });
  return toTicket(ctx, view);
}

export async function get(ctx: ServiceContext, id: number): Promise<Ticket> {
  return toTicket(ctx, await readableView(ctx, id));
}

/** A page of the tickets the caller may see, filtered and sorted; keyset-paginated. */
export async function list(ctx: ServiceContext, query: TicketListQuery) {
  const actor = requireActor(ctx);
  const q = listQuery(actor, query);
  if (!q) return { data: [], nextCursor: null };
  const rows = await repo.selectPage(ctx.db, q.where, q.order, query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (v) => cursorPosition(query.sort, actor, v),
    (v) => toTicket(ctx, v),
  );
}

/**
 * Changes subject, priority, tags and assignee (each field checked against the caller's ability: a
 * requester may change only the subject). One version bump and one audit event per field that changed.
 */
export async function update(
  ctx: ServiceContext,
  id: number,
  input: UpdateTicketInput,
  ifMatch: IfMatch,
): Promise<Ticket> {
  const ability = abilityOf(ctx);
  const actorId = actorUserId(requireActor(ctx));
  const view = await withTransaction(ctx, async (tx, ctx) => {
    const row = await lockForWrite(tx, ctx, id, ifMatch);
    for (const field of Object.keys(input)) {
      if (!ability.can('update', ticketSubject(row), field)) {
        throw new ForbiddenError('forbidden', `You may not change ${field} of this ticket.`);
      }
    }
    const plan = planUpdate(row, input, input.tags === undefined ? [] : await repo.findTags(tx, row.id));
    const assigneeId = plan.changes.assigneeId;
    if (assigneeId != null && !(await repo.findAssignableStaff(tx, assigneeId))) {
      throw new ValidationError([{ path: 'assigneeId', message: 'must be an active agent or admin' }]);
    }
    await repo.changeTags(tx, row.id, plan.tags.added, plan.tags.removed);
    return commitChange(tx, ctx, row, {
      ...plan,
      // Unassigning emails nobody; assigning emails the new assignee and the requester.
      notify: assigneeId ? (v, people) => notify.assigned(ctx, v, people, actorId) : undefined,
    });
  });
  return toTicket(ctx, view);
}

/** What this caller may move the ticket to now. */
export async function allowedTransitions(ctx: ServiceContext, id: number): Promise<AllowedTransitions> {
  const view = await readableView(ctx, id);
  const party = partyOf(abilityOf(ctx), view.ticket);
  return { status: view.ticket.status, allowed: party ? allowedTargets(view.ticket.status, party) : [] };
}

/** An explicit move through the lifecycle: 409 if the table has no such move, 403 if not for this caller. */
export async function transition(
  ctx: ServiceContext,
  id: number,
  input: TransitionInput,
  ifMatch: IfMatch,
): Promise<Ticket> {
  const view = await withTransaction(ctx, async (tx, ctx) => {
    const row = await lockForWrite(tx, ctx, id, ifMatch);
    const party = partyOf(abilityOf(ctx), row);
    const allowed = party ? allowedTargets(row.status, party) : [];
    const check = party ? checkTransition(row.status, input.to, party) : 'forbidden';
    if (check === 'invalid') {
      throw new ConflictError('invalid_transition', `A ${row.status} ticket cannot move to ${input.to}.`, {
        allowed,
      });
    }
    if (check === 'forbidden') {
      throw new ForbiddenError(
        'forbidden_transition',
        `You may not move a ${row.status} ticket to ${input.to}.`,
        {
          allowed,
        },
      );
    }
    const actorId = actorUserId(requireActor(ctx));
    const change = statusChange(row, input.to, ctx.clock.now(), input.reason);
    return commitChange(tx, ctx, row, {
      changes: change.changes,
      events: [change.event],
      notify: (v, people) => notify.statusChanged(ctx, v, people, change.event.data, actorId),
    });
  });
  return toTicket(ctx, view);
}

/**
 * Unassigns every ticket that is not closed from `userId` (who is being demoted or disabled), inside the
 * caller's transaction: each through the commit path, with its `ticket.assigned` event by the caller.
 * Unassigning emails nobody, as a PATCH does.
 */
export async function unassignAllFrom(ctx: ServiceContext, userId: number): Promise<number[]> {
  return withTransaction(ctx, async (tx, ctx) => {
    const rows = await repo.lockOpenAssignedTo(tx, userId);
    for (const row of rows) {
      await commitChange(tx, ctx, row, {
        changes: { assigneeId: null },
        events: [{ type: 'ticket.assigned', data: { from: String(userId), to: null } }],
      });
    }
    return rows.map((r) => r.id);
  });
}
