import type { AuditChanges } from '../../../db/schema/index.js';
import type { Actor, ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { insertAuditRow } from './repo.js';

// Writing to the audit log. Kept apart from the HTTP side (service.ts, routes.ts) and light in what it
// imports: the first-admin bootstrap and the admin:create CLI call it too, and must not load the web stack.

/**
 * What an audit row can be about. Listed ahead of the modules that will write them (keys, webhooks,
 * groups, calendars, SLA policies, macros, custom fields), so the filter and the OpenAPI document
 * already know them; `record()` accepts nothing else.
 */
export const AUDIT_TARGET_TYPES = [
  'user',
  'api_key',
  'webhook',
  'group',
  'calendar',
  'sla_policy',
  'macro',
  'custom_field',
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** `<target type>.<verb>`: the type checker keeps an action's prefix a known target type. */
export type AuditAction = `${AuditTargetType}.${string}`;

/** Who made a change, as the audit log stores it. */
export type AuditActor =
  | { type: 'user'; id: number }
  | { type: 'system'; job: string }
  | { type: 'api_key'; id: number; name: string };

/** One change to record. */
export interface AuditEntry {
  action: AuditAction;
  target: { type: AuditTargetType; id: number | string };
  /** Only the fields that changed (see `fieldChanges`); a secret is recorded as `{changed: true}`. */
  changes?: AuditChanges;
  /**
   * Who acted, when it is not the context's actor: the new user on self-registration, the token's owner
   * on a password reset (both public routes, no actor), a system job outside a request.
   */
  actor?: AuditActor;
}

/** What `record` needs of the caller's context: a `ServiceContext` has it, and so can a script. */
export interface AuditContext {
  actor: Actor | null;
  clock: ServiceContext['clock'];
  client: { ip: string | null };
}

/** Field names whose values are never stored, whatever a caller passes: only that they changed. */
const SECRET_FIELD = /password|secret|token|hash/i;

function withoutSecrets(changes: AuditChanges): AuditChanges {
  return Object.fromEntries(
    Object.entries(changes).map(([field, change]) => [
      field,
      SECRET_FIELD.test(field) ? { changed: true } : change,
    ]),
  );
}

function auditActorOf(actor: Actor): AuditActor {
  switch (actor.type) {
    case 'user':
      return { type: 'user', id: actor.id };
    case 'api_key':
      return { type: 'api_key', id: actor.id, name: actor.name };
    case 'system':
      return { type: 'system', job: actor.job };
  }
}

/**
 * Writes one audit row inside the caller's transaction `tx`, so the row commits or rolls back with the
 * change it describes. Call it after the change's own writes (and after any check that may refuse it).
 * Every account and configuration change calls this; ticket changes have their own trail.
 */
export async function record(tx: Queryable, ctx: AuditContext, entry: AuditEntry): Promise<void> {
  const actor = entry.actor ?? (ctx.actor ? auditActorOf(ctx.actor) : null);
  // A programming error, not a client's: every change has someone (or something) behind it.
  if (!actor) throw new Error(`audit entry ${entry.action} has no actor`);
  await insertAuditRow(tx, {
    action: entry.action,
    actorType: actor.type,
    actorId: actor.type === 'system' ? null : actor.id,
    actorLabel: actor.type === 'system' ? actor.job : actor.type === 'api_key' ? actor.name : null,
    targetType: entry.target.type,
    targetId: String(entry.target.id),
    changes: withoutSecrets(entry.changes ?? {}),
    ip: ctx.client.ip,
    createdAt: ctx.clock.now(),
  });
}

/**
 * The `{from, to}` of each field of `after` whose value differs from `before` (all of them, from null,
 * when `before` is null: a creation). Fields `after` leaves undefined are unchanged.
 */
export function fieldChanges<T extends Record<string, unknown>>(
  before: Partial<T> | null,
  after: Partial<T>,
): AuditChanges {
  const changes: AuditChanges = {};
  for (const [field, to] of Object.entries(after)) {
    if (to === undefined) continue;
    const from = before ? (before[field] ?? null) : null;
    if (from !== to) changes[field] = { from, to };
  }
  return changes;
}
