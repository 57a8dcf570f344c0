import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import mysql from 'mysql2/promise';
import { runMigrations } from '../db/migrate.js';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { createPoolDatabase } from '../src/database.js';
import { systemClock } from '../src/deps.js';
import { createLogger } from '../src/logger.js';
import { drainOutbox } from '../src/modules/notifications/dispatcher.js';
import { createSmtpMailer } from '../src/modules/notifications/mailer.js';
import { enqueue, type NewNotification } from '../src/modules/notifications/outbox.js';
import { startDevInbox } from './lib/dev-inbox.js';
import { freePort, startPrivateServer } from './lib/private-mariadb.js';

// `npm run bench`: a baseline of the API's throughput and latency and of the outbox's delivery rate, on a
// private MariaDB and a local SMTP server, everything on this machine. The load generator runs in the same
// process as the server (2 cores here), so the numbers are comparable run to run, not absolute.
//   npm run bench -- --seconds 5 --concurrency 16 --emails 500

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    emails: { type: 'string', default: '500' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const EMAILS = Number(args.emails);

interface Result {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

/** Keeps `concurrency` requests in flight for `seconds`; a response other than `expect` counts as an error. */
async function load(
  name: string,
  make: () => Promise<Response>,
  expect: number,
  seconds = SECONDS,
): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await make();
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== expect) errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / elapsed),
    p50: Math.round(percentile(latencies, 50) * 10) / 10,
    p99: Math.round(percentile(latencies, 99) * 10) / 10,
  };
}

const dir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'helpdesk-bench-'));
const server = await startPrivateServer({ dataDir: join(dir, 'data'), ephemeral: true });
const inbox = await startDevInbox({ smtpPort: 0, httpPort: 0, maxMessages: EMAILS + 10 });
try {
  const admin = await mysql.createConnection({ uri: server.url });
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = `${server.url}bench`;
  await runMigrations(url);

  const port = await freePort();
  const parsed = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    SMTP_URL: inbox.smtpUrl,
    JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
    PORT: String(port),
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT_PER_IP: '1000000',
    AUTH_RATE_LIMIT_PER_EMAIL: '1000000',
    // `BCRYPT_COST=10 npm run bench` compares login throughput at another cost.
    BCRYPT_COST: process.env.BCRYPT_COST,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const { config } = parsed;
  const database = createPoolDatabase(url);
  const logger = createLogger({ level: 'silent' });
  const app = createApp({ config, logger, database, clock: systemClock });
  const http = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;

  const json = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const account = { email: 'bench@example.test', password: 'bench-password-1', name: 'Bench' };
  const registered = await fetch(`${base}/api/v1/auth/register`, json(account));
  const { accessToken } = (await registered.json()) as { accessToken: string };
  const bearer = { headers: { authorization: `Bearer ${accessToken}` } };

  const results: Result[] = [];
  results.push(await load('GET /health', () => fetch(`${base}/health`), 200));
  results.push(await load('GET /ready (SELECT 1)', () => fetch(`${base}/ready`), 200));
  results.push(
    await load('GET /api/v1/me (JWT + session query)', () => fetch(`${base}/api/v1/me`, bearer), 200),
  );
  results.push(
    await load(
      `POST /api/v1/auth/login (bcrypt cost ${config.bcryptCost})`,
      () => fetch(`${base}/api/v1/auth/login`, json(account)),
      200,
    ),
  );
  http.close();

  // Outbox: queue EMAILS rows in one transaction, then time one drain to the local SMTP server.
  const items: NewNotification[] = Array.from({ length: EMAILS }, (_, i) => ({
    event: 'auth.password_reset',
    template: 'password_reset',
    to: { email: `r${i}@example.test` },
    payload: { recipient: { name: `R${i}` }, token: 't', confirmUrl: 'x', expiresInMinutes: 30 },
  }));
  await database.use((db) => db.transaction((tx) => enqueue(tx, systemClock, 'bench.test', items)));
  const mailer = createSmtpMailer(inbox.smtpUrl);
  const t0 = performance.now();
  const drained = await drainOutbox(
    {
      database,
      mailer,
      clock: systemClock,
      logger,
      mailFrom: config.mailFrom,
      appUrl: config.appUrl,
      maxAttempts: 3,
      retryBaseSeconds: 30,
    },
    600_000,
  );
  const seconds = (performance.now() - t0) / 1000;
  mailer.close();
  await database.close();

  console.log(
    `\nHTTP: ${CONCURRENCY} concurrent clients for ${SECONDS} s per route (same process as the server)\n`,
  );
  console.log(
    'route'.padEnd(44),
    'requests'.padStart(9),
    'errors'.padStart(7),
    'req/s'.padStart(7),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
  );
  for (const r of results) {
    console.log(
      r.name.padEnd(44),
      String(r.requests).padStart(9),
      String(r.errors).padStart(7),
      String(r.rps).padStart(7),
      String(r.p50).padStart(8),
      String(r.p99).padStart(8),
    );
  }
  console.log(
    `\nOutbox: ${drained.sent}/${EMAILS} emails rendered and delivered over SMTP in ${seconds.toFixed(2)} s ` +
      `(${Math.round(drained.sent / seconds)} emails/s, one dispatcher, batches of 25); inbox received ${inbox.messages().length}`,
  );
  const failed = results.some((r) => r.errors > 0) || drained.sent !== EMAILS;
  if (failed) {
    console.error('\nbench: some requests or emails failed');
    process.exitCode = 1;
  }
} finally {
  await inbox.stop();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
