import type { Config } from './config.js';
import type { Database } from './database.js';
import type { Logger } from './logger.js';

/** Where time comes from; tests substitute a controllable clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Everything the app needs from the outside world. Entries (Node, Workers) and tests build this and
 * pass it to `createApp`; nothing else reads the environment or opens connections.
 */
export interface AppDeps {
  config: Config;
  logger: Logger;
  database: Database;
  clock: Clock;
}
