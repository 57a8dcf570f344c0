import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import { parseConfig } from '../config.js';
import { createPoolDatabase } from '../database.js';
import { type AppDeps, systemClock } from '../deps.js';
import { createLogger } from '../logger.js';
import { startFeedLoop } from '../modules/feed/index.js';
import { startOutboxLoop } from '../modules/notifications/dispatcher.js';
import { createSmtpMailer } from '../modules/notifications/mailer.js';
import { startHousekeepingLoop } from '../modules/tickets/housekeeping.js';
import { ensureFirstAdmin } from '../modules/users/bootstrap.js';
import { createBcryptPool } from './bcrypt-pool.js';

// Node entry (Render, Docker, `npm start`): serve the app on PORT, drain the outbox and auto-close solved
// tickets in the background, and on SIGTERM stop accepting, finish in-flight requests and the current email
// batch and sweep, close the pool.

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(1);
}
const { config } = parsed;
const logger = createLogger({
  level: config.logLevel,
  pretty: config.env === 'development' && process.stdout.isTTY,
});
for (const warning of parsed.warnings) logger.warn(warning);

const database = createPoolDatabase(config.databaseUrl, {
  connectionLimit: config.databasePoolSize,
  maxIdle: config.databasePoolSize,
});
// bcrypt on worker threads, one per core: a login storm must not stall other requests.
const passwords = createBcryptPool();
const deps: AppDeps = { config, logger, database, clock: systemClock, passwords };

try {
  const admin = await database.use((db) =>
    ensureFirstAdmin(db, systemClock, config.admin, config.bcryptCost),
  );
  if (admin === 'created')
    logger.info({ email: config.admin?.email }, 'first admin created from ADMIN_EMAIL');
} catch (err) {
  // The database may come up after us; /ready reports 503 until it does.
  logger.error({ err }, 'database not reachable at start-up');
}

const mailer = createSmtpMailer(config.smtpUrl);
const outbox = startOutboxLoop(
  {
    database,
    mailer,
    clock: systemClock,
    logger: logger.child({ component: 'outbox' }),
    mailFrom: config.mailFrom,
    appUrl: config.appUrl,
    maxAttempts: config.outbox.maxAttempts,
    retryBaseSeconds: config.outbox.retryBaseSeconds,
  },
  config.outbox.pollMs,
);
// Number new events for the change feed in the background, so feed reads rarely have to.
const feed = startFeedLoop({ database, logger: logger.child({ component: 'feed' }) });
// A successful write may have queued email and written events: send and number them now rather than at
// the next poll.
deps.afterWrite = () => {
  outbox.wake();
  feed.wake();
};

const housekeeping = startHousekeepingLoop(
  {
    database,
    clock: systemClock,
    config,
    logger: logger.child({ component: 'housekeeping' }),
  },
  config.housekeepingIntervalSeconds * 1000,
);

const app = createApp(deps);
const server = serve({ fetch: app.fetch, port: config.port, hostname: '0.0.0.0' }, (info) =>
  logger.info({ port: info.port, url: config.appUrl }, 'helpdesk API listening'),
);

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  const force = setTimeout(() => {
    logger.error('graceful shutdown took over 25 s; exiting');
    process.exit(1);
  }, 25_000);
  force.unref();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([outbox.stop(), housekeeping.stop(), feed.stop()]);
  mailer.close();
  await passwords.close();
  await database.close();
  logger.info('shutdown complete');
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
