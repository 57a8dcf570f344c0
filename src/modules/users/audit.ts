import type { Queryable } from '../../database.js';
import { type AuditActor, type AuditContext, fieldChanges, record } from '../admin-audit/index.js';
import { type NewUser, normaliseEmail, type UserChanges, type UserRow } from './repo.js';

// What the admin audit log records about accounts, in one place for every path that changes one (the
// API, the first-admin bootstrap, the admin:create CLI). Each call runs inside the change's transaction.

/**
 * A new account: `user.created` (by an admin, the CLI, the bootstrap) or `user.registered` (self
 * sign-up, whose actor is the new user). The password is never mentioned (a customer account made from an
 * address has none until a reset sets one; `user.password_reset` records that).
 */
export function recordUserCreated(
  tx: Queryable,
  ctx: AuditContext,
  id: number,
  user: Omit<NewUser, 'passwordHash'>,
  how: { action: 'user.created' | 'user.registered'; actor?: AuditActor },
): Promise<void> {
  // As `insertUser` stores them.
  const email = normaliseEmail(user.email);
  const name = user.name.trim();
  return record(tx, ctx, {
    action: how.action,
    actor: how.actor,
    target: { type: 'user', id },
    changes: fieldChanges(null, { email, name, role: user.role }),
  });
}

/**
 * One entry per kind of change an update makes to `before`: `user.role_changed`, `user.disabled` or
 * `user.enabled`, `user.renamed`. Separate entries, so "who made this agent an admin" is one action to
 * look for however the request bundled its fields. Fields set to their current value write nothing.
 */
export async function recordUserUpdate(
  tx: Queryable,
  ctx: AuditContext,
  before: UserRow,
  after: Pick<UserChanges, 'name' | 'role' | 'active'>,
  actor?: AuditActor,
): Promise<void> {
  const entries = [
    { action: 'user.role_changed', changes: fieldChanges(before, { role: after.role }) },
    {
      action: after.active ? 'user.enabled' : 'user.disabled',
      changes: fieldChanges(before, { active: after.active }),
    },
    { action: 'user.renamed', changes: fieldChanges(before, { name: after.name }) },
  ] as const;
  for (const { action, changes } of entries) {
    if (Object.keys(changes).length === 0) continue;
    await record(tx, ctx, { action, actor, target: { type: 'user', id: before.id }, changes });
  }
}

/**
 * A new password: `user.password_changed` (by its owner, proven by the old one) or `user.password_reset`
 * (with an emailed token, or by the CLI). Only the fact is recorded, never the password or its hash.
 */
export function recordPasswordSet(
  tx: Queryable,
  ctx: AuditContext,
  userId: number,
  how: { action: 'user.password_changed' | 'user.password_reset'; actor?: AuditActor },
): Promise<void> {
  return record(tx, ctx, {
    action: how.action,
    actor: how.actor,
    target: { type: 'user', id: userId },
    changes: { password: { changed: true } },
  });
}
