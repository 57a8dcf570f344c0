import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, tickets } from '../../db/schema/index.js';
import { createPoolDatabase, type Database } from '../../src/database.js';
import { createLogger } from '../../src/logger.js';
import { startOutboxLoop } from '../../src/modules/notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../../src/modules/notifications/mailer.js';
import { createTestApp } from '../helpers/app.js';
import { login } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import {
  type FaultyDatabase,
  queueStatusEmails,
  sleep,
  startFaultyDatabase,
  summary,
  until,
} from './harness.js';

// The database stopped under load (issue 10 items 11 and 12): frozen with SIGSTOP, and killed with
// SIGKILL then restarted. Requests answer 503 + Retry-After within a few seconds, never 500 and never
// hang; every acknowledged write is in the database afterwards; the outbox sends every email exactly
// once even when "mark sent" fails after the relay accepted it.

let fdb: FaultyDatabase;
let database: Database;
let sink: SmtpSink;

beforeAll(async () => {
  fdb = await startFaultyDatabase();
  database = createPoolDatabase(fdb.url, {}, { connectionLimit: 10 });
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.stop();
  await database?.close();
  await fdb?.stop();
});

interface Outcome {
  status: number;
  ms: number;
  at: number;
  retryAfter: string | null;
  id?: string;
}

