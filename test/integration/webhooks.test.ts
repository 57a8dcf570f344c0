import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { eq, sql } from 'drizzle-orm';
import { Webhook as Verifier } from 'standardwebhooks';
import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { users, webhookDeliveries, webhooks } from '../../db/schema/index.js';
import { createApp } from '../../src/app.js';
import type { Database } from '../../src/database.js';
import type { AppDeps } from '../../src/deps.js';
import { hardenServer } from '../../src/http/node-server.js';
import { createLogger } from '../../src/logger.js';
import { drainOutbox } from '../../src/modules/notifications/dispatcher.js';
import { createSmtpMailer } from '../../src/modules/notifications/mailer.js';
import {
  drainWebhooks,
  type WebhookDispatcherDeps,
  type WebhookTransport,
  webhookSettings,
} from '../../src/modules/webhooks/index.js';
import { nodeTransport } from '../../src/modules/webhooks/node-transport.js';
import { TestClock, testConfig } from '../helpers/app.js';
import { expectProblem, login, type SignedIn } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { makeAccount } from '../helpers/factories.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// Webhooks end to end: admins subscribe, ticket changes queue deliveries in their transaction, the real
// dispatcher signs and POSTs them to a real HTTP receiver on 127.0.0.1 that verifies every signature with
// `standardwebhooks`, and answers 200, 500, 302, 10 MB or nothing, as each test needs.

const OVERRIDES = {
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_TIMEOUT: '1s',
  WEBHOOK_RETRY_BASE_SECONDS: '60',
  WEBHOOK_DISABLE_AFTER: '2',
  LOG_LEVEL: 'debug',
};

let db: TestDatabase;
let deps: AppDeps;
let http: ReturnType<typeof supertest>;
let server: Server;
let clock: TestClock;
/** The dispatcher's clock, moved forward to reach retries and the 24 h limit (the app's stays, so tokens live). */
let later = new TestClock();
let receiver: WebhookReceiver;
let sink: SmtpSink;
const logLines: string[] = [];
/** Every response body and header the tests saw after a webhook's creation. */
const seen: string[] = [];
const secrets: string[] = [];
let admin: SignedIn;
let agent: SignedIn;
let user: SignedIn;

beforeAll(async () => {
  db = await createTestDatabase();
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
  clock = new TestClock();
  const config = testConfig({ ...OVERRIDES, SMTP_URL: sink.url });
  const logger = createLogger({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });
  deps = { config, database: db.database, clock, logger, webhookTransport: nodeTransport() };
  server = createAdaptorServer({ fetch: createApp(deps).fetch }) as Server;
  hardenServer(server, config.server);
  http = supertest(server);
  const signIn = async (role: 'admin' | 'agent' | 'user') =>
    login(http, await db.database.use((d) => makeAccount(d, role)));
  [admin, agent, user] = await Promise.all([signIn('admin'), signIn('agent'), signIn('user')]);
});
afterAll(async () => {
  await receiver?.close();
  await sink?.stop();
  await db?.drop();
});
beforeEach(async () => {
  // Each test owns its webhooks: the dispatcher would otherwise deliver an earlier test's leftovers.
  await db.database.use((d) => d.delete(webhooks));
  receiver.received.length = 0;
  receiver.modes.clear();
  later = new TestClock();
});

const bearer = (s: SignedIn) => ['Authorization', `Bearer ${s.accessToken}`] as const;
function record(res: supertest.Response) {
  seen.push(`${JSON.stringify(res.headers)}\n${res.text}`);
  return res;
}
const api = {
  get: async (path: string, s: SignedIn = admin) =>
    record(await http.get(`/api/v1${path}`).set(...bearer(s))),
  post: async (path: string, body?: object, s: SignedIn = admin) => {
    const req = http.post(`/api/v1${path}`).set(...bearer(s));
    return record(await (body ? req.send(body) : req));
  },
  patch: async (path: string, body: object, s: SignedIn = admin) =>
    record(
      await http
        .patch(`/api/v1${path}`)
        .set(...bearer(s))
        .send(body),
    ),
  delete: async (path: string, s: SignedIn = admin) =>
    record(await http.delete(`/api/v1${path}`).set(...bearer(s))),
};

