import { and } from 'drizzle-orm';
import { SLA_NEVER } from '../../../db/schema/index.js';
import { abilityOf, authorize, seesAsStaff, ticketScope } from '../../access/index.js';
import {
  type Actor,
  actorUserId,
  requireActor,
  type ServiceContext,
  withTransaction,
} from '../../context.js';
import type { Queryable } from '../../database.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../errors.js';
import type { IfMatch } from '../../http/etag.js';
import { toPage } from '../../http/pagination.js';
import { fieldDefs, fieldFilters, validateFields, writeValues } from '../fields/index.js';
import { atRiskHorizon, loadHorizonInputs, targetsOf } from '../sla/index.js';
import { type CustomerAccounts, resolveCcs } from './ccs.js';
import { commitChange, recordEvents } from './commit.js';
import { enforceTicketCreateLimit } from './create-limit.js';
import { planGroupChange } from './groups.js';
import { allowedTargets, checkTransition } from './lifecycle.js';
import { cursorPosition, listQuery } from './list.js';
import * as notify from './notify.js';
import { planUpdate } from './plan.js';
import * as repo from './repo.js';
import { recordReportRollup } from './report-columns.js';
import type {
  AllowedTransitions,
  CreateTicketInput,
  Ticket,
  TicketListQuery,
  TransitionInput,
  UpdateTicketInput,
} from './schemas.js';
import { slaForNewTicket } from './sla.js';
import { statusChange } from './status.js';
import { lockForWrite, partyOf, readableView, seesInternal, ticketSubject } from './visibility.js';

const seesAll = (actor: Actor) => ticketScope(actor) === undefined;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The SLA block of a ticket (staff only): a running target past due counts as breached at once. */
function slaOf(t: repo.TicketRow, now: Date): Ticket['sla'] {
  if (t.slaPolicyId === null) return null;
  const overdue = (d: Date | null) => d !== null && d <= now;
  const bits =
    t.slaBreached |
    (overdue(t.slaFirstResponseDueAt) ? 1 : 0) |
    (overdue(t.slaNextResponseDueAt) ? 2 : 0) |
    (overdue(t.slaResolutionDueAt) ? 4 : 0);
  return {
    policyId: String(t.slaPolicyId),
    firstResponseDueAt: iso(t.slaFirstResponseDueAt),
    nextResponseDueAt: iso(t.slaNextResponseDueAt),
    resolutionDueAt: iso(t.slaResolutionDueAt),
    breached: targetsOf(bits),
  };
}
const person = (p: { id: number; name: string; email: string }) => ({ ...p, id: String(p.id) });

/** Staff, API keys and the requester see the rating; a CC does not need to (it is the requester's). */
const seesSatisfaction = (ctx: ServiceContext, t: repo.TicketRow) =>
  ctx.actor !== null && (seesAll(ctx.actor) || actorUserId(ctx.actor) === t.requesterId);

const satisfactionOf = (t: repo.TicketRow): Ticket['satisfaction'] =>
  t.satisfactionRating && t.satisfactionRatedAt
    ? {
        rating: t.satisfactionRating,
        comment: t.satisfactionComment,
        ratedAt: t.satisfactionRatedAt.toISOString(),
      }
    : null;

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
    group: v.group ? { id: String(v.group.id), name: v.group.name } : null,
    sla: full ? slaOf(t, ctx.clock.now()) : null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: (full ? t.updatedAt : t.publicUpdatedAt).toISOString(),
    firstResponseAt: iso(t.firstResponseAt),
    solvedAt: iso(t.solvedAt),
    closedAt: iso(t.closedAt),
    ccs: v.ccs.map(person),
    ...(full ? { followers: v.followers.map(person) } : {}),
    fields: Object.fromEntries(
      v.fields.filter((f) => full || f.visibleToRequester).map((f) => [f.key, f.value]),
    ),
    satisfaction: seesSatisfaction(ctx, t) ? satisfactionOf(t) : null,
    mergedInto: t.mergedIntoId === null ? null : { id: String(t.mergedIntoId) },
    version: full ? t.version : t.publicVersion,
  };
}

