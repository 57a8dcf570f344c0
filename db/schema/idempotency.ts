import { char, index, mediumtext, mysqlTable, primaryKey, smallint, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, jsonValue, timestamp } from './columns.js';

/**
 * One row per `Idempotency-Key` a caller sent with a POST (README, "Idempotency"). `principal` scopes the
 * key (`user:<id>`); `fingerprint` is the SHA-256 of method, path and body. A `running` row marks a request
 * in flight; a `done` row holds the response to replay. Rows expire after 24 h (a `running` one sooner).
 */
export const idempotencyKeys = mysqlTable(
  'idempotency_keys',
  {
    principal: varchar('principal', { length: 64 }).notNull(),
    /** SHA-256 (hex) of the key itself, so the primary key stays short whatever the key's length. */
    keyHash: char('key_hash', { length: 64 }).notNull(),
    fingerprint: char('fingerprint', { length: 64 }).notNull(),
    state: varchar('state', { length: 8, enum: ['running', 'done'] }).notNull(),
    status: smallint('status', { unsigned: true }),
    headers: jsonValue<Record<string, string>>('headers'),
    body: mediumtext('body'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.principal, t.keyHash], name: 'idempotency_keys_pk' }),
    index('idempotency_keys_expires_idx').on(t.expiresAt),
  ],
);
