import {
  abilityOf,
  authorize,
  isAdminRole,
  isStaffRole,
  REQUESTER_ROLE,
  type UserSubject,
  userListScope,
} from '../../access/index.js';
import { requireActor, type ServiceContext, withTransaction } from '../../context.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { decodeCursor, toPage } from '../../http/pagination.js';
import { unassignAllFrom } from '../tickets/index.js';

import { recordUserCreated, recordUserUpdate } from './audit.js';
import * as repo from './repo.js';
import {
  type CreateUserInput,
  toUser,
  type UpdateUserInput,
  type User,
  type UserListQuery,
  type UserPage,
} from './schemas.js';

/** The fields of a user row the access rules look at. */
export function userSubject(row: Pick<repo.UserRow, 'id' | 'role' | 'active'>): UserSubject {
  return { kind: 'User', id: row.id, role: row.role, active: row.active };
}

/**
 * Loads the user behind a path id and checks the caller may read it. A missing id is judged like a
 * disabled customer account with that id: staff get 404, while a plain user gets the same 403 as for
 * every account but their own, so the answer never tells them which ids exist. (An id that cannot exist,
 * `0` or `abc`, is a 404 for everyone at the edge: `http/ids.ts`.)
 */
async function readableUser(ctx: ServiceContext, id: number): Promise<repo.UserRow> {
  const row = await repo.findUserById(ctx.db, id);
  authorize(
    abilityOf(ctx),
    'read',
    row ? userSubject(row) : { kind: 'User', id, role: REQUESTER_ROLE, active: false },
  );
  if (!row) throw new NotFoundError('user', id);
  return row;
}

/** GET /users: everyone for an admin, staff only for an agent, 403 for a user; keyset pages by id. */
export async function list(ctx: ServiceContext, query: UserListQuery): Promise<UserPage> {
  const actor = requireActor(ctx);
  authorize(abilityOf(ctx), 'list', 'User');
  const afterId = query.cursor ? (decodeCursor(query.cursor, ['number'])[0] as number) : undefined;
  const rows = await repo.listUsers(ctx.db, {
    scope: userListScope(actor),
    role: query.role,
    active: query.active === undefined ? undefined : query.active === 'true',
    q: query.q,
    afterId,
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => [r.id], toUser);
}

/** GET /users/:id. */
export async function get(ctx: ServiceContext, input: { id: number }): Promise<User> {
  return toUser(await readableUser(ctx, input.id));
}

/** POST /users: an admin creates an account of any role; 409 `email_taken`. */
export async function create(ctx: ServiceContext, input: CreateUserInput): Promise<User> {
  authorize(abilityOf(ctx), 'create', 'User');
  const passwordHash = await ctx.passwords.hash(input.password, ctx.config.bcryptCost);
  const { email, name, role } = input;
  const id = await withTransaction(ctx, async (tx) => {
    const id = await repo.insertUser(tx, ctx.clock, { email, name, role, passwordHash });
    await recordUserCreated(tx, ctx, id, { email, name, role }, { action: 'user.created' });
    return id;
  });
  const row = await repo.findUserById(ctx.db, id);
  if (!row) throw new NotFoundError('user', id);
  return toUser(row);
}

/**
 * PATCH /users/:id: name, role and active, each field authorized on its own. Disabling a user revokes all
 * their sessions in the same transaction; demoting staff to `user` or disabling them unassigns their
 * tickets that are not closed (audited as `ticket.assigned` to null, by the admin). Demoting or disabling the last active admin is refused with 409
 * `last_admin`; the active admin rows are locked before the check, so two admins demoting each other at
 * the same moment are serialised and the second is refused.
 */
export async function update(
  ctx: ServiceContext,
  input: { id: number; patch: UpdateUserInput },
): Promise<User> {
  const { patch } = input;
  const current = await readableUser(ctx, input.id);
  const ability = abilityOf(ctx);
  for (const field of ['name', 'role', 'active'] as const) {
    if (patch[field] !== undefined) authorize(ability, 'update', userSubject(current), field);
  }
  if (patch.name === undefined && patch.role === undefined && patch.active === undefined) {
    return toUser(current);
  }
  const mayRemoveAdmin = (patch.role !== undefined && !isAdminRole(patch.role)) || patch.active === false;
  await withTransaction(ctx, async (tx, ctx) => {
    // Lock order: the admin rows first, then the target, in every transaction that takes both.
    const admins = mayRemoveAdmin ? await repo.lockActiveAdmins(tx) : [];
    const row = await repo.findUserById(tx, current.id, true);
    if (!row) throw new NotFoundError('user', current.id);
    const wasActiveAdmin = isAdminRole(row.role) && row.active;
    const staysActiveAdmin = isAdminRole(patch.role ?? row.role) && (patch.active ?? row.active);
    if (wasActiveAdmin && !staysActiveAdmin && !admins.some((id) => id !== row.id)) {
      throw new ConflictError('last_admin', 'This is the last active admin: promote another admin first.');
    }
    await repo.updateUser(tx, ctx.clock, row.id, {
      name: patch.name,
      role: patch.role,
      active: patch.active,
    });
    if (row.active && patch.active === false) {
      await repo.revokeUserSessions(tx, row.id, ctx.clock.now());
    }
    await recordUserUpdate(tx, ctx, row, patch);
    // Someone who is no longer active staff must not keep tickets (and their email) assigned to them.
    const wasStaff = isStaffRole(row.role) && row.active;
    const staysStaff = isStaffRole(patch.role ?? row.role) && (patch.active ?? row.active);
    if (wasStaff && !staysStaff) {
      await unassignAllFrom(ctx, row.id);
    }
  });
  const updated = await repo.findUserById(ctx.db, current.id);
  if (!updated) throw new NotFoundError('user', current.id);
  return toUser(updated);
}
