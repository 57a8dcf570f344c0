import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { groupMembers, groups, users } from '../../../db/schema/index.js';
import { insertId, type Queryable } from '../../database.js';

export type GroupRow = typeof groups.$inferSelect;
export type Member = { id: number; name: string };

export async function findGroup(db: Queryable, id: number, lock = false): Promise<GroupRow | null> {
  const q = db.select().from(groups).where(eq(groups.id, id));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

export async function listGroups(db: Queryable, afterId: number | null, take: number): Promise<GroupRow[]> {
  return db
    .select()
    .from(groups)
    .where(afterId === null ? undefined : gt(groups.id, afterId))
    .orderBy(asc(groups.id))
    .limit(take);
}

/** The members of each group, by group id, ordered by user id. */
export async function membersOf(db: Queryable, groupIds: number[]): Promise<Map<number, Member[]>> {
  const out = new Map<number, Member[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db
    .select({ groupId: groupMembers.groupId, id: users.id, name: users.name })
    .from(groupMembers)
    .innerJoin(users, eq(users.id, groupMembers.userId))
    .where(inArray(groupMembers.groupId, groupIds))
    .orderBy(asc(users.id));
  for (const r of rows) out.get(r.groupId)?.push({ id: r.id, name: r.name });
  return out;
}

/** The accounts among `ids`, with what decides membership (locked: a demotion waits for us). */
export async function findPeople(db: Queryable, ids: number[]) {
  if (ids.length === 0) return [];
  return db
    .select({ id: users.id, role: users.role, active: users.active })
    .from(users)
    .where(inArray(users.id, ids))
    .for('update');
}

export async function insertGroup(
  db: Queryable,
  row: Pick<GroupRow, 'name' | 'description' | 'assignment'> & { now: Date },
): Promise<number> {
  const result = await db.insert(groups).values({
    name: row.name,
    description: row.description,
    assignment: row.assignment,
    createdAt: row.now,
    updatedAt: row.now,
  });
  return insertId(result);
}

export async function updateGroup(
  db: Queryable,
  id: number,
  set: Partial<Pick<GroupRow, 'name' | 'description' | 'assignment'>> & { updatedAt: Date },
): Promise<void> {
  await db.update(groups).set(set).where(eq(groups.id, id));
}

/** Replaces the member list (by primary key, so no gap locks on other groups). */
export async function setMembers(
  db: Queryable,
  groupId: number,
  before: number[],
  after: number[],
): Promise<void> {
  const removed = before.filter((id) => !after.includes(id));
  const added = after.filter((id) => !before.includes(id));
  if (removed.length > 0) {
    await db
      .delete(groupMembers)
      .where(and(eq(groupMembers.groupId, groupId), inArray(groupMembers.userId, removed)));
  }
  if (added.length > 0) await db.insert(groupMembers).values(added.map((userId) => ({ groupId, userId })));
}

export async function deleteGroup(db: Queryable, id: number): Promise<void> {
  await db.delete(groupMembers).where(eq(groupMembers.groupId, id));
  await db.delete(groups).where(eq(groups.id, id));
}