/**
 * Finds a customer's account by address or creates a password-less one, in the caller's transaction
 * (the accounts module's `findOrCreateCustomer`, handed in by the app: accounts depend on tickets, so
 * tickets cannot import them).
 */
export type FindOrCreateCustomer = (
  tx: Queryable,
  ctx: ServiceContext,
  input: { email: string; name?: string | undefined },
) => Promise<{ id: number; created: boolean }>;

/**
 * Raises a ticket: status `new`, the body as its first message, the audit event and the emails, atomically.
 * The requester is the caller, or, with `requester` (staff and keys with tickets:write; a key must send
 * it), the customer with that address, found or created in the same transaction. The first message's
 * author is whoever typed it: the caller (a person or the key), also when raising it for a customer.
 * `followUpOf`: the closed ticket this one continues (an emailed reply to it), named in `ticket.created`.
 */
export async function create(
  ctx: ServiceContext,
  input: CreateTicketInput,
  customers: FindOrCreateCustomer,
  opts: { followUpOf?: number } = {},
): Promise<Ticket> {
  const ability = abilityOf(ctx);
  authorize(ability, 'create', 'Ticket');
  if (input.requester) authorize(ability, 'create', 'Ticket', 'requester');
  const actor = requireActor(ctx);
  const selfId = actorUserId(actor);
  if (!input.requester && selfId === null) {
    throw new ValidationError([
      { path: 'requester', message: 'is required: an API key raises tickets for a customer, by address' },
    ]);
  }
  const groupId = input.groupId == null ? null : Number(input.groupId);
  // Choosing the group is triage: staff (and keys with tickets:write) only; a requester may set only the
  // subject of their ticket.
  if (groupId !== null)
    authorize(ability, 'update', { kind: 'Ticket', requesterId: selfId ?? 0, ccIds: [] }, 'groupId');
  await enforceTicketCreateLimit(ctx);
  const now = ctx.clock.now();
  const priority = input.priority ?? 'normal';
  const seesAllFields = ability.can('triage', 'Ticket');
  const view = await withTransaction(ctx, async (tx, ctx) => {
    const defs = await fieldDefs(tx);
    const fields = validateFields(defs, input.fields ?? {}, { seesAll: seesAllFields, creating: true });
    if (fields.errors.length > 0) throw new ValidationError(fields.errors);
    const tags = input.tags ?? [];
    // Round robin first: the group row's exclusive lock must come before the ticket insert's foreign-key
    // check takes a shared one (two creates upgrading shared locks deadlock each other).
    const group = await planGroupChange(tx, { groupId: null, assigneeId: null }, groupId);
    const requesterId = input.requester
      ? (await customers(tx, ctx, { email: input.requester.email, name: input.requester.name })).id
      : selfId!;
    const sla = await slaForNewTicket(tx, { priority, groupId, tags }, now);
    const id = await repo.insertTicket(tx, {
      subject: input.subject,
      priority,
      requesterId,
      now,
      extra: { ...sla, ...group.changes },
    });
    await recordReportRollup(
      tx,
      null,
      {
        id,
        status: 'new',
        groupId: group.changes.groupId ?? null,
        assigneeId: group.changes.assigneeId ?? null,
      },
      now,
    );
    await writeFieldValues(tx, id, fields.set, []);
    await repo.changeTags(tx, id, tags);
    const messageId = await repo.insertMessage(tx, {
      ticketId: id,
      author: actor,
      body: input.body,
      internal: false,
      now,
    });
    await recordEvents(tx, now, actor, [
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
      ...group.events.map((e) => ({ ...e, ticketId: id })),
    ]);
    // The one query that finds the requester's name (for the ticket) and everyone to email.
    const audience = await notify.newTicketAudience(tx, requesterId);
    // A customer whose account an admin disabled gets no ticket raised for them (nor its emails).
    if (!audience.requester.active) {
      throw new ValidationError([{ path: 'requester.email', message: 'belongs to a disabled account' }]);
    }
    if (groupId !== null) {
      // Grouped (and perhaps assigned): read it back whole and send the assignment email too.
      const view = (await repo.findView(tx, id))!;
      await notify.ticketCreated(tx, ctx, view, input.body, selfId, audience);
      if (view.assignee) {
        const people = await notify.ticketPeople(tx, view, selfId);
        await notify.queue(tx, ctx, notify.assigned(ctx, view, people, selfId));
      }
      return view;
    }
    // Otherwise the new ticket is known in full without reading it back.
    const { name, email } = audience.requester;
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
        groupId: null,
        slaNextResponseStartedAt: null,
        slaResolutionStartedAt: now,
        slaResolutionBusinessSecs: 0,
        slaResolutionCalendarSecs: 0,
        slaPolicyId: null,
        slaFirstResponseDueAt: null,
        slaNextResponseDueAt: null,
        slaResolutionDueAt: null,
        slaDueAt: SLA_NEVER,
        slaAtRiskAt: SLA_NEVER,
        slaNextAlertAt: SLA_NEVER,
        slaWarned: 0,
        slaBreached: 0,
        ...sla,
        mergedIntoId: null,
        satisfactionRating: null,
        satisfactionComment: null,
        satisfactionRatedAt: null,
        firstResponseSecs: null,
        resolutionSecs: null,
        reopenCount: 0,
        slaFirstResponseMet: null,
        slaResolutionMet: null,
        viewExtras: fields.set.length > 0,
      },
      requester: { id: requesterId, name, email },
      assignee: null,
      group: null,
      tags,
      ccs: [],
      followers: [],
      fields: fields.set.map((v) => {
        const def = defs.find((d) => d.id === v.fieldId)!;
        const value = v.textValue ?? v.numberValue ?? v.dateValue ?? v.boolValue;
        return { key: def.key, value, visibleToRequester: def.visibleToRequester };
      }),
    };
    await notify.ticketCreated(tx, ctx, created, input.body, selfId, audience);
    return created;
  });
  return toTicket(ctx, view);
}

