import { asc, eq } from 'drizzle-orm';
import { macros } from '../../../db/schema/index.js';
import { affectedRows, insertId, type Queryable } from '../../database.js';
import type { MacroActions } from './schemas.js';

export type MacroRow = typeof macros.$inferSelect;

export async function insertMacro(db: Queryable, name: string, actions: MacroActions, now: Date) {
  return insertId(await db.insert(macros).values({ name, actions, createdAt: now, updatedAt: now }));
}

export async function findMacro(db: Queryable, id: number, lock = false): Promise<MacroRow | null> {
  const q = db.select().from(macros).where(eq(macros.id, id));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

/** Every macro by id (an admin keeps tens of them, not thousands: no pagination). */
export const listMacros = (db: Queryable) => db.select().from(macros).orderBy(asc(macros.id)).limit(1000);

export async function updateMacro(
  db: Queryable,
  id: number,
  changes: { name?: string; actions?: MacroActions },
  now: Date,
) {
  await db
    .update(macros)
    .set({ ...changes, updatedAt: now })
    .where(eq(macros.id, id));
}

export async function deleteMacro(db: Queryable, id: number): Promise<boolean> {
  return affectedRows(await db.delete(macros).where(eq(macros.id, id))) === 1;
}