/** `workers` clients creating tickets back to back until `stop()`; every outcome recorded. */
function load(baseUrl: string, token: string, workers = 8) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const worker = async (w: number) => {
    for (let i = 0; !stopped; i++) {
      const started = Date.now();
      try {
        const res = await fetch(`${baseUrl}/api/v1/tickets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ subject: `Load ${w}-${i}`, body: 'Under fault.' }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await res.json()) as { id?: string };
        outcomes.push({
          status: res.status,
          ms: Date.now() - started,
          at: started,
          retryAfter: res.headers.get('retry-after'),
          id: body.id,
        });
        if (res.status === 503) await sleep(100);
      } catch {
        outcomes.push({ status: 0, ms: Date.now() - started, at: started, retryAfter: null });
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    outcomes,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

async function signedInApp() {
  const app = createTestApp(database);
  const account = await database.use((db) => makeAccount(db, 'user'));
  const { accessToken } = await login(app.http, account);
  const server = await app.listen();
  return { token: accessToken, ...server };
}

/** The checks every outage scenario shares; returns the figures for the summary line. */
async function judge(outcomes: Outcome[], recoveredFrom: number) {
  const statuses = new Set(outcomes.map((o) => o.status));
  const failed = outcomes.filter((o) => o.status !== 201 && o.status !== 503);
  expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
  expect(statuses.has(503)).toBe(true);
  expect(outcomes.filter((o) => o.status === 503 && o.retryAfter === null)).toEqual([]);
  const ids = outcomes.filter((o) => o.status === 201).map((o) => Number(o.id));
  const stored = await database.use((db) =>
    db.select({ id: tickets.id }).from(tickets).where(inArray(tickets.id, ids)),
  );
  expect(stored.length).toBe(ids.length);
  const firstOk = outcomes
    .filter((o) => o.status === 201 && o.at >= recoveredFrom)
    .sort((a, b) => a.at - b.at)[0];
  expect(firstOk).toBeDefined();
  return {
    requests: outcomes.length,
    acknowledged: ids.length,
    lost: ids.length - stored.length,
    status503: outcomes.filter((o) => o.status === 503).length,
    status500: 0,
    maxLatencyMs: Math.max(...outcomes.map((o) => o.ms)),
    recoveryMs: firstOk!.at + firstOk!.ms - recoveredFrom,
  };
}

describe('requests while the database is down', () => {
  it('frozen (SIGSTOP 8 s): 503 + Retry-After within a few seconds, no 500, no acknowledged write lost', async () => {
    const { token, baseUrl, close } = await signedInApp();
    const l = load(baseUrl, token);
    await sleep(1500);
    fdb.freeze();
    const frozenAt = Date.now();
    await sleep(8000);
    fdb.thaw();
    const thawedAt = Date.now();
    await sleep(4000);
    await l.stop();
    await close();
    const during = l.outcomes.filter((o) => o.at >= frozenAt && o.at < thawedAt);
    const figures = await judge(l.outcomes, thawedAt);
    // Before: every request waited out the whole freeze. Now the query timeout (5 s) or the pool's
    // acquire timeout (3 s) answers first.
    const maxDuring = Math.max(...during.map((o) => o.ms));
    expect(maxDuring).toBeLessThan(7000);
    summary('database SIGSTOP 8s', { ...figures, maxLatencyDuringFreezeMs: maxDuring });
  });

  it('killed (SIGKILL) and restarted: 503 + Retry-After meanwhile, no 500, no acknowledged write lost', async () => {
    const { token, baseUrl, close } = await signedInApp();
    const l = load(baseUrl, token);
    await sleep(1500);
    await fdb.crash(3000);
    const restartedAt = Date.now();
    await sleep(4000);
    await l.stop();
    await close();
    const figures = await judge(l.outcomes, restartedAt);
    expect(figures.maxLatencyMs).toBeLessThan(7000);
    summary('database SIGKILL+restart', figures);
  });
});

describe('the outbox while the database fails between "relay accepted" and "mark sent"', () => {
  const queue = (count: number, tag: string) => queueStatusEmails(database, count, tag);

  it.each([
    [
      'frozen for 4 s',
      async (f: FaultyDatabase) => {
        f.freeze();
        await sleep(4000);
        f.thaw();
      },
    ],
    ['killed and restarted', (f: FaultyDatabase) => f.crash(2000)],
  ])('%s: every email is delivered once, without waiting out a lease', async (label, fault) => {
    const tag = label.startsWith('frozen') ? 'blip-freeze' : 'blip-kill';
    const COUNT = 24;
    await queue(COUNT, tag);
    const real: Mailer = createSmtpMailer(sink.url);
    let accepted = 0;
    let outage: Promise<void> | undefined;
    const mailer: Mailer = {
      async send(email) {
        await real.send(email);
        // The database fails right after the relay accepted the 5th email, before it is marked sent.
        if (++accepted === 5) outage = fault(fdb);
      },
      close: () => real.close(),
    };
    const started = Date.now();
    const loop = startOutboxLoop(
      {
        database,
        mailer,
        clock: { now: () => new Date() },
        logger: createLogger({ level: 'silent' }),
        mailFrom: 'Helpdesk <help@helpdesk.test>',
        appUrl: 'https://helpdesk.test',
        maxAgeSeconds: 86_400,
        retryBaseSeconds: 1,
      },
      200,
    );
    const mine = () => sink.messages.filter((m) => m.envelopeTo.some((a) => a.startsWith(`${tag}-`)));
    try {
      await until(
        'every email delivered',
        () => new Set(mine().map((m) => m.envelopeTo[0])).size === COUNT,
        90_000,
      );
      await outage;
      await until(
        'every row marked sent',
        async () =>
          (
            await database
              .use((db) =>
                db.select({ to: notifications.recipient, status: notifications.status }).from(notifications),
              )
              .catch(() => [])
          ).filter((r) => r.status === 'sent' && r.to.startsWith(`${tag}-`)).length === COUNT,
        30_000,
      );
    } finally {
      await loop.stop();
      mailer.close();
    }
    const deliveredMs = Date.now() - started;
    const duplicates = mine().length - COUNT;
    // Before: the batch aborted, its rows waited out a 5-minute lease and the accepted ones went out again.
    expect(duplicates).toBe(0);
    expect(deliveredMs).toBeLessThan(60_000);
    summary(`outbox database ${label}`, { emails: COUNT, duplicates, allDeliveredMs: deliveredMs });
  });
});
