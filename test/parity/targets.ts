import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Miniflare } from 'miniflare';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import type { Database } from '../../src/database.js';
import { type AppDeps, systemClock } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { startFeedLoop } from '../../src/modules/feed/index.js';
import { startInboundSmtp } from '../../src/modules/inbound/smtp.js';
import { drainOutbox, outboxSettings, startOutboxLoop } from '../../src/modules/notifications/dispatcher.js';
import { createSmtpMailer } from '../../src/modules/notifications/mailer.js';
import { autoCloseSolved, startHousekeepingLoop } from '../../src/modules/tickets/housekeeping.js';
import { sweepSla } from '../../src/modules/tickets/sla-sweep.js';
import { drainWebhooks, startWebhookLoop, webhookSettings } from '../../src/modules/webhooks/index.js';
import { nodeTransport } from '../../src/modules/webhooks/node-transport.js';
import { tempFileStorage } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startWorkerd, type Workerd, wranglerVars } from '../helpers/workerd.js';

// The two runtimes the parity suite runs every scenario on. Both get the same configuration: the
// `[vars]` of wrangler.toml plus the secrets a deployment sets, and the test knobs (bcrypt cost 4, rate
// limits out of the way). Each has its own fresh database and its own SMTP sink.
//
// - node: createApp() served by the real Node adapter on a port, with the outbox and housekeeping loops
//   the Node entry starts (src/entry/node.ts); scheduled() runs one pass of each, as a loop tick does.
// - workers: the bundle `npm run build` makes (scripts/build-worker.mjs), in workerd through Miniflare,
//   with a Hyperdrive binding to the database; scheduled() fires the Worker's cron handler, which returns
//   once the work it handed to ctx.waitUntil has settled.

export type TargetName = 'node' | 'workers';
export const TARGET_NAMES: TargetName[] = ['node', 'workers'];

export interface Target {
  name: TargetName;
  /** An HTTP request to the deployed app (`path` from the root, e.g. `/api/v1/me`). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Delivers one raw email to the target's inbound door: real SMTP to the listener on Node, the Worker's
   * `email()` handler (Miniflare's /cdn-cgi/handler/email) on Workers. Resolves once it is processed.
   */
  email(raw: string, envelope: { from: string; to: string }): Promise<void>;
  /** What the platform runs on a schedule: auto-close, then an outbox drain. Resolves when done. */
  scheduled(): Promise<void>;
  sink: SmtpSink;
  /** The target's database, for setup (staff accounts, forcing ages) and for checking rows. */
  database: Database;
  db: TestDatabase;
  /** Only on `workers`: the workerd instance (its logs, the database user it connects as). */
  workerd?: Workerd;
  close(): Promise<void>;
}

export const JWT_SECRET = 'parity-secret-that-is-at-least-32-bytes-long';

/** wrangler.toml's vars, the secrets, and the knobs every test run uses: identical on both runtimes. */
function settings(sinkUrl: string): Record<string, string> {
  return {
    ...wranglerVars(),
    JWT_SECRET,
    SMTP_URL: sinkUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    // The lowest cost: at the default 12 every register/login would take ~250 ms of CPU.
    BCRYPT_COST: '4',
    // Every test client shares one address.
    AUTH_RATE_LIMIT_PER_IP: '100000',
    AUTH_RATE_LIMIT_PER_EMAIL: '100000',
    // Per-principal and ticket-creation limits out of the way too (their own tests set real ones).
    RATE_LIMIT_PER_PRINCIPAL: '1000000',
    TICKET_CREATE_LIMIT: '1000000',
    TICKET_CREATE_LIMIT_STAFF: '1000000',
    // Webhook receivers in the tests listen on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    // Signed reply addresses on every ticket email, and the inbound doors' mailbox.
    INBOUND_ADDRESS: 'support@example.com',
  };
}

