import { sql } from 'drizzle-orm';
import { boolean, index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, jsonValue, timestamp } from './columns.js';
import type { TicketPriority } from './tickets.js';

/** Weekly hours as the API takes them: `{mon: [["09:00","17:00"]], …}`. */
export type WeekHours = Partial<
  Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', [string, string][]>
>;

/** The one business-hours calendar SLAs count in (row id 1; absent until an admin PUTs one). */
export const businessCalendars = mysqlTable('business_calendars', {
  id: int('id', { unsigned: true }).primaryKey(),
  timezone: varchar('timezone', { length: 64 }).notNull(),
  week: jsonValue<WeekHours>('week').notNull(),
  holidays: jsonValue<string[]>('holidays').notNull(),
  updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
});

/** Which tickets a policy applies to; an absent or empty list matches anything. */
export interface SlaMatch {
  priorities?: TicketPriority[];
  groupIds?: string[];
  tags?: string[];
}

/** SLA policies: the first whose `match` fits a ticket, by (`position`, `id`), sets its targets. */
export const slaPolicies = mysqlTable(
  'sla_policies',
  {
    id: id(),
    name: varchar('name', { length: 100 }).notNull(),
    position: int('position', { unsigned: true }).notNull(),
    match: jsonValue<SlaMatch>('match').notNull(),
    firstResponseMinutes: int('first_response_minutes', { unsigned: true }),
    nextResponseMinutes: int('next_response_minutes', { unsigned: true }),
    resolutionMinutes: int('resolution_minutes', { unsigned: true }),
    /** Count the targets in the business-hours calendar's minutes (else calendar minutes). */
    businessHours: boolean('business_hours').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index('sla_policies_position_idx').on(t.position, t.id)],
);
