import { bigint, int, mysqlTable } from 'drizzle-orm/mysql-core';

/**
 * The change feed's sequencer state: one row (`id = 1`) holding the last `ticket_events.seq` handed out.
 * Its row lock is the feed's "one writer at a time": whoever numbers events holds it until commit.
 * The row is created on first use (src/modules/feed/repo.ts), so an empty table is valid.
 */
export const feedSequence = mysqlTable('feed_sequence', {
  id: int('id', { unsigned: true }).primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number', unsigned: true }).notNull().default(0),
});
