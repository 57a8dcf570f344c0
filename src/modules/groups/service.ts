import { abilityOf, authorize, isStaffRole } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import { dbErrno, ER, type Queryable } from '../../database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { afterIdCursor, type PageInput, toPage } from '../../http/pagination.js';
import { fieldChanges, record } from '../admin-audit/index.js';
import { ungroupAll } from '../tickets/index.js';
import * as repo from './repo.js';
import type { CreateGroupInput, Group, UpdateGroupInput } from './schemas.js';

function toGroup(row: repo.GroupRow, members: repo.Member[]): Group {
  return {
    id: String(row.id),
    name: row.name,
    description: row.description,
    members: members.map((m) => ({ id: String(m.id), name: m.name })),
    assignment: row.assignment,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function view(db: Queryable, row: repo.GroupRow): Promise<Group> {
  return toGroup(row, (await repo.membersOf(db, [row.id])).get(row.id) ?? []);
}

/** 422 unless every id is an active agent or admin (each offender listed by its index). */
async function checkMembers(tx: Queryable, ids: string[]): Promise<number[]> {
  const numbers = ids.map(Number);
  const people = new Map((await repo.findPeople(tx, numbers)).map((p) => [p.id, p]));
  const errors = numbers.flatMap((id, i) => {
    const p = people.get(id);
    return p?.active && isStaffRole(p.role)
      ? []
      : [{ path: `memberIds.${i}`, message: 'must be an active agent or admin' }];
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return numbers;
}

const nameTaken = (err: unknown) => {
  if (dbErrno(err) === ER.DUP_ENTRY) {
    return new ConflictError('group_name_taken', 'Another group already has this name.');
  }
  return err;
};

export async function list(ctx: ServiceContext, page: PageInput) {
  authorize(abilityOf(ctx), 'read', 'Group');
  const rows = await repo.listGroups(ctx.db, afterIdCursor(page.cursor), page.limit + 1);
  const members = await repo.membersOf(
    ctx.db,
    rows.slice(0, page.limit).map((r) => r.id),
  );
  return toPage(
    rows,
    page.limit,
    (r) => [r.id],
    (r) => toGroup(r, members.get(r.id) ?? []),
  );
}

export async function get(ctx: ServiceContext, id: number): Promise<Group> {
  authorize(abilityOf(ctx), 'read', 'Group');
  const row = await repo.findGroup(ctx.db, id);
  if (!row) throw new NotFoundError('group', id);
  return view(ctx.db, row);
}

export async function create(ctx: ServiceContext, input: CreateGroupInput): Promise<Group> {
  authorize(abilityOf(ctx), 'create', 'Group');
  const id = await withTransaction(ctx, async (tx) => {
    const members = await checkMembers(tx, input.memberIds);
    const id = await repo
      .insertGroup(tx, {
        name: input.name,
        description: input.description ?? null,
        assignment: input.assignment,
        now: ctx.clock.now(),
      })
      .catch((err: unknown) => {
        throw nameTaken(err);
      });
    await repo.setMembers(tx, id, [], members);
    await record(tx, ctx, {
      action: 'group.created',
      target: { type: 'group', id },
      changes: fieldChanges(null, {
        name: input.name,
        description: input.description ?? null,
        assignment: input.assignment,
        memberIds: members.map(String),
      }),
    });
    return id;
  });
  return get(ctx, id);
}

export async function update(ctx: ServiceContext, id: number, input: UpdateGroupInput): Promise<Group> {
  authorize(abilityOf(ctx), 'update', 'Group');
  await withTransaction(ctx, async (tx) => {
    const row = await repo.findGroup(tx, id, true);
    if (!row) throw new NotFoundError('group', id);
    const before = ((await repo.membersOf(tx, [id])).get(id) ?? []).map((m) => m.id);
    const after = input.memberIds === undefined ? before : await checkMembers(tx, input.memberIds);
    await repo
      .updateGroup(tx, id, {
        name: input.name,
        description: input.description,
        assignment: input.assignment,
        updatedAt: ctx.clock.now(),
      })
      .catch((err: unknown) => {
        throw nameTaken(err);
      });
    await repo.setMembers(tx, id, before, after);
    const changes = fieldChanges(
      { name: row.name, description: row.description, assignment: row.assignment },
      { name: input.name, description: input.description, assignment: input.assignment },
    );
    const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b).map(String);
    if (sorted(before).join() !== sorted(after).join()) {
      changes.memberIds = { from: sorted(before), to: sorted(after) };
    }
    if (Object.keys(changes).length > 0) {
      await record(tx, ctx, { action: 'group.updated', target: { type: 'group', id }, changes });
    }
  });
  return get(ctx, id);
}

/**
 * Deletes a group. Tickets in it are taken out of it first (group set to null, one `ticket.group_changed`
 * event each, their SLA re-derived), in the same transaction; SLA policies that name the group keep its id,
 * which then matches no ticket.
 */
export async function remove(ctx: ServiceContext, id: number): Promise<void> {
  authorize(abilityOf(ctx), 'delete', 'Group');
  await withTransaction(ctx, async (tx, ctx) => {
    const row = await repo.findGroup(tx, id, true);
    if (!row) throw new NotFoundError('group', id);
    const ticketIds = await ungroupAll(ctx, id);
    await repo.deleteGroup(tx, id);
    await record(tx, ctx, {
      action: 'group.deleted',
      target: { type: 'group', id },
      changes: { name: { from: row.name, to: null }, tickets: { from: ticketIds.length, to: 0 } },
    });
  });
}
