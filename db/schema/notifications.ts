import { sql } from 'drizzle-orm';
import { index, int, mysqlEnum, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, jsonValue, ref, timestamp } from './columns.js';
import { tickets } from './tickets.js';
import { users } from './users.js';

export const NOTIFICATION_STATUSES = ['queued', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * The email outbox. Rows are inserted in the same transaction as the change that causes them and
 * delivered afterwards by the dispatcher. A claimed row has `next_attempt_at` pushed forward by the
 * claim lease, so a crashed dispatcher's rows become due again by themselves.
 */
export const notifications = mysqlTable(
  'notifications',
  {
    id: id(),
    event: varchar('event', { length: 64 }).notNull(),
    template: varchar('template', { length: 64 }).notNull(),
    recipient: varchar('recipient', { length: 320 }).notNull(),
    recipientUserId: ref('recipient_user_id').references(() => users.id, { onDelete: 'set null' }),
    ticketId: ref('ticket_id').references(() => tickets.id, { onDelete: 'cascade' }),
    /** Template variables. Secrets (reset tokens) live here only until the row is sent; see dispatcher. */
    payload: jsonValue<Record<string, unknown>>('payload').notNull(),
    /** RFC 5322 Message-ID, fixed at enqueue time so a resend is recognisably the same email. */
    messageId: varchar('message_id', { length: 255 }).notNull(),
    status: mysqlEnum('status', NOTIFICATION_STATUSES).notNull().default('queued'),
    attempts: int('attempts', { unsigned: true }).notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
    /** Random token of the dispatcher run that holds the row; guards the final UPDATE. */
    claimToken: varchar('claim_token', { length: 64 }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at'),
  },
  (t) => [
    index('notifications_due_idx').on(t.status, t.nextAttemptAt),
    index('notifications_ticket_idx').on(t.ticketId, t.id),
  ],
);
