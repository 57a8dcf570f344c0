import type { TicketStatus } from '../../../db/schema/index.js';
import { statusTimestamps } from './lifecycle.js';
import type { NewEvent, TicketChanges, TicketRow } from './repo.js';

/**
 * The row changes and the audit event of one status move, whoever makes it (a caller, a reply, the
 * auto-close sweep). The caller writes both in one transaction and queues the emails.
 */
export function statusChange(
  row: Pick<TicketRow, 'id' | 'status'>,
  to: TicketStatus,
  now: Date,
  reason?: string,
): {
  changes: TicketChanges;
  event: Omit<NewEvent, 'actorId'> & { data: { from: TicketStatus; to: TicketStatus; reason?: string } };
} {
  const data = reason ? { from: row.status, to, reason } : { from: row.status, to };
  return {
    changes: { status: to, ...statusTimestamps(to, now) },
    event: { ticketId: row.id, type: 'ticket.status_changed', data },
  };
}
