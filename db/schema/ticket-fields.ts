import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  double,
  index,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  varchar,
} from 'drizzle-orm/mysql-core';
import { createdAt, exactVarchar, id, jsonValue, ref, timestamp } from './columns.js';
import { tickets } from './tickets.js';

export const FIELD_TYPES = ['text', 'number', 'date', 'checkbox', 'dropdown'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Custom ticket fields an admin defines: a key, a type and who sees it. */
export const ticketFields = mysqlTable('ticket_fields', {
  id: id(),
  key: exactVarchar('field_key', 50).notNull().unique('ticket_fields_key_unique'),
  label: varchar('label', { length: 100 }).notNull(),
  type: mysqlEnum('type', FIELD_TYPES).notNull(),
  /** The allowed values of a dropdown; null for every other type. */
  options: jsonValue<string[]>('options'),
  required: boolean('required').notNull().default(false),
  visibleToRequester: boolean('visible_to_requester').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
});

/**
 * One value of one custom field on one ticket, in the column of its type, so `field.<key>=<value>` is an
 * index range (field, value, ticket) on both engines instead of a scan of JSON. Dropdowns use `text`.
 */
export const ticketFieldValues = mysqlTable(
  'ticket_field_values',
  {
    ticketId: ref('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    fieldId: ref('field_id')
      .notNull()
      .references(() => ticketFields.id, { onDelete: 'cascade' }),
    textValue: exactVarchar('text_value', 255),
    numberValue: double('number_value'),
    dateValue: date('date_value', { mode: 'string' }),
    boolValue: boolean('bool_value'),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.fieldId], name: 'ticket_field_values_pk' }),
    index('ticket_field_values_text_idx').on(t.fieldId, t.textValue, t.ticketId),
    index('ticket_field_values_number_idx').on(t.fieldId, t.numberValue, t.ticketId),
    index('ticket_field_values_date_idx').on(t.fieldId, t.dateValue, t.ticketId),
    index('ticket_field_values_bool_idx').on(t.fieldId, t.boolValue, t.ticketId),
  ],
);
