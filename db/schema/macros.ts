import { sql } from 'drizzle-orm';
import { mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, jsonValue, timestamp } from './columns.js';

/** What a macro does, as stored (validated by the macros module's schema on the way in). */
export interface MacroActions {
  reply?: { body: string; internal: boolean };
  status?: string;
  priority?: string;
  assigneeId?: string | null;
  addTags?: string[];
  removeTags?: string[];
}

/** Canned responses and changes staff apply to a ticket in one step (admins write them). */
export const macros = mysqlTable('macros', {
  id: id(),
  name: varchar('name', { length: 100 }).notNull(),
  actions: jsonValue<MacroActions>('actions').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
});
