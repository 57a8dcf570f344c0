import { inArray } from 'drizzle-orm';
import { users } from '../../../db/schema/index.js';
import { abilityOf, isStaffRole, requireScope } from '../../access/index.js';
import { actorUserId, requireActor, type ServiceContext, withTransaction } from '../../context.js';
import type { Queryable } from '../../database.js';
import { ForbiddenError, NotFoundError, PreconditionFailedError, UnprocessableError } from '../../errors.js';
import { type IfMatch, matches } from '../../http/etag.js';
import { commitChange } from './commit.js';
import * as notify from './notify.js';
import * as repo from './repo.js';
import { MAX_CCS, type MergeInput, type Ticket } from './schemas.js';
import { toTicket } from './service.js';
import { type LockedTicket, lockForWrite, ticketSubject, visibleVersion } from './visibility.js';

/** How far `resolveMergeTarget` follows a chain of merges (merging closes, so chains are short). */
const MAX_HOPS = 10;

/**
 * The ticket a write addressed to `ticketId` lands on: `ticketId` itself, or, when it was merged, the
 * ticket it was merged into (following merges of merges). Replies by API and by email use it, so a
 * customer answering an old thread reaches the open one. Reads without locking; the caller locks the
 * result with `lockForWrite`.
 */
export async function resolveMergeTarget(tx: Queryable, ticketId: number): Promise<number> {
  let id = ticketId;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    // A locking read: this runs first in a ticket write, and under REPEATABLE READ a plain read would fix
    // the transaction's snapshot before it queues on the row lock, so everything read after the lock
    // (the next public event number above all) would miss the writer it waited for.
    const row = await repo.findRow(tx, id, true);
    if (!row || row.mergedIntoId === null) return id;
    id = row.mergedIntoId;
  }
  return id;
}

const refuse = (
  code: 'merge_into_self' | 'merge_target_closed' | 'merge_cycle' | 'already_merged',
  message: string,
  ids: number[],
) => new UnprocessableError(code, message, { ticketIds: ids.map(String) });

/**
 * Starts a write addressed to ticket `id` that follows merges (a reply): when `id` was merged, the caller
 * must still be able to read it (404) and their `If-Match` is compared with it (412), and the ticket it
 * was merged into is locked instead; otherwise `lockForWrite(id)`.
 */
export async function lockWriteTarget(
  tx: Queryable,
  ctx: ServiceContext,
  id: number,
  ifMatch: IfMatch,
): Promise<LockedTicket> {
  const targetId = await resolveMergeTarget(tx, id);
  if (targetId === id) return lockForWrite(tx, ctx, id, ifMatch);
  const source = await repo.findRow(tx, id);
  const ability = abilityOf(ctx);
  if (!source || !ability.can('read', ticketSubject(source, await repo.findCcIds(tx, id)))) {
    throw new NotFoundError('ticket', id);
  }
  if (!matches(ifMatch, visibleVersion(ability, source))) throw new PreconditionFailedError();
  return lockForWrite(tx, ctx, targetId, null);
}

/**
 * POST /tickets/:id/merge: closes each source into the target, in one transaction. Every row is locked in
 * id order (two merges over overlapping tickets queue instead of deadlocking), each source through the
 * commit path (closed, `mergedInto`, `ticket.merged_into` event, an email to its requester), then the
 * target (an internal note listing the sources and a `ticket.merged` event). Each source's requester
 * is copied on the target (unless they are its requester or staff), so they can follow the issue there
 * and their later replies to the source, which land on the target, are theirs to read.
 */
