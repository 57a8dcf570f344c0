import { index, mysqlTable, primaryKey } from 'drizzle-orm/mysql-core';
import { createdAt, ref } from './columns.js';
import { tickets } from './tickets.js';
import { users } from './users.js';

/**
 * People copied on a ticket (CCs): customers who receive its public emails, read it and its public
 * messages, and may reply, but cannot change it. A relation, not a role: the CASL rules and their SQL
 * twins (src/access/) ask this table.
 */
export const ticketCcs = mysqlTable(
  'ticket_ccs',
  {
    ticketId: ref('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.userId], name: 'ticket_ccs_pk' }),
    // "Tickets this person is copied on": the read scope's EXISTS and a CC's own list.
    index('ticket_ccs_user_idx').on(t.userId, t.ticketId),
  ],
);

/** Staff following a ticket: they receive every email about it, internal notes included. */
export const ticketFollowers = mysqlTable(
  'ticket_followers',
  {
    ticketId: ref('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.userId], name: 'ticket_followers_pk' }),
    index('ticket_followers_user_idx').on(t.userId, t.ticketId),
  ],
);
