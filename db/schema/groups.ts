import { sql } from 'drizzle-orm';
import { index, mysqlEnum, mysqlTable, primaryKey, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, ref, timestamp } from './columns.js';
import { users } from './users.js';

export const GROUP_ASSIGNMENTS = ['manual', 'round_robin'] as const;
export type GroupAssignment = (typeof GROUP_ASSIGNMENTS)[number];

/** A team of staff that tickets can belong to (`tickets.group_id`). */
export const groups = mysqlTable('support_groups', {
  id: id(),
  /** Unique under the default (case-insensitive) collation: "Billing" and "billing" are one group. */
  name: varchar('name', { length: 100 }).notNull().unique('support_groups_name_unique'),
  description: varchar('description', { length: 1000 }),
  assignment: mysqlEnum('assignment', GROUP_ASSIGNMENTS).notNull().default('manual'),
  /**
   * Round robin's place: the member who got the last ticket. The next ticket goes to the first active
   * member with a larger id (wrapping round), chosen under a row lock on this group, so concurrent
   * tickets are dealt out evenly.
   */
  lastAssignedUserId: ref('last_assigned_user_id'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
});

export const groupMembers = mysqlTable(
  'group_members',
  {
    groupId: ref('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.userId], name: 'group_members_pk' }),
    index('group_members_user_idx').on(t.userId),
  ],
);