/** Subscribes `path` on the receiver; returns the webhook id and its secret. */
async function subscribe(path: string, events: string[] = ['*']) {
  const res = await http
    .post('/api/v1/webhooks')
    .set(...bearer(admin))
    .send({ url: `${receiver.base}${path}`, events, description: `receiver ${path}` });
  expect(res.status, res.text).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  secrets.push(res.body.secret, res.body.secret.slice('whsec_'.length));
  return { id: res.body.id as string, secret: res.body.secret as string };
}

function dispatcher(over: Partial<WebhookDispatcherDeps> = {}): WebhookDispatcherDeps {
  return {
    database: db.database,
    clock: later,
    logger: deps.logger,
    transport: nodeTransport(),
    ...webhookSettings(deps.config),
    random: () => 0.5,
    ...over,
  };
}
const drain = (over: Partial<WebhookDispatcherDeps> = {}) => drainWebhooks(dispatcher(over));

async function raiseTicket(subject = 'Printer on fire'): Promise<string> {
  const res = await http
    .post('/api/v1/tickets')
    .set(...bearer(user))
    .send({ subject, body: 'It burns.' });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}
async function setPriority(ticketId: string, priority: string) {
  const res = await http
    .patch(`/api/v1/tickets/${ticketId}`)
    .set(...bearer(admin))
    .send({ priority });
  expect(res.status, res.text).toBe(200);
}
const deliveryRows = (webhookId: string) =>
  db.database.use((d) =>
    d
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, Number(webhookId)))
      .orderBy(webhookDeliveries.id),
  );