export async function merge(ctx: ServiceContext, targetId: number, input: MergeInput): Promise<Ticket> {
  requireScope(abilityOf(ctx), 'merge', 'Ticket');
  const actor = requireActor(ctx);
  const actorId = actorUserId(actor);
  const sourceIds = input.sourceIds;
  const view = await withTransaction(ctx, async (tx, ctx) => {
    const locked = new Map<number, LockedTicket>();
    for (const id of [...new Set([targetId, ...sourceIds])].sort((a, b) => a - b)) {
      locked.set(id, await lockForWrite(tx, ctx, id, null));
    }
    // After the locks: whoever cannot see a ticket learns nothing but 404.
    if (sourceIds.includes(targetId)) {
      throw refuse('merge_into_self', 'A ticket cannot be merged into itself.', [targetId]);
    }
    const target = locked.get(targetId)!;
    const sources = sourceIds.map((id) => locked.get(id)!);
    const ability = abilityOf(ctx);
    for (const row of locked.values()) {
      if (!ability.can('merge', ticketSubject(row, row.ccIds))) {
        throw new ForbiddenError('forbidden', 'Only staff merge tickets.');
      }
    }
    if (target.mergedIntoId !== null && (await chainReaches(tx, target.mergedIntoId, sourceIds))) {
      throw refuse('merge_cycle', `Ticket ${targetId} was merged into one of the sources.`, [targetId]);
    }
    if (target.status === 'closed') {
      throw refuse('merge_target_closed', `Ticket ${targetId} is closed; merge into an open ticket.`, [
        targetId,
      ]);
    }
    const merged = sources.filter((s) => s.mergedIntoId !== null);
    if (merged.length > 0) {
      throw refuse(
        'already_merged',
        'Some sources were already merged into another ticket.',
        merged.map((s) => s.id),
      );
    }
    const now = ctx.clock.now();
    for (const source of sources) {
      const closing = source.status !== 'closed';
      await commitChange(tx, ctx, source, {
        changes: { mergedIntoId: target.id, ...(closing ? { status: 'closed', closedAt: now } : {}) },
        events: [
          { type: 'ticket.merged_into', data: { target: String(target.id) } },
          ...(closing
            ? [{ type: 'ticket.status_changed' as const, data: { from: source.status, to: 'closed' } }]
            : []),
        ],
        notify: (v, people) => notify.merged(ctx, v, people, target, actorId),
      });
    }
    await copySourceRequesters(tx, target, sources);
    const body = `Merged into this ticket: ${sources.map((s) => `#${s.id}`).join(', ')}.`;
    const messageId = await repo.insertMessage(tx, {
      ticketId: target.id,
      author: actor,
      body,
      internal: true,
      now,
    });
    return commitChange(tx, ctx, target, {
      changes: {},
      events: [
        { type: 'ticket.merged', data: { sources: sourceIds.map(String) }, internal: true },
        { type: 'message.created', data: { messageId: String(messageId), internal: true }, internal: true },
      ],
      requesterVisible: false,
      notify: (v, people) => notify.messageCreated(ctx, v, people, { body, internal: true }, actorId),
    });
  });
  return toTicket(ctx, view);
}

/** Whether following merges from `from` reaches one of `ids`. */
async function chainReaches(tx: Queryable, from: number, ids: number[]): Promise<boolean> {
  let id: number | null = from;
  for (let hop = 0; id !== null && hop < MAX_HOPS; hop++) {
    if (ids.includes(id)) return true;
    id = (await repo.findRow(tx, id))?.mergedIntoId ?? null;
  }
  return false;
}

/** Copies the sources' requesters (and CCs) on the target, within the CC cap; never staff or its requester. */
async function copySourceRequesters(tx: Queryable, target: LockedTicket, sources: LockedTicket[]) {
  const candidates = [...new Set(sources.flatMap((s) => [s.requesterId, ...s.ccIds]))].filter(
    (id) => id !== target.requesterId && !target.ccIds.includes(id),
  );
  if (candidates.length === 0) return;
  const roles = await tx
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(inArray(users.id, candidates));
  const customers = roles.filter((r) => !isStaffRole(r.role)).map((r) => r.id);
  const room = Math.max(0, MAX_CCS - target.ccIds.length);
  await repo.setCcs(tx, target.id, target.ccIds, [...target.ccIds, ...customers.slice(0, room)]);
}