/** Writes a ticket's field values, marking it first (as `setCcs` and `setFollower` do) so views read them. */
async function writeFieldValues(
  tx: Queryable,
  ticketId: number,
  set: Parameters<typeof writeValues>[2],
  clear: number[],
): Promise<void> {
  if (set.length > 0) await repo.markViewExtras(tx, ticketId);
  await writeValues(tx, ticketId, set, clear);
}

export async function get(ctx: ServiceContext, id: number): Promise<Ticket> {
  return toTicket(ctx, await readableView(ctx, id));
}

/** A page of the tickets the caller may see, filtered and sorted; keyset-paginated. */
export async function list(ctx: ServiceContext, query: TicketListQuery, fieldQuery: [string, string][] = []) {
  authorize(abilityOf(ctx), 'read', 'Ticket');
  const actor = requireActor(ctx);
  // Someone copied on no ticket at all (most requesters) gets the plain requester scope, an index range.
  const userId = actorUserId(actor);
  const ccAnywhere = seesAll(actor) || userId === null ? undefined : await repo.isCcAnywhere(ctx.db, userId);
  const now = ctx.clock.now();
  // The at-risk queue is bounded by the configuration's horizon (one small read of the policies; `atRiskHorizon`).
  let horizon: Date | null = null;
  if (query.sla === 'at_risk' && seesAsStaff(actor)) {
    const { longest, calendar } = await loadHorizonInputs(ctx.db);
    horizon = atRiskHorizon(longest, calendar, now);
  }
  const q = listQuery(actor, query, now, { ccAnywhere }, horizon);
  if (!q) return { data: [], nextCursor: null };
  if (fieldQuery.length > 0) {
    const extra = fieldFilters(await fieldDefs(ctx.db), fieldQuery, seesAll(actor));
    q.where = and(q.where, ...extra);
  }
  const rows = await repo.selectPage(ctx.db, q.where, q.order, query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (v) => cursorPosition(query.sort, actor, v),
    (v) => toTicket(ctx, v),
  );
}

