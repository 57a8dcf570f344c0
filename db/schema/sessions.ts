import { char, index, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, ref, timestamp } from './columns.js';
import { users } from './users.js';

/** A login session (a refresh-token family). Revoking it kills every refresh token it issued. */
export const sessions = mysqlTable(
  'sessions',
  {
    id: id(),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: varchar('user_agent', { length: 512 }),
    ip: varchar('ip', { length: 64 }),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    revokedAt: timestamp('revoked_at'),
  },
  (t) => [index('sessions_user_revoked_idx').on(t.userId, t.revokedAt)],
);

/** Refresh tokens are stored only as SHA-256 hashes. `rotatedAt` set means it was used once already. */
export const refreshTokens = mysqlTable(
  'refresh_tokens',
  {
    id: id(),
    sessionId: ref('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: char('token_hash', { length: 64 }).notNull().unique('refresh_tokens_hash_unique'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    rotatedAt: timestamp('rotated_at'),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);

/** Single-use password-reset tokens (hash only), valid 30 minutes. */
export const passwordResetTokens = mysqlTable(
  'password_reset_tokens',
  {
    id: id(),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: char('token_hash', { length: 64 }).notNull().unique('password_reset_tokens_hash_unique'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('password_reset_tokens_user_idx').on(t.userId)],
);
