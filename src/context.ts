import type { Role } from '../db/schema/index.js';
import type { Config } from './config.js';
import type { Db } from './database.js';
import type { Clock } from './deps.js';
import type { Logger } from './logger.js';
import type { PasswordHasher } from './modules/users/passwords.js';

/** The authenticated caller: who they are now (role read from the database, not from the token). */
export interface Actor {
  id: number;
  role: Role;
  sessionId: number;
}

/** What every service verb receives as its first argument. */
export interface ServiceContext {
  db: Db;
  clock: Clock;
  config: Config;
  log: Logger;
  /** Null on public routes (register, login, refresh). */
  actor: Actor | null;
  client: { ip: string | null; userAgent: string | null };
  /** bcrypt: hash and verify passwords (off the event loop on Node). */
  passwords: PasswordHasher;
}

/** The actor of an authenticated route; the auth middleware guarantees it is present. */
export function requireActor(ctx: ServiceContext): Actor {
  if (!ctx.actor) throw new Error('requireActor on an unauthenticated route');
  return ctx.actor;
}
