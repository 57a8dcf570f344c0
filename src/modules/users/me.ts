import { abilityOf, authorize } from '../../access/index.js';
import { requireUser, type ServiceContext, withTransaction } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { recordUserUpdate } from './audit.js';
import { findUserById, type UserRow, updateUser } from './repo.js';
import { toUser, type UpdateMeInput, type User } from './schemas.js';
import { userSubject } from './service.js';

async function loadUser(ctx: ServiceContext, id: number): Promise<UserRow> {
  const row = await findUserById(ctx.db, id);
  if (!row) throw new NotFoundError('user', id);
  return row;
}

/** The caller's own account. */
export async function me(ctx: ServiceContext): Promise<User> {
  return toUser(await loadUser(ctx, requireUser(ctx).id));
}

/**
 * Changes the caller's own name and email preference; each field is authorized on its own (`update` on
 * the User, per field). An empty body changes nothing and returns the account as it is.
 */
export async function updateMe(ctx: ServiceContext, input: UpdateMeInput): Promise<User> {
  const actor = requireUser(ctx);
  const row = await loadUser(ctx, actor.id);
  const ability = abilityOf(ctx);
  for (const field of ['name', 'notifications'] as const) {
    if (input[field] !== undefined) authorize(ability, 'update', userSubject(row), field);
  }
  if (input.name === undefined && input.notifications === undefined) return toUser(row);
  await withTransaction(ctx, async (tx) => {
    // Locked: the audit's `from` is the name this update replaces, even under concurrent renames.
    const before = input.name === undefined ? row : ((await findUserById(tx, actor.id, true)) ?? row);
    await updateUser(tx, ctx.clock, actor.id, {
      name: input.name,
      notifyByEmail: input.notifications?.email,
    });
    // The email preference is the person's own business, not an account change: only a rename is audited.
    await recordUserUpdate(tx, ctx, before, { name: input.name });
  });
  return toUser(await loadUser(ctx, actor.id));
}
