import { notifications } from '../../../db/schema/index.js';
import type { Queryable } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { TemplateName } from './templates.js';

/** One email to queue. `payload` holds the template variables (JSON-serialisable). */
export interface NewNotification {
  event: string;
  template: TemplateName;
  to: { email: string; userId?: number | null };
  ticketId?: number | null;
  payload: Record<string, unknown>;
}

/** The domain part used in Message-IDs, taken from MAIL_FROM (`Helpdesk <help@example.com>` → example.com). */
export function mailDomain(mailFrom: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom);
  return m?.[1] ?? 'helpdesk.localhost';
}

/** The virtual root every email about a ticket replies to, so mail clients thread them together. */
export function ticketThreadId(ticketId: number, domain: string): string {
  return `<ticket-${ticketId}@${domain}>`;
}

/** The header every email we send carries, naming the instance (its mail domain): see `ownMailHeaders`. */
export const ORIGIN_HEADER = 'x-helpdesk-origin';

/**
 * Headers that mark our mail as machine-made: `Auto-Submitted: auto-generated` (RFC 3834) tells
 * autoresponders not to answer it, and `X-Helpdesk-Origin` lets any helpdesk's inbound pipeline drop it
 * if it comes back (an out-of-office that ignores RFC 3834 and quotes our headers, another instance).
 */
export function ownMailHeaders(domain: string, event: string): Record<string, string> {
  return { 'Auto-Submitted': 'auto-generated', 'X-Helpdesk-Origin': domain, 'X-Helpdesk-Event': event };
}

/** `bytes` random bytes as lower-case hex (Message-IDs, claim tokens). */
export function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/**
 * Records emails in the outbox. Call it with the transaction that makes the change the emails are
 * about: if that transaction rolls back, the emails were never queued.
 */
export async function enqueue(
  tx: Queryable,
  clock: Clock,
  domain: string,
  items: NewNotification[],
): Promise<void> {
  if (items.length === 0) return;
  const now = clock.now();
  await tx.insert(notifications).values(
    items.map((n) => ({
      event: n.event,
      template: n.template,
      recipient: n.to.email,
      recipientUserId: n.to.userId ?? null,
      ticketId: n.ticketId ?? null,
      payload: n.payload,
      messageId: `<${n.event}.${randomHex(12)}@${domain}>`,
      status: 'queued' as const,
      nextAttemptAt: now,
      createdAt: now,
    })),
  );
}
