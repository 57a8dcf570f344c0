import { type AnyColumn, and, asc, eq, inArray, sql } from 'drizzle-orm';
import { ticketFields, ticketFieldValues } from '../../../db/schema/index.js';
import { affectedRows, dbErrno, ER, insertId, type Queryable } from '../../database.js';
import { ConflictError } from '../../errors.js';
import type { FieldDef, FieldValue, StoredValue } from './values.js';
import { fromStored } from './values.js';

export type FieldRow = typeof ticketFields.$inferSelect;

export const listFieldRows = (db: Queryable) => db.select().from(ticketFields).orderBy(asc(ticketFields.id));

/** Every definition, as validation needs them (tens of rows: read per write, no cache to invalidate). */
export async function fieldDefs(db: Queryable): Promise<FieldDef[]> {
  return (await listFieldRows(db)).map((r) => ({ ...r, options: r.options ?? null }));
}

export async function findFieldRow(db: Queryable, id: number, lock = false): Promise<FieldRow | null> {
  const q = db.select().from(ticketFields).where(eq(ticketFields.id, id));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

export async function insertField(db: Queryable, values: typeof ticketFields.$inferInsert): Promise<number> {
  try {
    return insertId(await db.insert(ticketFields).values(values));
  } catch (err) {
    if (dbErrno(err) === ER.DUP_ENTRY)
      throw new ConflictError('field_key_taken', 'A field with this key exists.');
    throw err;
  }
}

export async function updateField(
  db: Queryable,
  id: number,
  values: Partial<typeof ticketFields.$inferInsert>,
) {
  await db.update(ticketFields).set(values).where(eq(ticketFields.id, id));
}

export async function deleteField(db: Queryable, id: number): Promise<boolean> {
  return affectedRows(await db.delete(ticketFields).where(eq(ticketFields.id, id))) === 1;
}

/** Sets and clears one ticket's values (upsert by primary key). */
export async function writeValues(db: Queryable, ticketId: number, set: StoredValue[], clear: number[]) {
  if (clear.length > 0) {
    await db
      .delete(ticketFieldValues)
      .where(and(eq(ticketFieldValues.ticketId, ticketId), inArray(ticketFieldValues.fieldId, clear)));
  }
  for (const v of set) {
    const { fieldId, ...columns } = v;
    await db
      .insert(ticketFieldValues)
      .values({ ticketId, ...v })
      .onDuplicateKeyUpdate({ set: columns });
    void fieldId;
  }
}

/** A ticket's custom field value as a view shows it. */
export interface ViewFieldValue {
  key: string;
  value: FieldValue | null;
  visibleToRequester: boolean;
}

/**
 * The custom field values of the ticket whose id column is `ticketId`, as one JSON array column of a
 * ticket view query (a correlated subquery on the `(ticket_id, field_id)` primary key), so reading a view
 * or a page of views costs no extra round trip. Each element is `[fieldId, key, type, visible, text,
 * number, date, bool]`; `parseViewValues` turns it into values. NULL when the ticket has none.
 */
export const viewValuesSql = (ticketId: AnyColumn) =>
  sql<unknown>`(SELECT JSON_ARRAYAGG(JSON_ARRAY(${ticketFields.id}, ${ticketFields.key}, ${ticketFields.type}, ${ticketFields.visibleToRequester}, ${ticketFieldValues.textValue}, ${ticketFieldValues.numberValue}, ${ticketFieldValues.dateValue}, ${ticketFieldValues.boolValue})) FROM ${ticketFieldValues} INNER JOIN ${ticketFields} ON ${ticketFields.id} = ${ticketFieldValues.fieldId} WHERE ${ticketFieldValues.ticketId} = ${ticketId})`;

type ValueTuple = [
  number,
  string,
  FieldDef['type'],
  unknown,
  string | null,
  number | null,
  string | null,
  unknown,
];

/**
 * The values of `viewValuesSql`, in definition order. MariaDB hands JSON over as text, MySQL as a parsed
 * value: both are accepted.
 */
export function parseViewValues(raw: unknown): ViewFieldValue[] {
  const tuples = parseJsonColumn<ValueTuple>(raw);
  tuples.sort((a, b) => a[0] - b[0]);
  return tuples.map(([, key, type, visible, textValue, numberValue, dateValue, bool]) => ({
    key,
    value: fromStored(
      { type },
      {
        textValue,
        numberValue,
        dateValue,
        boolValue: bool === null ? null : Boolean(bool),
      },
    ),
    visibleToRequester: Boolean(visible),
  }));
}

/** A JSON array column as text (MariaDB), a Buffer, or already parsed (MySQL); NULL is an empty array. */
export function parseJsonColumn<T>(raw: unknown): T[] {
  if (raw === null || raw === undefined) return [];
  const text = raw instanceof Uint8Array ? new TextDecoder().decode(raw) : raw;
  const value = typeof text === 'string' ? JSON.parse(text) : text;
  return Array.isArray(value) ? (value as T[]) : [];
}
