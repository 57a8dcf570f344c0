import { char, index, int, mysqlTable, primaryKey } from 'drizzle-orm/mysql-core';
import { timestamp } from './columns.js';

/**
 * Fixed-window request counters for the public auth routes, shared by every instance (Node or Workers).
 * `bucket` is a SHA-256 of the limit's name and subject (an address or an email), so no email is stored.
 */
export const rateLimits = mysqlTable(
  'rate_limits',
  {
    bucket: char('bucket', { length: 64 }).notNull(),
    windowStart: timestamp('window_start').notNull(),
    hits: int('hits', { unsigned: true }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.bucket, t.windowStart], name: 'rate_limits_pk' }),
    index('rate_limits_window_idx').on(t.windowStart),
  ],
);
