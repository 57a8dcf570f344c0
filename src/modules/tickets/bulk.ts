import { abilityOf, requireScope } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import { ForbiddenError, ValidationError } from '../../errors.js';
import * as repo from './repo.js';
import type { BulkChanges, BulkInput, Ticket, UpdateTicketInput } from './schemas.js';
import { transition, update } from './service.js';
import { lockForWrite } from './visibility.js';

/** The outcome of one ticket of a bulk update: the ticket as changed, or why it was not. */
export type BulkOutcome = { id: number; ticket: Ticket } | { id: number; error: unknown };

/** Most tags one ticket holds (what PATCH allows). */
const MAX_TAGS = 20;

/**
 * POST /tickets/bulk: applies the same changes to each ticket, each in its own transaction through the
 * ticket's own verbs (`update`, then `transition` when the status differs), so every ticket gets the
 * events, version bumps and emails a PATCH and a transition would give it. One ticket failing (not
 * found, an impossible move, a stale lock) is its own outcome and never undoes or stops the others.
 * Staff only: the whole request is 403 for anyone else.
 */
export async function bulkUpdate(ctx: ServiceContext, input: BulkInput): Promise<BulkOutcome[]> {
  const ability = abilityOf(ctx);
  requireScope(ability, 'triage', 'Ticket');
  if (!ability.can('triage', 'Ticket')) {
    throw new ForbiddenError('forbidden', 'Only staff update tickets in bulk.');
  }
  const outcomes: BulkOutcome[] = [];
  for (const id of input.ids) {
    try {
      outcomes.push({ id, ticket: await applyOne(ctx, id, input.changes) });
    } catch (error) {
      outcomes.push({ id, error });
    }
  }
  return outcomes;
}

function applyOne(ctx: ServiceContext, id: number, changes: BulkChanges): Promise<Ticket> {
  return withTransaction(ctx, async (tx, ctx) => {
    const row = await lockForWrite(tx, ctx, id, null);
    const patch: UpdateTicketInput = {};
    if (changes.priority !== undefined) patch.priority = changes.priority;
    if (changes.assigneeId !== undefined) patch.assigneeId = changes.assigneeId;
    if (changes.groupId !== undefined) patch.groupId = changes.groupId;
    if (changes.addTags || changes.removeTags) {
      const removed = new Set(changes.removeTags ?? []);
      const current = await repo.findTags(tx, id);
      const tags = [...new Set([...current, ...(changes.addTags ?? [])])].filter((t) => !removed.has(t));
      if (tags.length > MAX_TAGS) {
        throw new ValidationError([
          { path: 'changes.addTags', message: `a ticket holds at most ${MAX_TAGS} tags` },
        ]);
      }
      patch.tags = tags.sort();
    }
    let ticket = await update(ctx, id, patch, null);
    if (changes.status !== undefined && changes.status !== row.status) {
      ticket = await transition(ctx, id, { to: changes.status }, null);
    }
    return ticket;
  });
}
