import { and, asc, eq, inArray } from 'drizzle-orm';
import { groupMembers, groups, tickets, users } from '../../../db/schema/index.js';
import { STAFF_ROLES } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import type { Queryable } from '../../database.js';
import { ValidationError } from '../../errors.js';
import { commitChange } from './commit.js';
import * as repo from './repo.js';

/**
 * A ticket's group, and round-robin assignment. A ticket put into a `round_robin` group without an
 * assignee gets the group's next active staff member: the group row is locked (`FOR UPDATE`) while its
 * pointer (`last_assigned_user_id`) moves on, so concurrent tickets queue there and are dealt out evenly;
 * members who are disabled or no longer staff are skipped.
 */

/** The next active member after the group's pointer (wrapping round), moving the pointer; null if none. */
export async function nextRoundRobinMember(tx: Queryable, groupId: number): Promise<number | null> {
  const [group] = await tx.select().from(groups).where(eq(groups.id, groupId)).for('update');
  if (group?.assignment !== 'round_robin') return null;
  const members = await tx
    .select({ id: users.id })
    .from(groupMembers)
    .innerJoin(users, eq(users.id, groupMembers.userId))
    .where(
      and(eq(groupMembers.groupId, groupId), eq(users.active, true), inArray(users.role, [...STAFF_ROLES])),
    )
    .orderBy(asc(users.id));
  if (members.length === 0) return null;
  const last = group.lastAssignedUserId ?? 0;
  const next = (members.find((m) => m.id > last) ?? members[0]!).id;
  await tx.update(groups).set({ lastAssignedUserId: next }).where(eq(groups.id, groupId));
  // Locks the member's row as an explicit assignment does: a demotion runs wholly before or after.
  return (await repo.findAssignableStaff(tx, next)) ? next : null;
}

/** 422 unless group `groupId` exists. */
export async function requireGroup(tx: Queryable, groupId: number): Promise<void> {
  const [g] = await tx.select({ id: groups.id }).from(groups).where(eq(groups.id, groupId));
  if (!g) throw new ValidationError([{ path: 'groupId', message: 'no such group' }]);
}

/**
 * The changes and events of putting `row` into group `groupId` (null: out of any group), with the
 * round-robin assignment when the ticket would be left unassigned. 422 for a group that does not exist.
 * For every writer of `groupId` (PATCH, macros, bulk edits): merge the result into the `TicketChange`.
 */
export async function planGroupChange(
  tx: Queryable,
  row: Pick<repo.TicketRow, 'groupId' | 'assigneeId'>,
  groupId: number | null,
  assigneeAfter: number | null = row.assigneeId,
): Promise<{ changes: repo.TicketChanges; events: Omit<repo.NewEvent, 'ticketId'>[]; assigned: boolean }> {
  if (groupId === row.groupId) return { changes: {}, events: [], assigned: false };
  if (groupId !== null) await requireGroup(tx, groupId);
  const changes: repo.TicketChanges = { groupId };
  const events: Omit<repo.NewEvent, 'ticketId'>[] = [
    {
      type: 'ticket.group_changed',
      data: {
        from: row.groupId === null ? null : String(row.groupId),
        to: groupId === null ? null : String(groupId),
      },
    },
  ];
  let assigned = false;
  if (groupId !== null && assigneeAfter === null) {
    const member = await nextRoundRobinMember(tx, groupId);
    if (member !== null) {
      changes.assigneeId = member;
      assigned = true;
      if (member !== row.assigneeId) {
        events.push({
          type: 'ticket.assigned',
          data: { from: row.assigneeId === null ? null : String(row.assigneeId), to: String(member) },
        });
      }
    }
  }
  return { changes, events, assigned };
}

/**
 * Takes every ticket out of group `groupId` (being deleted), inside the caller's transaction: each through
 * the commit path with its `ticket.group_changed` event by the caller, and its SLA re-derived (a policy
 * that matched by this group no longer does). Returns the ticket numbers.
 */
export async function ungroupAll(ctx: ServiceContext, groupId: number): Promise<number[]> {
  return withTransaction(ctx, async (tx, ctx) => {
    const rows = await tx
      .select()
      .from(tickets)
      .where(eq(tickets.groupId, groupId))
      .orderBy(asc(tickets.id))
      .for('update');
    for (const row of rows) {
      await commitChange(tx, ctx, row, {
        changes: { groupId: null },
        events: [{ type: 'ticket.group_changed', data: { from: String(groupId), to: null } }],
      });
    }
    return rows.map((r) => r.id);
  });
}
