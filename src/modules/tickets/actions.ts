import { eq } from 'drizzle-orm';
import type { TicketPriority, TicketStatus } from '../../../db/schema/index.js';
import { users } from '../../../db/schema/index.js';
import { abilityOf, requireScope } from '../../access/index.js';
import {
  actorLabel,
  actorUserId,
  requireActor,
  type ServiceContext,
  withTransaction,
} from '../../context.js';
import { ConflictError, ForbiddenError, UnprocessableError, ValidationError } from '../../errors.js';
import type { IfMatch } from '../../http/etag.js';
import { commitChange, type TicketChange } from './commit.js';
import { planGroupChange } from './groups.js';
import { checkTransition, transitionOnReply } from './lifecycle.js';
import * as notify from './notify.js';
import { planUpdate } from './plan.js';
import * as repo from './repo.js';
import type { Ticket } from './schemas.js';
import { toTicket } from './service.js';
import { statusChange } from './status.js';
import { lockForWrite, ticketSubject } from './visibility.js';

/** What a macro does to a ticket: all of it optional, applied together as one change. */
export interface TicketActions {
  reply?: { body: string; internal: boolean };
  status?: TicketStatus;
  priority?: TicketPriority;
  assigneeId?: string | null;
  /** A group id (`null`: out of any group); round robin assigns when the ticket is left unassigned. */
  groupId?: string | null;
  addTags?: string[];
  removeTags?: string[];
}

/** The values a macro's reply may name: `{{requester.name}}`, `{{ticket.id}}`, `{{agent.name}}`. */
export interface ReplyVars {
  requester: { name: string };
  ticket: { id: string };
  agent: { name: string };
}

/**
 * Applies `actions` to a ticket as ONE change in one transaction through `commitChange`: one version
 * bump, the events of every part (reply, assignment, priority, tags, status), and the emails each part
 * causes. `renderReply` turns the reply's template into text with the ticket's values (the macros
 * module renders it with the eval-free template engine). Staff only (403); `If-Match` is honoured (412).
 * 422 `macro_agent_unavailable` when the assignee is no longer an active agent or admin; 409
 * `invalid_transition` when the status cannot be reached from the ticket's.
 */
export async function applyActions(
  ctx: ServiceContext,
  id: number,
  actions: TicketActions,
  ifMatch: IfMatch,
  renderReply: (template: string, vars: ReplyVars) => string,
): Promise<Ticket> {
  requireScope(abilityOf(ctx), 'triage', 'Ticket');
  const actor = requireActor(ctx);
  const actorId = actorUserId(actor);
  const view = await withTransaction(ctx, async (tx, ctx) => {
    const row = await lockForWrite(tx, ctx, id, ifMatch);
    if (!abilityOf(ctx).can('triage', ticketSubject(row, row.ccIds))) {
      throw new ForbiddenError('forbidden', 'Only staff apply macros.');
    }
    const now = ctx.clock.now();
    let tags: string[] | undefined;
    let currentTags: string[] = [];
    if (actions.addTags || actions.removeTags) {
      const removed = new Set(actions.removeTags ?? []);
      const current = await repo.findTags(tx, id);
      tags = [...new Set([...current, ...(actions.addTags ?? [])])].filter((t) => !removed.has(t)).sort();
      if (tags.length > 20)
        throw new ValidationError([{ path: 'addTags', message: 'a ticket holds at most 20 tags' }]);
      currentTags = current;
    }
    const plan = planUpdate(
      row,
      {
        ...(actions.priority ? { priority: actions.priority } : {}),
        ...(actions.assigneeId !== undefined ? { assigneeId: actions.assigneeId } : {}),
        ...(tags ? { tags } : {}),
      },
      currentTags,
    );
    let assigneeId = plan.changes.assigneeId;
    if (assigneeId != null && !(await repo.findAssignableStaff(tx, assigneeId))) {
      throw new UnprocessableError(
        'macro_agent_unavailable',
        `The macro assigns user ${assigneeId}, who is no longer an active agent or admin.`,
      );
    }
    if (actions.groupId !== undefined) {
      // As PATCH does: 422 for a group that no longer exists; round robin when left unassigned.
      const to = actions.groupId === null ? null : Number(actions.groupId);
      const group = await planGroupChange(
        tx,
        row,
        to,
        assigneeId !== undefined ? assigneeId : row.assigneeId,
      );
      if (group.assigned) {
        plan.events = plan.events.filter((e) => e.type !== 'ticket.assigned');
        assigneeId = group.changes.assigneeId;
      }
      Object.assign(plan.changes, group.changes);
      plan.events.push(...group.events);
    }
    await repo.changeTags(tx, id, plan.tags.added, plan.tags.removed);
    const change: TicketChange = { changes: plan.changes, events: plan.events };

    if (actions.reply && row.status === 'closed') {
      throw new ConflictError('ticket_closed', 'This ticket is closed; the macro cannot reply on it.');
    }
    let reply: { body: string; internal: boolean } | null = null;
    if (actions.reply) {
      const requester = (await repo.findView(tx, id))!.requester;
      // `{{agent.name}}`: the person applying it, or the API key's name.
      const [agent] =
        actorId === null
          ? [{ name: actorLabel(actor) ?? '' }]
          : await tx.select({ name: users.name }).from(users).where(eq(users.id, actorId));
      const body = renderReply(actions.reply.body, {
        requester: { name: requester.name },
        ticket: { id: String(id) },
        agent: { name: agent?.name ?? '' },
      }).trim();
      if (!body) throw new ValidationError([{ path: 'actions.reply.body', message: 'renders empty' }]);
      reply = { body, internal: actions.reply.internal };
      const messageId = await repo.insertMessage(tx, {
        ticketId: id,
        author: actor,
        body,
        internal: reply.internal,
        now,
      });
      change.events.push({
        type: 'message.created',
        data: { messageId: String(messageId), internal: reply.internal },
        internal: reply.internal,
      });
      if (!reply.internal && row.firstResponseAt === null) change.changes.firstResponseAt = now;
    }
    const to = actions.status ?? (reply ? transitionOnReply(row.status, 'staff', reply.internal) : null);
    const move = to && to !== row.status ? statusChange(row, to, now) : null;
    if (move && to) {
      if (checkTransition(row.status, to, 'staff') !== 'allowed') {
        throw new ConflictError('invalid_transition', `A ${row.status} ticket cannot move to ${to}.`);
      }
      Object.assign(change.changes, move.changes);
      change.events.push(move.event);
    }
    // Only an internal note and nothing else leaves the requester's view as it was.
    change.requesterVisible = change.events.some((e) => !e.internal);
    change.notify = async (v, people) => [
      ...(assigneeId ? notify.assigned(ctx, v, people, actorId) : []),
      ...(reply ? notify.messageCreated(ctx, v, people, reply, actorId, actorLabel(actor)) : []),
      ...(move ? await notify.statusChanged(ctx, v, people, move.event.data, actorId) : []),
    ];
    return commitChange(tx, ctx, row, change);
  });
  return toTicket(ctx, view);
}