async function nodeTarget(): Promise<Target> {
  const db = await createTestDatabase();
  const sink = await startSmtpSink();
  const parsed = parseConfig({ ...settings(sink.url), DATABASE_URL: db.url });
  if (!parsed.ok) throw new Error(parsed.message);
  const { config } = parsed;
  const logger = createLogger({ level: config.logLevel });
  const webhookTransport = nodeTransport();
  // Node's default attachment store, the file system (Workers: wrangler.toml's ATTACHMENTS R2 bucket).
  const storage = tempFileStorage();
  const deps: AppDeps = {
    config,
    logger,
    database: db.database,
    clock: systemClock,
    webhookTransport,
    storage,
  };
  const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The background work of src/entry/node.ts, with the same configuration.
  const mailer = createSmtpMailer(config.smtpUrl, config.smtp);
  const dispatcher = {
    database: db.database,
    mailer,
    clock: systemClock,
    logger,
    mailFrom: config.mailFrom,
    appUrl: config.appUrl,
    maxAgeSeconds: config.outbox.maxAgeSeconds,
    maxRetryDelaySeconds: config.outbox.maxRetryDelaySeconds,
    retryBaseSeconds: config.outbox.retryBaseSeconds,
    replyTo: outboxSettings(config).replyTo,
  };
  const housekeeping = { database: db.database, clock: systemClock, config, logger };
  const outbox = startOutboxLoop(dispatcher, config.outbox.pollMs);
  const feed = startFeedLoop({ database: db.database, logger });
  const webhookDispatcher = {
    database: db.database,
    clock: systemClock,
    logger,
    transport: webhookTransport,
    ...webhookSettings(config),
  };
  const webhooks = startWebhookLoop(webhookDispatcher, config.outbox.pollMs);
  deps.afterWrite = () => {
    outbox.wake();
    webhooks.wake();
    feed.wake();
  };
  // The Node door: the SMTP listener the Node entry starts (INBOUND_SMTP_PORT), on a free port.
  const inbound = await startInboundSmtp(
    { database: db.database, clock: systemClock, config, logger, storage },
    { port: 0, host: '127.0.0.1', afterApply: () => deps.afterWrite?.() },
  );
  const smtpClient = nodemailer.createTransport({
    host: '127.0.0.1',
    port: inbound.port,
    secure: false,
    ignoreTLS: true,
  });
  const loops = [
    outbox,
    feed,
    webhooks,
    startHousekeepingLoop(housekeeping, config.housekeepingIntervalSeconds * 1000),
  ];
  return {
    name: 'node',
    fetch: (path, init) => fetch(`${base}${path}`, init),
    async email(raw, envelope) {
      await smtpClient.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw });
    },
    async scheduled() {
      await autoCloseSolved(housekeeping);
      await sweepSla(housekeeping);
      await Promise.all([drainOutbox(dispatcher), drainWebhooks(webhookDispatcher)]);
    },
    sink,
    database: db.database,
    db,
    async close() {
      await Promise.all(loops.map((l) => l.stop()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      smtpClient.close();
      await inbound.close();
      mailer.close();
      await sink.stop();
      await db.drop();
    },
  };
}

async function workersTarget(): Promise<Target> {
  const db = await createTestDatabase();
  const sink = await startSmtpSink();
  const workerd = await startWorkerd({
    databaseName: db.name,
    workers: [{ name: 'helpdesk', bindings: settings(sink.url) }],
  });
  const worker = await workerd.worker();
  const origin = new URL(wranglerVars().APP_URL ?? 'https://helpdesk.example.com').origin;
  return {
    name: 'workers',
    // Through Miniflare's entry, as a visitor's request arrives: it sets CF-Connecting-IP as the edge does.
    fetch: async (path, init) =>
      (await workerd.mf.dispatchFetch(
        `${origin}${path}`,
        init as Parameters<Miniflare['dispatchFetch']>[1],
      )) as unknown as Response,
    async email(raw, envelope) {
      const query = new URLSearchParams({ from: envelope.from, to: envelope.to });
      const res = await workerd.mf.dispatchFetch(`http://localhost/cdn-cgi/handler/email?${query}`, {
        method: 'POST',
        body: raw,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`email() answered ${res.status}: ${text}\n${workerd.output()}`);
    },
    async scheduled() {
      const result = await worker.scheduled({ cron: '* * * * *' });
      if (result.outcome !== 'ok')
        throw new Error(`scheduled() ended ${result.outcome}:\n${workerd.output()}`);
    },
    sink,
    database: db.database,
    db,
    workerd,
    async close() {
      await workerd.dispose();
      await sink.stop();
      await db.drop();
    },
  };
}

export function startTarget(name: TargetName): Promise<Target> {
  return name === 'node' ? nodeTarget() : workersTarget();
}

/**
 * Inside a `describe.each(TARGET_NAMES)` block: starts that target before its tests and stops it after.
 * Call the returned function inside tests.
 */
export function useTarget(name: TargetName): () => Target {
  let target: Target | undefined;
  beforeAll(async () => {
    target = await startTarget(name);
  });
  afterAll(() => target?.close());
  return () => {
    if (!target) throw new Error(`the ${name} target did not start`);
    return target;
  };
}
