import type { EventType, NewEvent, TicketChanges, TicketRow } from './repo.js';
import type { UpdateTicketInput } from './schemas.js';

/** What a PATCH changes: the row's new values, one audit event per field that changed, and the tag diff. */
export interface UpdatePlan {
  changes: TicketChanges;
  events: Omit<NewEvent, 'ticketId'>[];
  tags: { added: string[]; removed: string[] };
}

/**
 * Plans a PATCH of subject, priority, tags and assignee against the ticket as it is (pure: permissions,
 * the assignee's eligibility and the writes are the caller's). A field set to its current value is no
 * change and has no event; `currentTags` matters only when `input.tags` is given.
 */
export function planUpdate(
  row: Pick<TicketRow, 'subject' | 'priority' | 'assigneeId'>,
  input: UpdateTicketInput,
  currentTags: readonly string[],
): UpdatePlan {
  const changes: TicketChanges = {};
  const events: UpdatePlan['events'] = [];
  const event = (type: EventType, data: Record<string, unknown>) => events.push({ type, data });

  if (input.subject !== undefined && input.subject !== row.subject) {
    changes.subject = input.subject;
    event('ticket.subject_changed', { from: row.subject, to: input.subject });
  }
  if (input.priority !== undefined && input.priority !== row.priority) {
    changes.priority = input.priority;
    event('ticket.priority_changed', { from: row.priority, to: input.priority });
  }
  if (input.assigneeId !== undefined) {
    const assigneeId = input.assigneeId === null ? null : Number(input.assigneeId);
    if (assigneeId !== row.assigneeId) {
      changes.assigneeId = assigneeId;
      event('ticket.assigned', {
        from: row.assigneeId === null ? null : String(row.assigneeId),
        to: assigneeId === null ? null : String(assigneeId),
      });
    }
  }
  const tags = { added: [] as string[], removed: [] as string[] };
  if (input.tags !== undefined) {
    const wanted = input.tags;
    tags.added = wanted.filter((t) => !currentTags.includes(t));
    tags.removed = currentTags.filter((t) => !wanted.includes(t));
    if (tags.added.length > 0 || tags.removed.length > 0) event('ticket.tags_changed', { ...tags });
  }
  return { changes, events, tags };
}