/**
 * Changes subject, priority, tags, assignee and CCs (each field checked against the caller's ability: a
 * requester may change only the subject and the CCs). One version bump and one audit event per field
 * that changed. `accounts` finds or creates the CCs' accounts (the accounts module, handed in by the app).
 */
export async function update(
  ctx: ServiceContext,
  id: number,
  input: UpdateTicketInput,
  ifMatch: IfMatch,
  accounts?: CustomerAccounts,
): Promise<Ticket> {
  const ability = abilityOf(ctx);
  const actorId = actorUserId(requireActor(ctx));
  const view = await withTransaction(ctx, async (tx, ctx) => {
    const row = await lockForWrite(tx, ctx, id, ifMatch);
    for (const field of Object.keys(input)) {
      if (!ability.can('update', ticketSubject(row), field)) {
        // A key without tickets:write cannot change any field: insufficient_scope, not a per-field refusal.
        authorize(ability, 'update', 'Ticket');
        throw new ForbiddenError('forbidden', `You may not change ${field} of this ticket.`);
      }
    }
    const plan = planUpdate(row, input, input.tags === undefined ? [] : await repo.findTags(tx, row.id));
    let assigneeId = plan.changes.assigneeId;
    if (assigneeId != null && !(await repo.findAssignableStaff(tx, assigneeId))) {
      throw new ValidationError([{ path: 'assigneeId', message: 'must be an active agent or admin' }]);
    }
    if (input.groupId !== undefined) {
      const to = input.groupId === null ? null : Number(input.groupId);
      const assigneeAfter = assigneeId !== undefined ? assigneeId : row.assigneeId;
      const group = await planGroupChange(tx, row, to, assigneeAfter);
      if (group.assigned) {
        // Round robin picked the assignee: one `ticket.assigned` event, from the one before the PATCH.
        plan.events = plan.events.filter((e) => e.type !== 'ticket.assigned');
        assigneeId = group.changes.assigneeId;
      }
      Object.assign(plan.changes, group.changes);
      plan.events.push(...group.events);
    }
    await repo.changeTags(tx, row.id, plan.tags.added, plan.tags.removed);
    if (input.fields !== undefined) {
      const defs = await fieldDefs(tx);
      const seesAll = seesInternal(ability, row);
      const fields = validateFields(defs, input.fields, { seesAll, creating: false });
      if (fields.errors.length > 0) throw new ValidationError(fields.errors);
      const before = (await repo.findView(tx, row.id))!.fields;
      await writeFieldValues(tx, row.id, fields.set, fields.clear);
      const after = (await repo.findView(tx, row.id))!.fields;
      const value = (list: typeof before, key: string) => list.find((f) => f.key === key)?.value ?? null;
      const changed = defs.filter((d) => value(before, d.key) !== value(after, d.key));
      // Hidden fields change in a staff-only event, so the requester's trail does not show them.
      for (const visible of [true, false]) {
        const keys = changed.filter((d) => d.visibleToRequester === visible);
        if (keys.length === 0) continue;
        plan.events.push({
          type: 'ticket.fields_changed',
          data: Object.fromEntries(
            keys.map((d) => [d.key, { from: value(before, d.key), to: value(after, d.key) }]),
          ),
          internal: !visible,
        });
      }
    }
    if (input.ccs !== undefined) {
      if (!accounts) throw new Error('update: CCs need the accounts port');
      const wanted = await resolveCcs(tx, ctx, row, input.ccs, accounts);
      const diff = await repo.setCcs(tx, row.id, row.ccIds, wanted);
      if (diff.added.length > 0 || diff.removed.length > 0) {
        plan.events.push({
          type: 'ticket.ccs_changed',
          data: { added: diff.added.map(String), removed: diff.removed.map(String) },
        });
      }
    }
    return commitChange(tx, ctx, row, {
      ...plan,
      // A change of staff-only fields alone leaves the requester's view as it was.
      requesterVisible: plan.events.some((e) => !e.internal),
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
    // Whether the caller moves tickets at all (an API key needs tickets:write); which moves, below.
    authorize(abilityOf(ctx), 'transition', 'Ticket');
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
