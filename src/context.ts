import type { ApiKeyScope, Role } from '../db/schema/index.js';
import type { Config } from './config.js';
import { type Queryable, retryOnDeadlock, type Tx } from './database.js';
import type { Clock } from './deps.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';
import type { Logger } from './logger.js';
import type { PasswordHasher } from './passwords.js';
import type { StorageDriver } from './storage/index.js';

/** A person signed in with an access token: who they are now (role read from the database, not the token). */
export interface UserActor {
  readonly type: 'user';
  id: number;
  role: Role;
  sessionId: number;
}

/**
 * An integration authenticated with an API key (`Authorization: Bearer hd_…`): staff visibility,
 * restricted to its scopes (src/access). It is nobody's account: user-only verbs (`requireUser`) refuse it.
 */
export interface ApiKeyActor {
  readonly type: 'api_key';
  id: number;
  /** The key's name, for audit rows and the `actor` of events and messages. */
  name: string;
  scopes: readonly ApiKeyScope[];
}

/** Work the helpdesk does by itself, named in the audit trail instead of a person. */
export type SystemJob = 'auto_close' | 'sla' | 'inbound_email';

export interface SystemActor {
  readonly type: 'system';
  job: SystemJob;
}

/**
 * Who is acting: a user, an API key or the system. Recorded on every audit event; permissions are asked
 * of it through CASL (`access/`), never by inspecting it in a service.
 */
export type Actor = UserActor | ApiKeyActor | SystemActor;

/** What every service verb receives as its first argument. */
export interface ServiceContext {
  /** The request's handle; inside `withTransaction`, the open transaction itself. */
  db: Queryable;
  /** Set while the context is inside a transaction: verbs called with it join that transaction. */
  tx?: Tx;
  clock: Clock;
  config: Config;
  log: Logger;
  /** Null on public routes (register, login, refresh). */
  actor: Actor | null;
  client: { ip: string | null; userAgent: string | null };
  /** bcrypt: hash and verify passwords (off the event loop on Node). */
  passwords: PasswordHasher;
  /** Where attachment bytes live; absent when none is configured (uploads then answer 503). */
  storage?: StorageDriver;
}

/** The actor of an authenticated route; 401 where there is none (the auth middleware guarantees one). */
export function requireActor(ctx: ServiceContext): Actor {
  if (!ctx.actor) throw new UnauthorizedError();
  return ctx.actor;
}

/** The actor, when the verb is about a person's own account or sessions: 403 for anything but a user. */
export function requireUser(ctx: ServiceContext): UserActor {
  const actor = requireActor(ctx);
  if (actor.type !== 'user') throw new ForbiddenError('forbidden', 'Only a signed-in person can do this.');
  return actor;
}

/** The user id an actor stands for, for rows that reference users (null for a key and the system). */
export const actorUserId = (actor: Actor | null): number | null => (actor?.type === 'user' ? actor.id : null);

/** The API key id an actor stands for, for rows that name the key that acted (null for everyone else). */
export const actorApiKeyId = (actor: Actor | null): number | null =>
  actor?.type === 'api_key' ? actor.id : null;

/**
 * The name to show for an actor that is not a person (an API key's name), for "by whom" lines in emails;
 * null for a user (whose current name is looked up) and the system.
 */
export const actorLabel = (actor: Actor | null): string | null =>
  actor?.type === 'api_key' ? actor.name : null;

/**
 * Who, as a string, owns per-caller state: the request limiter's counters and the Idempotency-Key
 * records (`user:7`, `api_key:3`). A key and a user with the same id never share one.
 */
export function principalKey(actor: Actor): string {
  return actor.type === 'system' ? `system:${actor.job}` : `${actor.type}:${actor.id}`;
}

/** A context for the system's own jobs (housekeeping sweeps, cron). */
export function systemContext(
  base: Omit<ServiceContext, 'actor' | 'client' | 'tx'>,
  job: SystemJob,
): ServiceContext {
  return { ...base, actor: { type: 'system', job }, client: { ip: null, userAgent: null } };
}

/**
 * A context acting as the person an inbound email comes from (src/modules/inbound): their reply or new
 * ticket goes through the same verbs, permissions and emails as if they had used the API. There is no
 * session behind it (`sessionId` 0: no session row has that id, so nothing can be revoked through it).
 */
export function emailSenderContext(base: ServiceContext, user: { id: number; role: Role }): ServiceContext {
  return { ...base, actor: { type: 'user', id: user.id, role: user.role, sessionId: 0 } };
}

/**
 * Runs `fn` in a transaction: the context's own when it already has one (so verbs can call verbs and
 * the whole change commits or rolls back as one), else a new one, retried when the server picks it as a
 * deadlock victim. `fn` gets the transaction and a context bound to it; it must have no side effects
 * outside the database (it may run more than once).
 */
export function withTransaction<T>(
  ctx: ServiceContext,
  fn: (tx: Tx, ctx: ServiceContext) => Promise<T>,
): Promise<T> {
  if (ctx.tx) return fn(ctx.tx, ctx);
  return retryOnDeadlock(() => ctx.db.transaction((tx) => fn(tx, { ...ctx, db: tx, tx })));
}
