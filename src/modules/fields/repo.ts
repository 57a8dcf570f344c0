import { and, asc, eq, inArray } from 'drizzle-orm';
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

/** The values of some tickets: ticket id → key → {value, visibleToRequester}. */
export async function valuesOf(
  db: Queryable,
  ticketIds: number[],
): Promise<Map<number, { key: string; value: FieldValue | null; visibleToRequester: boolean }[]>> {
  const out = new Map<number, { key: string; value: FieldValue | null; visibleToRequester: boolean }[]>();
  if (ticketIds.length === 0) return out;
  const rows = await db
    .select({
      ticketId: ticketFieldValues.ticketId,
      key: ticketFields.key,
      type: ticketFields.type,
      visibleToRequester: ticketFields.visibleToRequester,
      textValue: ticketFieldValues.textValue,
      numberValue: ticketFieldValues.numberValue,
      dateValue: ticketFieldValues.dateValue,
      boolValue: ticketFieldValues.boolValue,
    })
    .from(ticketFieldValues)
    .innerJoin(ticketFields, eq(ticketFields.id, ticketFieldValues.fieldId))
    .where(inArray(ticketFieldValues.ticketId, ticketIds))
    .orderBy(asc(ticketFields.id));
  for (const r of rows) {
    const list = out.get(r.ticketId) ?? [];
    list.push({ key: r.key, value: fromStored(r, r), visibleToRequester: r.visibleToRequester });
    out.set(r.ticketId, list);
  }
  return out;
}
