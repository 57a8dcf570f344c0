import { char, index, mysqlEnum, mysqlTable, text, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, jsonValue, ref } from './columns.js';
import { tickets } from './tickets.js';

export const INBOUND_OUTCOMES = [
  'created_ticket',
  'replied',
  'follow_up',
  'duplicate',
  'auto_reply',
  'rejected',
] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

/**
 * Every inbound email and what became of it (README, "Email in both directions"). `dedupe_key` is the
 * SHA-256 of the Message-ID, set only on mail that changed a ticket: its unique index is what makes a
 * second delivery of the same mail a `duplicate`, even when both arrive at once (the second insert waits
 * on the first's lock and then fails with 1062). Duplicate, dropped and rejected rows leave it NULL
 * (a unique index allows many NULLs), so a mail rejected for a passing reason is judged again.
 */
export const inboundEmails = mysqlTable(
  'inbound_emails',
  {
    id: id(),
    messageId: varchar('message_id', { length: 255 }).notNull(),
    dedupeKey: char('dedupe_key', { length: 64 }),
    fromAddress: varchar('from_address', { length: 320 }).notNull(),
    toAddress: varchar('to_address', { length: 320 }).notNull(),
    subject: varchar('subject', { length: 255 }).notNull(),
    outcome: mysqlEnum('outcome', INBOUND_OUTCOMES).notNull(),
    ticketId: ref('ticket_id').references(() => tickets.id, { onDelete: 'set null' }),
    /** Why (for a drop or a rejection), or what (the ticket a follow-up continues). */
    detail: text('detail'),
    /** Names of the attachments (stored as message attachments once that storage exists). */
    attachments: jsonValue<string[]>('attachments'),
    /** Which door it came through: smtp, http, worker. */
    source: varchar('source', { length: 16 }).notNull(),
    receivedAt: createdAt(),
  },
  (t) => [
    uniqueIndex('inbound_emails_dedupe_uq').on(t.dedupeKey),
    index('inbound_emails_ticket_idx').on(t.ticketId),
  ],
);
