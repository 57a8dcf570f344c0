import { char, index, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, jsonValue, ref, timestamp } from './columns.js';
import { users } from './users.js';

/**
 * What a key may be granted. What each one allows is one table in src/access/api-key-scopes.ts.
 */
export const API_KEY_SCOPES = [
  'tickets:read',
  'tickets:write',
  'users:read',
  'users:write',
  'events:read',
  'webhooks:manage',
  'inbound:write',
  'reports:read',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * API keys: the principals integrations act as. The key itself (`hd_…`) is shown once, at creation, and
 * stored only as its SHA-256 (a key is 256 random bits, so a fast hash is enough: nothing to brute-force).
 * Keys are never deleted, only revoked, so audit events and messages keep naming them.
 */
export const apiKeys = mysqlTable(
  'api_keys',
  {
    id: id(),
    name: varchar('name', { length: 100 }).notNull(),
    /** The key's first characters (`hd_` and 8 more), to tell keys apart in a list; never enough to use. */
    prefix: varchar('prefix', { length: 16 }).notNull(),
    /** SHA-256 of the whole key, hex: the lookup on every request. */
    keyHash: char('key_hash', { length: 64 }).notNull().unique('api_keys_key_hash_unique'),
    /** The scopes granted (`tickets:read`, …), validated against API_KEY_SCOPES when the key is made. */
    scopes: jsonValue<ApiKeyScope[]>('scopes').notNull(),
    createdBy: ref('created_by').references(() => users.id),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at'),
    revokedAt: timestamp('revoked_at'),
    /** Kept without a write per request: touched at most once a minute per key (see modules/api-keys). */
    lastUsedAt: timestamp('last_used_at'),
  },
  (t) => [index('api_keys_created_by_idx').on(t.createdBy)],
);
