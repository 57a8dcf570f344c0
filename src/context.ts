import type { Role } from '../db/schema/index.js';
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

/** Work the helpdesk does by itself, named in the audit trail instead of a person. */
export type SystemJob = 'auto_close';

export interface SystemActor {
  readonly type: 'system';
  job: SystemJob;
}

/**
 * Who is acting: a user or the system (API keys come next). Recorded on every audit event; permissions
 * are asked of it through CASL (`access/`), never by inspecting it in a service.
 */
export type Actor = UserActor | SystemActor;

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

/** The user id an actor stands for, for rows that reference users (null for the system). */
export const actorUserId = (actor: Actor | null): number | null => (actor?.type === 'user' ? actor.id : null);

/** A context for the system's own jobs (housekeeping sweeps, cron). */
export function systemContext(
  base: Omit<ServiceContext, 'actor' | 'client' | 'tx'>,
  job: SystemJob,
): ServiceContext {
  return { ...base, actor: { type: 'system', job }, client: { ip: null, userAgent: null } };
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
