import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, ticketEvents, tickets } from '../../db/schema/index.js';
import { freePort } from '../../scripts/lib/private-mariadb.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { makeAccount } from '../helpers/factories.js';
import { type Running, startEntry, waitForHttp } from '../helpers/node-process.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

// Three real Node processes (src/entry/node.ts) on one database and one SMTP relay, as several Render
// instances would run: requests spread over all three, every instance draining the outbox and sweeping
// for auto-close at once. Every email must go out exactly once, every ticket close exactly once.

const INSTANCES = 3;
const TICKETS = 30;
const SOLVED = 12;
const DAY = 86_400_000;

let tdb: TestDatabase;
let sink: SmtpSink;
const runs: Running[] = [];
const bases: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
/** The JSON log lines of instance `i` with the given message. */
const logged = (i: number, msg: string) =>
  runs[i]!.output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);

async function post(base: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  sink = await startSmtpSink();
  // A relay that takes a moment per message, so a batch lasts long enough for the other instances'
  // dispatchers to come round and compete for the remaining rows.
  sink.delayMs = 30;
  for (let i = 0; i < INSTANCES; i++) {
    const port = await freePort();
    bases.push(`http://127.0.0.1:${port}`);
    runs.push(
      startEntry({
        NODE_ENV: 'production',
        DATABASE_URL: tdb.url,
        SMTP_URL: sink.url,
        // One secret and one public URL (the token issuer) for all: a token from one instance is good
        // on the others, as behind a load balancer.
        JWT_SECRET: 'multi-instance-secret-that-is-32-bytes-long',
        APP_URL: 'https://helpdesk.example.test',
        PORT: String(port),
        OUTBOX_POLL_MS: '100',
        HOUSEKEEPING_INTERVAL_SECONDS: '1',
        BCRYPT_COST: '4',
        AUTH_RATE_LIMIT_PER_IP: '100000',
        AUTH_RATE_LIMIT_PER_EMAIL: '100000',
        LOG_LEVEL: 'info',
      }),
    );
  }
  await Promise.all(bases.map((b) => waitForHttp(`${b}/health`, 30_000)));
}, 60_000);

afterAll(async () => {
  for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await sink?.stop();
  await tdb?.drop();
});

describe('three Node instances on one database', () => {
  it('deliver every email once and close every ticket once, with one audit event per change', async () => {
    const accounts = await tdb.database.use(async (db) => ({
      users: await Promise.all([0, 1, 2].map(() => makeAccount(db, 'user'))),
      agents: await Promise.all([
        makeAccount(db, 'agent'),
        makeAccount(db, 'agent'),
        makeAccount(db, 'admin'),
      ]),
    }));
    const login = async (i: number, a: { email: string; password: string }) => {
      const res = await post(bases[i % INSTANCES]!, '/auth/login', { email: a.email, password: a.password });
      expect(res.status).toBe(200);
      return res.body.accessToken!;
    };
    const userTokens = await Promise.all(accounts.users.map((u, i) => login(i, u)));
    const agentToken = await login(1, accounts.agents[0]!);

    // 30 tickets at once, spread over the instances and the users.
    const created = await Promise.all(
      Array.from({ length: TICKETS }, (_, i) =>
        post(bases[i % INSTANCES]!, '/tickets', { subject: `Ticket ${i}`, body: 'Help.' }, userTokens[i % 3]),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(TICKETS).fill(201));
    const ids = created.map((r) => Number(r.body.id));

    const queued = () =>
      tdb.database.use(
        async (db) =>
          (await db.select().from(notifications).where(eq(notifications.status, 'queued'))).length === 0,
      );
    await until('the creation emails', queued);

    // An agent solves some of them (each instance takes its share), then they age past AUTO_CLOSE_DAYS.
    const solvedIds = ids.slice(0, SOLVED);
    const solved = await Promise.all(
      solvedIds.map((id, i) =>
        post(bases[i % INSTANCES]!, `/tickets/${id}/transitions`, { to: 'solved' }, agentToken),
      ),
    );
    expect(solved.map((r) => r.status)).toEqual(Array(SOLVED).fill(200));
    await tdb.database.use((db) =>
      db
        .update(tickets)
        .set({ solvedAt: new Date(Date.now() - 5 * DAY) })
        .where(inArray(tickets.id, solvedIds)),
    );
    // Every instance sweeps each second.
    await until('the auto-close sweeps', () =>
      tdb.database.use(async (db) =>
        (await db.select().from(tickets).where(inArray(tickets.id, solvedIds))).every(
          (t) => t.status === 'closed',
        ),
      ),
    );
    await until('the closing emails', queued);
    await sleep(1500); // one more sweep and poll by every instance: nothing may happen twice

    // Exactly once per email: what reached the relay is exactly the outbox, every row sent.
    const rows = await tdb.database.use((db) => db.select().from(notifications));
    // Per ticket: an acknowledgement and three staff emails; solving and closing each tell the requester.
    expect(rows).toHaveLength(TICKETS * 4 + SOLVED * 2);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    const delivered = sink.messages.map((m) => m.parsed.messageId);
    expect(delivered).toHaveLength(rows.length);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect([...delivered].sort()).toEqual(rows.map((r) => r.messageId).sort());

    // Exactly once per close, and one audit event per change.
    const events = await tdb.database.use((db) =>
      db.select().from(ticketEvents).where(inArray(ticketEvents.ticketId, ids)),
    );
    expect(events).toHaveLength(TICKETS + SOLVED * 2);
    for (const id of ids) {
      const mine = events
        .filter((e) => e.ticketId === id)
        .map((e) => [e.type, e.data?.to ?? null, e.actorId]);
      const agentId = accounts.agents[0]!.id;
      expect(mine, `ticket ${id}`).toEqual(
        solvedIds.includes(id)
          ? [
              ['ticket.created', null, expect.any(Number)],
              ['ticket.status_changed', 'solved', agentId],
              ['ticket.status_changed', 'closed', null],
            ]
          : [['ticket.created', null, expect.any(Number)]],
      );
    }

    // The three shared the work: each sent some of the emails, and together exactly all of them.
    const sentBy = runs.map((_, i) => logged(i, 'outbox drained').reduce((n, l) => n + Number(l.sent), 0));
    expect(sentBy.reduce((a, b) => a + b, 0)).toBe(rows.length);
    for (const [i, n] of sentBy.entries())
      expect(n, `instance ${i} sent ${sentBy.join('/')}`).toBeGreaterThan(0);
    const closedBy = runs.map((_, i) =>
      logged(i, 'auto-closed solved tickets').reduce((n, l) => n + Number(l.closed), 0),
    );
    expect(closedBy.reduce((a, b) => a + b, 0)).toBe(SOLVED);
  });

  it('each instance stops on SIGTERM and exits 0', async () => {
    for (const r of runs) r.child.kill('SIGTERM');
    expect(await Promise.all(runs.map((r) => r.exit))).toEqual(Array(INSTANCES).fill(0));
    for (const r of runs) expect(r.output()).toContain('shutdown complete');
  });
});