describe('subscribing', () => {
  it('creates a webhook whose secret is shown once, never listed, and audited without the secret', async () => {
    const { id, secret } = await subscribe('/crm', [
      'ticket.status_changed',
      'ticket.created',
      'ticket.created',
    ]);
    const one = await api.get(`/webhooks/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id,
      url: `${receiver.base}/crm`,
      events: ['ticket.created', 'ticket.status_changed'],
      description: 'receiver /crm',
      active: true,
    });
    expect(one.body).not.toHaveProperty('secret');
    const list = await api.get('/webhooks');
    expect(list.body.data.map((w: { id: string }) => w.id)).toContain(id);
    const patched = await api.patch(`/webhooks/${id}`, { events: ['*'], description: null, active: false });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ events: ['*'], description: null, active: false });
    const del = await api.delete(`/webhooks/${id}`);
    expect(del.status).toBe(204);
    expect((await api.get(`/webhooks/${id}`)).status).toBe(404);

    const audit = await api.get(`/audit-log?targetType=webhook&targetId=${id}`);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'webhook.deleted',
      'webhook.updated',
      'webhook.created',
    ]);
    expect(audit.body.data.at(-1).changes.secret).toEqual({ changed: true });
    expect(audit.text).not.toContain(secret.slice(6));
    // At rest, encrypted: the column holds neither the secret nor its bytes in base64.
    const rows = await db.database.use((d) => d.execute(sql`SELECT secret_encrypted FROM webhooks`));
    expect(JSON.stringify(rows)).not.toContain(secret.slice(6, 20));
  });

  it('an Idempotency-Key replay of the create answers the webhook without its secret, and stores none', async () => {
    const create = () =>
      http
        .post('/api/v1/webhooks')
        .set(...bearer(admin))
        .set('Idempotency-Key', 'webhook-replay-1')
        .send({ url: `${receiver.base}/replayed`, events: ['*'] });
    const first = await create();
    expect(first.status, first.text).toBe(201);
    secrets.push(first.body.secret, first.body.secret.slice('whsec_'.length));
    const replay = record(await create());
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.body).not.toHaveProperty('secret');
    const stored = await db.database.use((d) => d.execute(sql`SELECT body FROM idempotency_keys`));
    expect(JSON.stringify(stored)).not.toContain(first.body.secret.slice(6, 20));
    await api.delete(`/webhooks/${first.body.id}`);
  });

  it('refuses bad input with 422 and a code', async () => {
    const bad = async (body: object, code: string) =>
      expectProblem(await api.post('/webhooks', body), 422, code);
    await bad({ url: 'ftp://example.com/x', events: ['*'] }, 'invalid_url');
    await bad({ url: 'https://user:pw@example.com/x', events: ['*'] }, 'invalid_url');
    await bad({ url: `https://example.com/${'a'.repeat(2000)}`, events: ['*'] }, 'invalid_url');
    await bad({ url: 'not a url', events: ['*'] }, 'invalid_url');
    await bad({ url: 'https://example.com/\u0000x', events: ['*'] }, 'invalid_url');
    await bad({ url: 'https://example.com/x', events: ['ticket.exploded'] }, 'validation_failed');
    await bad({ url: 'https://example.com/x', events: [] }, 'validation_failed');
    await bad({ url: 'https://example.com/x', events: ['*'], secret: 'mine' }, 'validation_failed');
  });

  it('is for admins only: agents and users get 403 on every route, unknown ids 404', async () => {
    const { id } = await subscribe('/private');
    for (const s of [agent, user]) {
      expectProblem(
        await api.post('/webhooks', { url: `${receiver.base}/x`, events: ['*'] }, s),
        403,
        'forbidden',
      );
      expectProblem(await api.get('/webhooks', s), 403, 'forbidden');
      expectProblem(await api.get(`/webhooks/${id}`, s), 403, 'forbidden');
      expectProblem(await api.patch(`/webhooks/${id}`, { active: false }, s), 403, 'forbidden');
      expectProblem(await api.delete(`/webhooks/${id}`, s), 403, 'forbidden');
      expectProblem(await api.post(`/webhooks/${id}/test`, undefined, s), 403, 'forbidden');
      expectProblem(await api.get(`/webhooks/${id}/deliveries`, s), 403, 'forbidden');
      expectProblem(await api.post(`/webhooks/${id}/deliveries/1/retry`, undefined, s), 403, 'forbidden');
    }
    expect((await api.get(`/webhooks/${id}`)).body.active).toBe(true);
    expectProblem(await api.get('/webhooks/999999'), 404, 'not_found');
    expectProblem(await api.post('/webhooks/999999/test'), 404, 'not_found');
    expectProblem(await api.get('/webhooks/999999/deliveries'), 404, 'not_found');
  });
});

describe('delivery', () => {
  it('POSTs each subscribed event, signed per Standard Webhooks, with the change feed’s Event as data', async () => {
    const all = await subscribe('/all');
    const statusOnly = await subscribe('/status', ['ticket.priority_changed']);
    const ticketId = await raiseTicket();
    await setPriority(ticketId, 'high');
    const result = await drain();
    expect(result).toMatchObject({ claimed: 3, succeeded: 3 });
    const got = await receiver.waitFor(2, '/all');
    const verifier = new Verifier(all.secret);
    const bodies = got.map((r) => {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      // Throws unless the signature is the HMAC of "{id}.{timestamp}.{body}" under this secret.
      return verifier.verify(r.body, r.headers as Record<string, string>) as {
        type: string;
        timestamp: string;
        data: Record<string, unknown>;
      };
    });
    expect(bodies.map((b) => b.type)).toEqual(['ticket.created', 'ticket.priority_changed']);
    expect(bodies[0]!.data).toMatchObject({
      type: 'ticket.created',
      ticketId,
      actor: { type: 'user', id: String(user.user.id), role: 'user' },
      data: { subject: 'Printer on fire', priority: 'normal' },
      internal: false,
    });
    expect(bodies[1]!.data).toMatchObject({
      type: 'ticket.priority_changed',
      actor: { type: 'user', role: 'admin' },
      data: { from: 'normal', to: 'high' },
    });
    // The same Event as the change feed serves.
    const feed = await api.get(`/events?ticketId=${ticketId}`);
    expect(bodies.map((b) => b.data)).toEqual(feed.body.data);
    // Another webhook's secret does not verify it.
    expect(() =>
      new Verifier(statusOnly.secret).verify(got[0]!.body, got[0]!.headers as Record<string, string>),
    ).toThrow();
    const only = await receiver.waitFor(1, '/status');
    expect(JSON.parse(only[0]!.body).type).toBe('ticket.priority_changed');
    // webhook-id is the delivery id, which the delivery log shows as succeeded.
    const log = await api.get(`/webhooks/${all.id}/deliveries`);
    expect(log.body.data.map((d: { id: string }) => d.id)).toEqual(
      [...got].reverse().map((r) => r.headers['webhook-id']),
    );
    expect(log.body.data[0]).toMatchObject({
      type: 'ticket.priority_changed',
      status: 'succeeded',
      attempts: 1,
      responseStatus: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(log.body.data[1].eventId).toBe(bodies[0]!.data.id);
  });

  it('queues nothing for a rolled-back change, nor for a paused webhook', async () => {
    const paused = await subscribe('/paused');
    await api.patch(`/webhooks/${paused.id}`, { active: false });
    const ticketId = await raiseTicket();
    // A stale If-Match: 412, the change and its deliveries roll back together.
    const res = await http
      .patch(`/api/v1/tickets/${ticketId}`)
      .set(...bearer(admin))
      .set('If-Match', '"99"')
      .send({ priority: 'low' });
    expect(res.status).toBe(412);
    expect(await deliveryRows(paused.id)).toEqual([]);
  });

  it('sends a webhook’s deliveries strictly in order, even with many lanes and a failure in between', async () => {
    const hook = await subscribe('/ordered');
    const ticketId = await raiseTicket();
    receiver.modes.set('/ordered', 'fail');
    for (const p of ['high', 'low', 'urgent', 'normal']) await setPriority(ticketId, p);
    // The first (ticket.created) fails: nothing behind it may overtake it.
    await drain({ settings: { ...deps.config.webhooks, concurrency: 8 } });
    expect(receiver.received).toHaveLength(1);
    receiver.modes.set('/ordered', 'ok');
    later.advance(120_000);
    await drain({ settings: { ...deps.config.webhooks, concurrency: 8 } });
    const got = await receiver.waitFor(6, '/ordered');
    const events = got.map(
      (r) => JSON.parse(r.body) as { type: string; data: { id: string; data: { to?: string } } },
    );
    expect(events[0]!.type).toBe('ticket.created');
    expect(events[1]!.type).toBe('ticket.created');
    expect(events.slice(2).map((e) => e.data.data.to)).toEqual(['high', 'low', 'urgent', 'normal']);
    const ids = events.slice(1).map((e) => Number(e.data.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // One webhook-id across the retry.
    expect(got[0]!.headers['webhook-id']).toBe(got[1]!.headers['webhook-id']);
    expect((await deliveryRows(hook.id)).map((d) => d.status)).toEqual(Array(5).fill('succeeded'));
  });

  it('retries a 500 with backoff and jitter, then delivers', async () => {
    const hook = await subscribe('/flaky');
    receiver.modes.set('/flaky', 'fail');
    await raiseTicket();
    const before = later.now().getTime();
    expect(await drain()).toMatchObject({ claimed: 1, retried: 1 });
    let [row] = await deliveryRows(hook.id);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, responseStatus: 500 });
    expect(row!.lastError).toBe('HTTP 500: receiver exploded');
    // base 60 s, first retry: 60 s jittered into [30 s, 60 s]; random() = 0.5 → 45 s.
    const wait = row!.nextAttemptAt.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(45_000);
    expect(wait).toBeLessThan(47_000);
    expect(await drain()).toMatchObject({ claimed: 0 });
    later.advance(46_000);
    expect(await drain()).toMatchObject({ claimed: 1, retried: 1 });
    [row] = await deliveryRows(hook.id);
    // Second retry: 120 s · 0.75.
    expect(row!.nextAttemptAt.getTime() - later.now().getTime()).toBeGreaterThan(85_000);
    receiver.modes.set('/flaky', 'ok');
    later.advance(91_000);
    expect(await drain()).toMatchObject({ claimed: 1, succeeded: 1 });
    [row] = await deliveryRows(hook.id);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 3, responseStatus: 200, lastError: null });
    expect(receiver.received).toHaveLength(3);
  });

  it('does not follow a redirect, and reads no more than the start of a 10 MB answer', async () => {
    const redirect = await subscribe('/redirect');
    const big = await subscribe('/big');
    receiver.modes.set('/redirect', 'redirect');
    receiver.modes.set('/big', 'big');
    await raiseTicket();
    await drain();
    const [r] = await deliveryRows(redirect.id);
    expect(r).toMatchObject({ status: 'queued', responseStatus: 302 });
    expect(r!.lastError).toBe('HTTP 302 (redirects are not followed)');
    expect(receiver.received.filter((x) => x.path !== '/redirect' && x.path !== '/big')).toEqual([]);
    const [b] = await deliveryRows(big.id);
    expect(b).toMatchObject({ status: 'succeeded', responseStatus: 200 });
    const answer = await nodeTransport().post({
      url: new URL(`${receiver.base}/big`),
      address: '127.0.0.1',
      headers: {},
      body: '{}',
      timeoutMs: 5000,
      maxResponseBytes: 4096,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(4096);
  });

  it('a receiver that never answers times out without holding up other webhooks', async () => {
    const hang = await subscribe('/hang');
    const fine = await subscribe('/fine');
    receiver.modes.set('/hang', 'hang');
    await raiseTicket();
    await raiseTicket();
    const started = Date.now();
    const result = await drain();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ succeeded: 2, retried: 1 });
    expect((await deliveryRows(fine.id)).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    const [h] = await deliveryRows(hang.id);
    expect(h).toMatchObject({ status: 'queued', responseStatus: null });
    expect(h!.lastError).toMatch(/timed out after 1 s/);
  });

  it('fails a delivery after 24 h, disables the webhook after 2 failed deliveries and emails the admins', async () => {
    const hook = await subscribe('/dead');
    receiver.modes.set('/dead', 'fail');
    await raiseTicket();
    await raiseTicket();
    const day = 24 * 3600_000;
    await drain();
    later.advance(day + 1000);
    // The first delivery's retries run out; the second, queued a day ago too, fails on its first attempt
    // (it waited its turn), and two failed deliveries in a row disable the webhook.
    expect(await drain()).toMatchObject({ claimed: 2, failed: 2, disabled: 1 });
    const rows = await deliveryRows(hook.id);
    expect(rows.map((d) => d.attempts)).toEqual([2, 1]);
    expect(rows.map((d) => d.status)).toEqual(['failed', 'failed']);
    const w = await api.get(`/webhooks/${hook.id}`);
    expect(w.body).toMatchObject({ active: false, disabledReason: '2 consecutive deliveries failed' });
    expect(w.body.disabledAt).not.toBeNull();
    // A disabled webhook gets no new deliveries.
    await raiseTicket();
    expect(await deliveryRows(hook.id)).toHaveLength(2);

    const mailer = createSmtpMailer(sink.url);
    try {
      await drainOutbox({
        database: db.database,
        mailer,
        clock: later,
        logger: deps.logger,
        mailFrom: deps.config.mailFrom,
        appUrl: deps.config.appUrl,
        maxAgeSeconds: 3 * day,
        retryBaseSeconds: 30,
      });
    } finally {
      mailer.close();
    }
    const adminEmail = (
      await db.database.use((d) =>
        d
          .select()
          .from(users)
          .where(eq(users.id, Number(admin.user.id))),
      )
    )[0]!.email;
    const [mail] = await sink.waitFor(
      (m) => m.envelopeTo.includes(adminEmail) && /Webhook disabled/.test(m.parsed.subject ?? ''),
    );
    expect(mail!.parsed.text).toContain(`${receiver.base}/dead`);
    expect(mail!.parsed.text).toContain('HTTP 500');
    const userEmail = (
      await db.database.use((d) =>
        d
          .select()
          .from(users)
          .where(eq(users.id, Number(user.user.id))),
      )
    )[0]!.email;
    expect(
      sink.messages.some((m) => m.envelopeTo.includes(userEmail) && /Webhook/.test(m.parsed.subject ?? '')),
    ).toBe(false);

    // Re-enabling clears the disable; a manual retry sends a failed delivery again, now.
    const re = await api.patch(`/webhooks/${hook.id}`, { active: true });
    expect(re.body).toMatchObject({ active: true, disabledAt: null, disabledReason: null });
    receiver.modes.set('/dead', 'ok');
    const retry = await api.post(`/webhooks/${hook.id}/deliveries/${rows[0]!.id}/retry`);
    expect(retry.status, retry.text).toBe(202);
    expect(retry.body).toEqual({ deliveryId: String(rows[0]!.id), status: 'queued' });
    expect(await drain()).toMatchObject({ succeeded: 1 });
    expect((await deliveryRows(hook.id)).map((d) => d.status)).toEqual(['succeeded', 'failed']);
  });
});

describe('the test event, the delivery log and retries', () => {
  it('sends webhook.test, pages the log newest first, and retries only its own deliveries', async () => {
    const hook = await subscribe('/log');
    const other = await subscribe('/other');
    const res = await api.post(`/webhooks/${hook.id}/test`);
    expect(res.status, res.text).toBe(202);
    await drain();
    const [got] = await receiver.waitFor(1, '/log');
    const body = new Verifier(hook.secret).verify(got!.body, got!.headers as Record<string, string>) as {
      type: string;
      data: { webhookId: string };
    };
    expect(body.type).toBe('webhook.test');
    expect(body.data.webhookId).toBe(hook.id);
    expect(got!.headers['webhook-id']).toBe(res.body.deliveryId);
    for (let i = 0; i < 4; i++) await api.post(`/webhooks/${hook.id}/test`);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(
        `/webhooks/${hook.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status, page.text).toBe(200);
      ids.push(...page.body.data.map((d: { id: string }) => d.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(5);
    expect(ids).toEqual([...ids].sort((a, b) => Number(b) - Number(a)));
    expect(ids.at(-1)).toBe(res.body.deliveryId);
    expectProblem(await api.get(`/webhooks/${hook.id}/deliveries?cursor=%%%`), 400, 'invalid_cursor');
    // Another webhook's delivery id under this webhook: 404.
    expectProblem(await api.post(`/webhooks/${other.id}/deliveries/${ids[0]}/retry`), 404, 'not_found');
    expect((await api.get(`/webhooks/${other.id}/deliveries`)).body.data).toEqual([]);
  });
});

describe('SSRF', () => {
  /** A resolver as a test DNS: names to addresses. */
  const dns: Record<string, string[]> = {
    'rebind.test': ['127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'mixed.test': ['93.184.216.34', '10.0.0.7'],
    'v6local.test': ['fd00:ec2::254'],
    'public.test': ['93.184.216.34'],
  };
  const testDns: WebhookTransport = {
    resolve: async (host) => dns[host] ?? [],
    post: () => Promise.reject(new Error('no network in this test')),
  };
  let strict: ReturnType<typeof supertest>;
  beforeAll(() => {
    const config = testConfig({ ...OVERRIDES, WEBHOOK_ALLOW_PRIVATE_URLS: 'false' });
    strict = supertest(
      createAdaptorServer({ fetch: createApp({ ...deps, config, webhookTransport: testDns }).fetch }),
    );
  });

  it('refuses URLs that lead to loopback, private, link-local, metadata or unspecified addresses', async () => {
    const refused = [
      'http://127.0.0.1:8080/x',
      'http://localhost:8080/x',
      'http://api.localhost/x',
      'http://rebind.test/x',
      'http://metadata.test/latest',
      'http://mixed.test/x',
      'http://v6local.test/x',
      'http://nowhere.test/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:10.1.2.3]/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[fe80::1]/',
    ];
    for (const url of refused) {
      const res = await strict
        .post('/api/v1/webhooks')
        .set(...bearer(admin))
        .send({ url, events: ['*'] });
      expect(res.status, `${url}: ${res.text}`).toBe(422);
      expect(res.body.code, url).toBe('url_not_allowed');
    }
    const ok = await strict
      .post('/api/v1/webhooks')
      .set(...bearer(admin))
      .send({ url: 'https://public.test/hook', events: ['*'] });
    expect(ok.status, ok.text).toBe(201);
    secrets.push(ok.body.secret);
    const literal = await strict
      .post('/api/v1/webhooks')
      .set(...bearer(admin))
      .send({ url: 'https://93.184.216.34/hook', events: ['*'] });
    expect(literal.status, literal.text).toBe(201);
    secrets.push(literal.body.secret);
    const patched = await strict
      .patch(`/api/v1/webhooks/${ok.body.id}`)
      .set(...bearer(admin))
      .send({ url: 'http://rebind.test/x' });
    expectProblem(patched, 422, 'url_not_allowed');
  });

  it('checks again before every attempt: a URL that now leads somewhere private is not sent to', async () => {
    const hook = await subscribe('/was-allowed');
    await raiseTicket();
    const strictSettings = { ...deps.config.webhooks, allowPrivateUrls: false };
    expect(await drain({ settings: strictSettings })).toMatchObject({ claimed: 1, retried: 1 });
    expect(receiver.received).toEqual([]);
    const [row] = await deliveryRows(hook.id);
    expect(row!.lastError).toMatch(/^url_not_allowed: The address 127\.0\.0\.1 is not a public address/);
  });

  it('connects to the address it checked, not to what a second lookup would say (DNS rebinding)', async () => {
    // A name that resolved to a public address at check time and to 127.0.0.1 later: the Node transport
    // connects to the checked address (here the receiver's, standing in for a public one) without asking
    // DNS again, so the name in the URL is never looked up by the HTTP client at all.
    const answer = await nodeTransport().post({
      url: new URL(`http://rebind.invalid:${new URL(receiver.base).port}/pinned`),
      address: '127.0.0.1',
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      maxResponseBytes: 100,
    });
    expect(answer.status).toBe(200);
    expect(receiver.received.map((r) => [r.path, r.headers.host])).toEqual([
      ['/pinned', `rebind.invalid:${new URL(receiver.base).port}`],
    ]);
  });
});

describe('concurrency', () => {
  it('a deadlock on writing a delivery’s outcome runs that write again: no stall until the lease expires', async () => {
    const hook = await subscribe('/deadlock');
    await raiseTicket('Deadlock victim');
    // The first `succeeded` write fails as InnoDB fails a deadlock victim (errno 1213); the rest go through.
    let armed = true;
    const victim = Object.assign(
      new Error('Deadlock found when trying to get lock; try restarting transaction'),
      {
        errno: 1213,
        code: 'ER_LOCK_DEADLOCK',
      },
    );
    const faulty: Database = {
      ping: (ms) => db.database.ping(ms),
      close: () => db.database.close(),
      use: (fn) =>
        db.database.use((real) =>
          fn(
            new Proxy(real, {
              get(target, prop, receiver) {
                if (prop !== 'update') return Reflect.get(target, prop, receiver);
                return (table: typeof webhookDeliveries) => {
                  const builder = target.update(table);
                  if (table !== webhookDeliveries) return builder;
                  return {
                    set: (values: { status?: string }) => {
                      if (armed && values.status === 'succeeded') {
                        armed = false;
                        return { where: () => Promise.reject(victim) };
                      }
                      return builder.set(values as never);
                    },
                  };
                };
              },
            }),
          ),
        ),
    };
    const result = await drain({ database: faulty });
    expect(armed).toBe(false); // the fault fired
    expect(result).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(await receiver.waitFor(1, '/deadlock')).toHaveLength(1);
    expect((await deliveryRows(hook.id)).map((d) => [d.status, d.attempts])).toEqual([['succeeded', 1]]);
  });

  it('two dispatchers never send the same delivery twice', async () => {
    const hooks = await Promise.all(['/c1', '/c2', '/c3', '/c4', '/c5', '/c6'].map((p) => subscribe(p)));
    for (let i = 0; i < 5; i++) await raiseTicket(`Concurrent ${i}`);
    const [a, b] = await Promise.all([drain(), drain()]);
    expect(a.claimed + b.claimed).toBe(30);
    const got = await receiver.waitFor(30);
    const ids = got.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(30);
    for (const h of hooks)
      expect((await deliveryRows(h.id)).every((d) => d.status === 'succeeded' && d.attempts === 1)).toBe(
        true,
      );
  });
});

describe('secrets', () => {
  it('no webhook secret appears in any response after creation, nor in the logs', () => {
    expect(secrets.length).toBeGreaterThan(10);
    const responses = seen.join('\n');
    const logs = logLines.join('');
    expect(logs).toContain('webhook delivery'); // the dispatcher did log
    for (const s of secrets) {
      expect(responses).not.toContain(s);
      expect(logs).not.toContain(s);
    }
  });
});
