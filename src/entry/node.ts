import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import { parseConfig } from '../config.js';
import { createPoolDatabase } from '../database.js';
import { type AppDeps, systemClock } from '../deps.js';
import { hardenServer } from '../http/node-server.js';
import { createLogger } from '../logger.js';
import { startUploadSweepLoop } from '../modules/attachments/index.js';
import { startFeedLoop } from '../modules/feed/index.js';
import { startIdempotencySweepLoop } from '../modules/idempotency/index.js';
import { type InboundSmtp, startInboundSmtp } from '../modules/inbound/smtp.js';
import { createSmtpMailer, outboxSettings, startOutboxLoop } from '../modules/notifications/index.js';
import { startHousekeepingLoop, startSlaSweepLoop } from '../modules/tickets/index.js';
import { ensureFirstAdmin } from '../modules/users/index.js';
import { startWebhookLoop, webhookSettings } from '../modules/webhooks/index.js';
import { nodeTransport } from '../modules/webhooks/node-transport.js';
import { nodeStorage } from '../storage/node.js';
import { createBcryptPool } from './bcrypt-pool.js';
import { findDocsBundle, nodeDocsAsset } from './docs-asset.js';

// Node entry (Render, Docker, `npm start`): serve the app on PORT, drain the outbox and auto-close solved
// tickets in the background, and on SIGTERM stop accepting, finish in-flight requests and the current email
// batch and sweep, close the pool.

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(1);
}
const { config } = parsed;
/** pino-pretty is a dev dependency: a production install started in a terminal must not crash over it. */
function prettyPrinterInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
const wantsPretty = config.env === 'development' && process.stdout.isTTY === true;
const pretty = wantsPretty && prettyPrinterInstalled();
const logger = createLogger({ level: config.logLevel, pretty });
if (wantsPretty && !pretty) logger.info('pino-pretty is not installed: logging JSON lines');
for (const warning of parsed.warnings) logger.warn(warning);

const database = createPoolDatabase(
  config.databaseUrl,
  {},
  {
    connectionLimit: config.databasePoolSize,
    queryTimeoutMs: config.database.queryTimeoutMs,
    acquireTimeoutMs: config.database.acquireTimeoutMs,
    queueLimit: config.database.queueLimit,
  },
);
// bcrypt on worker threads, one per core: a login storm must not stall other requests.
const passwords = createBcryptPool();
// Webhooks leave through node:http with the checked address pinned (no DNS-rebinding window).
const webhookTransport = nodeTransport();
// Attachment bytes: STORAGE_URL's store, else the local disk (one instance only: see README, Attachments).
const storage = nodeStorage(config.attachments);
if (typeof storage === 'string') {
  console.error(`Invalid configuration:\n  - ${storage}`);
  process.exit(1);
}
if (storage.kind === 'file' && config.env === 'production') {
  logger.warn(
    'attachments are stored on the local disk: with more than one instance, set STORAGE_URL to S3/R2',
  );
}
const deps: AppDeps = { config, logger, database, clock: systemClock, passwords, webhookTransport, storage };
// The API reference's browser bundle, served at /docs/scalar-<version>.js.
const docsBundle = findDocsBundle();
if (docsBundle) deps.docsAsset = nodeDocsAsset(docsBundle);
else logger.warn('the API reference bundle is missing (run `npm run build:node`): /docs will not load');

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

const mailer = createSmtpMailer(config.smtpUrl, config.smtp);
const outbox = startOutboxLoop(
  {
    database,
    mailer,
    clock: systemClock,
    logger: logger.child({ component: 'outbox' }),
    ...outboxSettings(config),
  },
  config.outbox.pollMs,
);
// Webhook deliveries: their own loop and lanes, so a slow receiver never holds up email.
const webhookLoop = startWebhookLoop(
  {
    database,
    clock: systemClock,
    logger: logger.child({ component: 'webhooks' }),
    transport: webhookTransport,
    ...webhookSettings(config),
  },
  config.outbox.pollMs,
);
// Number new events for the change feed in the background, so feed reads rarely have to.
const feed = startFeedLoop({ database, logger: logger.child({ component: 'feed' }) });
// A successful write may have queued email and written events: send and number them now rather than at
// the next poll.
deps.afterWrite = () => {
  outbox.wake();
  webhookLoop.wake();
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
// SLA warnings and breaches, written within a minute of their moment (every SLA_SWEEP_INTERVAL_MS).
const slaSweep = startSlaSweepLoop({
  database,
  clock: systemClock,
  config,
  logger: logger.child({ component: 'sla' }),
});
// Expired Idempotency-Key rows go on the same schedule.
const idempotencySweep = startIdempotencySweepLoop(
  { database, clock: systemClock, logger: logger.child({ component: 'idempotency' }) },
  config.housekeepingIntervalSeconds * 1000,
);

// Inbound mail over SMTP (behind an MX record), when INBOUND_SMTP_PORT is set; applied mail may have
// queued email, so it wakes the outbox like a write request does.
let inboundSmtp: InboundSmtp | null = null;
if (config.inbound.smtpPort > 0) {
  inboundSmtp = await startInboundSmtp(
    { database, clock: systemClock, config, logger, passwords, storage },
    { afterApply: () => deps.afterWrite?.() },
  );
}
// Uploads no message took within 24 h: rows and bytes.
const uploadSweep = startUploadSweepLoop(
  { database, clock: systemClock, logger: logger.child({ component: 'upload-sweep' }), storage },
  config.housekeepingIntervalSeconds * 1000,
);

const app = createApp(deps);
// HOST defaults to 0.0.0.0: a container or PaaS (Render, Docker) must accept connections from outside.
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.server.host }, (info) =>
  logger.info({ host: info.address, port: info.port, url: config.appUrl }, 'helpdesk API listening'),
);
// Timeouts, a connection cap and problem+json for malformed requests (before 'listening' fires).
hardenServer(server as Server, config.server);

// Graceful shutdown. Keep-alive clients would otherwise go on sending requests over their open
// connections for as long as they like, so once it starts every response says `Connection: close` (and
// Node closes the socket after it), idle connections are closed at once, the outbox stops claiming and
// hands back what it claimed, and the process exits 0 well inside the platform's grace period (Render: 30 s).
let shuttingDown = false;
const inFlight = new Set<ServerResponse>();
// Prepended: it must run before the app's listener can write the response headers.
server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
  if (shuttingDown) res.shouldKeepAlive = false;
  inFlight.add(res);
  res.once('close', () => inFlight.delete(res));
});

/** Longer than any request may take to finish, shorter than the platform's grace period. */
const FORCE_EXIT_MS = 20_000;

async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  const force = setTimeout(() => {
    logger.error(`graceful shutdown took over ${FORCE_EXIT_MS / 1000} s; exiting`);
    process.exit(1);
  }, FORCE_EXIT_MS);
  force.unref();
  // Responses not yet started close their connection once sent.
  for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  await Promise.all([
    closed,
    inboundSmtp?.close(),
    outbox.stop(),
    webhookLoop.stop(),
    housekeeping.stop(),
    slaSweep.stop(),
    idempotencySweep.stop(),
    uploadSweep.stop(),
    feed.stop(),
  ]);
  mailer.close();
  await passwords.close();
  await database.close();
  logger.info('shutdown complete');
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
