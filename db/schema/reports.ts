import { date, int, mysqlTable, primaryKey, tinyint } from 'drizzle-orm/mysql-core';
import { ref } from './columns.js';

/**
 * Daily rollup of ticket activity for the reports, written in the change's own transaction by the ticket
 * commit path (src/modules/reports/rollup.ts). Keyed by the UTC day, the ticket's group and assignee at the
 * time of the change (0 for none) and a `slot` (ticket id mod 8) that shards a hot day's row so concurrent
 * writers do not queue on one row lock. `delta_*` are the changes in the number of unsolved tickets per
 * status: the backlog at the end of a day is the sum of the deltas up to it.
 */
export const reportDaily = mysqlTable(
  'report_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    groupId: ref('group_id').notNull().default(0),
    assigneeId: ref('assignee_id').notNull().default(0),
    slot: tinyint('slot', { unsigned: true }).notNull().default(0),
    created: int('created').notNull().default(0),
    solved: int('solved').notNull().default(0),
    reopened: int('reopened').notNull().default(0),
    deltaNew: int('delta_new').notNull().default(0),
    deltaOpen: int('delta_open').notNull().default(0),
    deltaPending: int('delta_pending').notNull().default(0),
    deltaOnHold: int('delta_on_hold').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.groupId, t.assigneeId, t.slot], name: 'report_daily_pk' })],
);
