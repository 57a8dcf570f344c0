import { sql } from 'drizzle-orm';
import { boolean, index, int, mysqlEnum, mysqlTable, smallint, text, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, jsonValue, ref, timestamp } from './columns.js';
import { users } from './users.js';

/**
 * A subscription: ticket events of the listed types are POSTed, signed (Standard Webhooks), to `url`.
 * The signing secret is stored encrypted (AES-GCM, key derived from WEBHOOK_SECRET_KEY or JWT_SECRET):
 * the dispatcher needs it back to sign, so it cannot be a hash, and a database dump alone does not give it.
 */
export const webhooks = mysqlTable(
  'webhooks',
  {
    id: id(),
    url: varchar('url', { length: 2000 }).notNull(),
    /** Event types, or `["*"]` for all of them. */
    events: jsonValue<string[]>('events').notNull(),
    description: varchar('description', { length: 500 }),
    active: boolean('active').notNull().default(true),
    /** `v1.<iv>.<ciphertext>` (base64url), see src/modules/webhooks/secrets.ts. */
    secretEncrypted: varchar('secret_encrypted', { length: 255 }).notNull(),
    createdBy: ref('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** Deliveries that ended `failed` since the last success; at WEBHOOK_DISABLE_AFTER the webhook is disabled. */
    consecutiveFailures: int('consecutive_failures', { unsigned: true }).notNull().default(0),
    /** When the first of those failures began (null while healthy). */
    failingSince: timestamp('failing_since'),
    disabledAt: timestamp('disabled_at'),
    disabledReason: varchar('disabled_reason', { length: 200 }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index('webhooks_active_idx').on(t.active, t.id)],
);

export const WEBHOOK_DELIVERY_STATUSES = ['queued', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * The webhook outbox and delivery log: one row per (webhook, event), inserted in the change's
 * transaction. `id` is the `webhook-id` header, stable across retries. A claimed row has
 * `next_attempt_at` pushed forward by the lease, as in the email outbox.
 */
export const webhookDeliveries = mysqlTable(
  'webhook_deliveries',
  {
    id: id(),
    webhookId: ref('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    /** The ticket event delivered (null for `webhook.test`). History: no foreign key. */
    eventId: ref('event_id'),
    type: varchar('type', { length: 64 }).notNull(),
    /** The body sent: `{type, timestamp, data}`. */
    payload: jsonValue<Record<string, unknown>>('payload').notNull(),
    status: mysqlEnum('status', WEBHOOK_DELIVERY_STATUSES).notNull().default('queued'),
    attempts: int('attempts', { unsigned: true }).notNull().default(0),
    responseStatus: smallint('response_status', { unsigned: true }),
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
    /** Random token of the dispatcher run holding the row; guards the final UPDATE. */
    claimToken: varchar('claim_token', { length: 64 }),
    /** When retrying began (creation, or a manual retry): the 24 h of retries count from here. */
    queuedAt: timestamp('queued_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
    deliveredAt: timestamp('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    // The dispatcher: each webhook's oldest queued delivery (loose index scan), then due ones.
    index('webhook_deliveries_queue_idx').on(t.status, t.webhookId, t.id),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    // GET /webhooks/:id/deliveries, newest first.
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id),
  ],
);
