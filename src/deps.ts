import type { Config } from './config.js';
import type { Database } from './database.js';
import type { Logger } from './logger.js';
import type { WebhookTransport } from './modules/webhooks/index.js';
import type { PasswordHasher } from './passwords.js';
import type { StorageDriver } from './storage/index.js';

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
  /**
   * Where attachment bytes go (the entry builds it from STORAGE_URL or the R2 binding). Absent: uploads
   * and downloads answer 503 `storage_unavailable`.
   */
  storage?: StorageDriver;
  /** Where bcrypt runs; default: on the calling thread. The Node entry passes its worker-thread pool. */
  passwords?: PasswordHasher;
  /**
   * Called after every successful write request (2xx to POST, PUT, PATCH or DELETE), once its response
   * is ready: such a request may have queued email. The Node entry wakes the outbox loop with it, so an
   * email leaves within milliseconds of its commit instead of at the next poll.
   */
  afterWrite?: () => void;
  /**
   * The API reference's browser bundle (served at /docs/scalar-<version>.js): the Node entry streams the
   * copied or installed file, the Workers entry fetches it from its static assets. Absent: 404.
   */
  docsAsset?: () => Response | Promise<Response>;
  /**
   * How webhook URLs are resolved and deliveries sent. The Node entry passes `nodeTransport()` (pins the
   * checked address); absent (Workers): `fetch`, with DNS over HTTPS for the URL checks.
   */
  webhookTransport?: WebhookTransport;
}
