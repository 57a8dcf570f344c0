import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { and, desc, eq } from 'drizzle-orm';
import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY_SCOPES,
  type ApiKeyScope,
  adminAuditLog,
  apiKeys,
  notifications,
  users,
} from '../../db/schema/index.js';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, uniqueEmail } from '../helpers/auth.js';
import { label, ROUTES, type Route } from '../helpers/routes.js';

// What an API key may do: each scope allows exactly its routes; keys act with staff visibility, name
// themselves on events, messages and audit rows, and raise tickets for customers by address.

const env = useTestApp();
let admin: Actor;
let agent: Actor;
let user: Actor;
/** One key per scope, and their keys' secrets. */
const keys = {} as Record<ApiKeyScope, { id: string; key: string; name: string }>;
const secrets: string[] = [];

const bearer = (key: string): [string, string] => ['Authorization', `Bearer ${key}`];
async function makeKey(scopes: string[], name = scopes.join(' ')) {
  const res = await env.app.http
    .post('/api/v1/api-keys')
    .set(...admin.auth)
    .send({ name, scopes });
  expect(res.status, res.text).toBe(201);
  secrets.push(res.body.key);
  return res.body as { id: string; key: string; name: string };
}

beforeAll(async () => {
  admin = await signIn(env.app.http, env.db.database, 'admin');
  agent = await signIn(env.app.http, env.db.database, 'agent');
  user = await signIn(env.app.http, env.db.database, 'user');
  for (const scope of API_KEY_SCOPES) keys[scope] = await makeKey([scope]);
});

/**
 * Which scopes allow each authenticated route (a write scope includes its read). `person` routes are a
 * signed-in person's own account: no key may use them (403 `forbidden`, not a missing scope).
 */
const TICKETS_READ: ApiKeyScope[] = ['tickets:read', 'tickets:write'];
const TICKETS_WRITE: ApiKeyScope[] = ['tickets:write'];
const USERS_READ: ApiKeyScope[] = ['users:read', 'users:write'];
const PERSON = 'person' as const;
const ALLOWED: Record<string, ApiKeyScope[] | typeof PERSON> = {
  'POST /api/v1/auth/logout-all': PERSON,
  'GET /api/v1/auth/sessions': PERSON,
  'DELETE /api/v1/auth/sessions/{id}': PERSON,
  'POST /api/v1/auth/password': PERSON,
  'GET /api/v1/me': PERSON,
  'PATCH /api/v1/me': PERSON,
  'POST /api/v1/auth/verify-email/resend': PERSON,
  'GET /api/v1/users': USERS_READ,
  'GET /api/v1/users/{id}': USERS_READ,
  'POST /api/v1/users': ['users:write'],
  'PATCH /api/v1/users/{id}': ['users:write'],
  'POST /api/v1/tickets': TICKETS_WRITE,
  'GET /api/v1/tickets': TICKETS_READ,
  'GET /api/v1/tickets/{id}': TICKETS_READ,
  'PATCH /api/v1/tickets/{id}': TICKETS_WRITE,
  'GET /api/v1/tickets/{id}/transitions': TICKETS_READ,
  'POST /api/v1/tickets/{id}/transitions': TICKETS_WRITE,
  'GET /api/v1/tickets/{id}/messages': TICKETS_READ,
  'POST /api/v1/tickets/{id}/messages': TICKETS_WRITE,
  'GET /api/v1/tickets/{id}/events': TICKETS_READ,
  'GET /api/v1/tickets/{id}/notifications': TICKETS_READ,
  'POST /api/v1/notifications/{id}/requeue': TICKETS_WRITE,
  'GET /api/v1/events': ['events:read'],
  'GET /api/v1/tickets/export': TICKETS_READ,
  'GET /api/v1/reports/summary': ['reports:read'],
  'GET /api/v1/reports/timeseries': ['reports:read'],
  'GET /api/v1/audit-log': [],
  'POST /api/v1/api-keys': [],
  'GET /api/v1/api-keys': [],
  'DELETE /api/v1/api-keys/{id}': [],
  'POST /api/v1/webhooks': ['webhooks:manage'],
  'GET /api/v1/webhooks': ['webhooks:manage'],
  'GET /api/v1/webhooks/{id}': ['webhooks:manage'],
  'PATCH /api/v1/webhooks/{id}': ['webhooks:manage'],
  'DELETE /api/v1/webhooks/{id}': ['webhooks:manage'],
  'POST /api/v1/webhooks/{id}/test': ['webhooks:manage'],
  'GET /api/v1/webhooks/{id}/deliveries': ['webhooks:manage'],
  'POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry': ['webhooks:manage'],
  'GET /api/v1/groups': TICKETS_READ,
  'GET /api/v1/groups/{id}': TICKETS_READ,
  'POST /api/v1/groups': [],
  'PATCH /api/v1/groups/{id}': [],
  'DELETE /api/v1/groups/{id}': [],
  'GET /api/v1/business-hours': TICKETS_READ,
  'PUT /api/v1/business-hours': [],
  'GET /api/v1/sla-policies': TICKETS_READ,
  'GET /api/v1/sla-policies/{id}': TICKETS_READ,
  'POST /api/v1/sla-policies': [],
  'PATCH /api/v1/sla-policies/{id}': [],
  'DELETE /api/v1/sla-policies/{id}': [],
  'POST /api/v1/tickets/bulk': TICKETS_WRITE,
  'PUT /api/v1/tickets/{id}/followers/me': PERSON,
  'DELETE /api/v1/tickets/{id}/followers/me': PERSON,
  'POST /api/v1/tickets/{id}/merge': TICKETS_WRITE,
  'POST /api/v1/tickets/{id}/macros/{macroId}/apply': TICKETS_WRITE,
  'GET /api/v1/macros': TICKETS_READ,
  'GET /api/v1/macros/{id}': TICKETS_READ,
  'POST /api/v1/macros': [],
  'PATCH /api/v1/macros/{id}': [],
  'DELETE /api/v1/macros/{id}': [],
  'GET /api/v1/ticket-fields': TICKETS_READ,
  'POST /api/v1/ticket-fields': [],
  'PATCH /api/v1/ticket-fields/{id}': [],
  'DELETE /api/v1/ticket-fields/{id}': [],
  'POST /api/v1/inbound/email': ['inbound:write'],
  'GET /api/v1/inbound/emails': ['inbound:write'],
  'POST /api/v1/tickets/{id}/attachments': TICKETS_WRITE,
  'GET /api/v1/attachments/{id}': TICKETS_READ,
};

describe('each scope allows exactly its routes', () => {
  const authRoutes = ROUTES.filter((r) => r.auth);

  it('every authenticated route is in the table', () => {
    expect(authRoutes.map(label).sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  /** A request a key with the right scope could make: real ids, valid bodies. */
  async function send(route: Route, key: string, ids: { ticket: string; user: string }) {
    const path = route.path
      .replace('/tickets/{id}', `/tickets/${ids.ticket}`)
      .replace('/users/{id}', `/users/${ids.user}`)
      .replace('{id}', '999999')
      .replace('{deliveryId}', '999999')
      .replace('{macroId}', '999999');
    const bodies: Record<string, object | string> = {
      // A mail provider's webhook hands in the raw message.
      'POST /api/v1/inbound/email': [
        `From: Key Sender <${uniqueEmail('mailer')}>`,
        'To: support@example.com',
        'Subject: Via a key',
        `Message-ID: <${Date.now()}.${Math.random()}@mailer.example.com>`,
        '',
        'Sent in by an API key.',
        '',
      ].join('\r\n'),
      'POST /api/v1/tickets': {
        subject: 'By key',
        body: 'Hello',
        requester: { email: uniqueEmail('scoped') },
      },
      'POST /api/v1/users': {
        email: uniqueEmail('made'),
        name: 'Made By Key',
        password: 'long enough pw',
        role: 'user',
      },
      'PATCH /api/v1/users/{id}': { name: 'Renamed By Key' },
      'PATCH /api/v1/me': { name: 'Me' },
      'POST /api/v1/auth/password': { currentPassword: 'whatever', newPassword: 'long enough pw' },
      'POST /api/v1/api-keys': { name: 'x', scopes: ['tickets:read'] },
      'POST /api/v1/webhooks': { url: 'https://hooks.example.com/in', events: ['*'] },
      'PATCH /api/v1/webhooks/{id}': { active: false },
      'POST /api/v1/groups': { name: `Keys ${Date.now()}`, memberIds: [], assignment: 'manual' },
      'PATCH /api/v1/groups/{id}': { description: 'by key' },
      'PUT /api/v1/business-hours': { timezone: 'UTC', week: { mon: [['09:00', '17:00']] }, holidays: [] },
      'POST /api/v1/sla-policies': {
        name: 'By key',
        position: 1,
        match: {},
        targets: { firstResponseMinutes: 60 },
        businessHours: false,
      },
      'PATCH /api/v1/sla-policies/{id}': { name: 'Renamed by key' },
      'POST /api/v1/tickets/bulk': { ids: [ids.ticket], changes: { priority: 'high' } },
      'POST /api/v1/macros': { name: `Key macro ${Date.now()}`, actions: { priority: 'high' } },
      'PATCH /api/v1/macros/{id}': { name: 'Renamed by key' },
      'POST /api/v1/ticket-fields': {
        key: `k${Date.now()}`,
        label: 'By key',
        type: 'text',
        visibleToRequester: false,
      },
      'PATCH /api/v1/ticket-fields/{id}': { label: 'Renamed by key' },
    };
    const body = typeof route.body === 'object' ? route.body : bodies[label(route)];
    const req = env.app.http[route.method](path).set(...bearer(key));
    if (typeof body === 'string') return req.set('Content-Type', 'message/rfc822').send(body);
    if (route.body === 'multipart') {
      return req.attach('file', Buffer.from('a key uploads'), {
        filename: 'k.txt',
        contentType: 'text/plain',
      });
    }
    return body ? req.send(body) : req;
  }

  for (const scope of API_KEY_SCOPES) {
    it(`${scope}`, async () => {
      const customer = await signIn(env.app.http, env.db.database, 'user');
      const ticket = await env.app.http
        .post('/api/v1/tickets')
        .set(...customer.auth)
        .send({ subject: 'For the scope test', body: 'Hi' });
      const ids = { ticket: ticket.body.id as string, user: customer.id };
      for (const route of authRoutes) {
        const allowed = ALLOWED[label(route)]!;
        const res = await send(route, keys[scope].key, ids);
        const what = `${scope} → ${label(route)}: ${res.status} ${res.text}`;
        if (allowed === PERSON) {
          expectProblem(res, 403, 'forbidden');
        } else if (allowed.includes(scope)) {
          expect([401, 403], what).not.toContain(res.status);
          expect(res.status, what).toBeLessThan(500);
        } else {
          expect(res.status, what).toBe(403);
          expect(res.body.code, what).toBe('insufficient_scope');
        }
      }
    });
  }

  it('the 403 names the scope that would allow it', async () => {
    const res = await env.app.http.get('/api/v1/tickets').set(...bearer(keys['events:read'].key));
    expectProblem(res, 403, 'insufficient_scope');
    expect(res.body.detail).toContain('tickets:read or tickets:write');
  });
});

describe('what a key sees and writes', () => {
  it('sees every ticket, internal notes included (staff visibility)', async () => {
    const customer = await signIn(env.app.http, env.db.database, 'user');
    const t = await env.app.http
      .post('/api/v1/tickets')
      .set(...customer.auth)
      .send({ subject: 'S', body: 'B' });
    await env.app.http
      .post(`/api/v1/tickets/${t.body.id}/messages`)
      .set(...agent.auth)
      .send({ body: 'Staff only', internal: true });
    const res = await env.app.http
      .get(`/api/v1/tickets/${t.body.id}/messages`)
      .set(...bearer(keys['tickets:read'].key));
    expect(res.status).toBe(200);
    expect(res.body.data.map((m: { internal: boolean }) => m.internal)).toEqual([false, true]);
  });

  it('raises a ticket for a new customer by address: password-less account, emails to them, key named', async () => {
    const email = uniqueEmail('customer');
    const key = keys['tickets:write'];
    const res = await env.app.http
      .post('/api/v1/tickets')
      .set(...bearer(key.key))
      .send({
        subject: 'Order 1234 missing',
        body: 'Relayed from chat.',
        requester: { email, name: 'Cleo Customer' },
      });
    expect(res.status, res.text).toBe(201);
    const [account] = await env.db.database.use((db) =>
      db.select().from(users).where(eq(users.email, email.toLowerCase())),
    );
    expect(account).toMatchObject({
      name: 'Cleo Customer',
      role: 'user',
      passwordHash: null,
      emailVerified: true,
    });
    expect(res.body.requester).toMatchObject({ id: String(account!.id), email: email.toLowerCase() });
    // The customer gets the acknowledgement, as for any ticket.
    const mails = await env.db.database.use((db) =>
      db
        .select()
        .from(notifications)
        .where(eq(notifications.ticketId, Number(res.body.id))),
    );
    expect(mails.map((m) => [m.recipient, m.template])).toContainEqual([
      email.toLowerCase(),
      'ticket_created_requester',
    ]);
    // The account's creation is audited as the key's doing.
    const [created] = await env.db.database.use((db) =>
      db
        .select()
        .from(adminAuditLog)
        .where(and(eq(adminAuditLog.targetType, 'user'), eq(adminAuditLog.targetId, String(account!.id)))),
    );
    expect(created).toMatchObject({
      action: 'user.created',
      actorType: 'api_key',
      actorId: Number(key.id),
      actorLabel: key.name,
    });
    // Events and the first message name the key.
    const keyActor = { type: 'api_key', id: key.id, name: key.name };
    const events = await env.app.http.get(`/api/v1/tickets/${res.body.id}/events`).set(...admin.auth);
    expect(events.body.data[0]).toMatchObject({ type: 'ticket.created', actor: keyActor });
    const messages = await env.app.http.get(`/api/v1/tickets/${res.body.id}/messages`).set(...admin.auth);
    expect(messages.body.data[0].author).toEqual(keyActor);
    // A second ticket for the same address finds the same account.
    const again = await env.app.http
      .post('/api/v1/tickets')
      .set(...bearer(key.key))
      .send({ subject: 'Again', body: 'x', requester: { email } });
    expect(again.status, again.text).toBe(201);
    expect(again.body.requester.id).toBe(String(account!.id));
  });

  it('a reply by a key is authored by the key, in the API, the feed and the requester’s email', async () => {
    const key = keys['tickets:write'];
    const customer = await signIn(env.app.http, env.db.database, 'user');
    const t = await env.app.http
      .post('/api/v1/tickets')
      .set(...customer.auth)
      .send({ subject: 'S', body: 'B' });
    const reply = await env.app.http
      .post(`/api/v1/tickets/${t.body.id}/messages`)
      .set(...bearer(key.key))
      .send({ body: 'An answer from the bot' });
    expect(reply.status, reply.text).toBe(201);
    const keyActor = { type: 'api_key', id: key.id, name: key.name };
    expect(reply.body.author).toEqual(keyActor);
    // People keep v1's author fields, with `type` added.
    const list = await env.app.http.get(`/api/v1/tickets/${t.body.id}/messages`).set(...customer.auth);
    expect(list.body.data.map((m: { author: unknown }) => m.author)).toEqual([
      { type: 'user', id: customer.id, name: customer.name, role: 'user' },
      keyActor,
    ]);
    const events = await env.app.http.get(`/api/v1/tickets/${t.body.id}/events`).set(...customer.auth);
    expect(events.body.data.at(-2)).toMatchObject({ type: 'message.created', actor: keyActor });
    expect(events.body.data.at(-1)).toMatchObject({ type: 'ticket.status_changed', actor: keyActor });
    const [mail] = await env.db.database.use((db) =>
      db
        .select()
        .from(notifications)
        .where(
          and(eq(notifications.ticketId, Number(t.body.id)), eq(notifications.template, 'message_created')),
        ),
    );
    expect(mail?.payload).toMatchObject({ author: { name: key.name } });
    // The reply moved the ticket new → open (a first staff reply): that status email names the key too.
    const [moved] = await env.db.database.use((db) =>
      db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.ticketId, Number(t.body.id)),
            eq(notifications.template, 'ticket_status_changed'),
          ),
        ),
    );
    expect(moved?.payload).toMatchObject({ actor: { name: key.name } });
    // The change feed, read with events:read, names the key too.
    let cursor: string | null = null as string | null;
    let found: unknown;
    for (let i = 0; i < 50 && !found; i++) {
      const feed = await env.app.http
        .get('/api/v1/events')
        .query({ ticketId: t.body.id, ...(cursor ? { after: cursor } : {}) })
        .set(...bearer(keys['events:read'].key));
      expect(feed.status, feed.text).toBe(200);
      found = feed.body.data.find((e: { type: string }) => e.type === 'message.created');
      cursor = feed.body.nextCursor;
      if (!found) await new Promise((r) => setTimeout(r, 50));
    }
    expect(found).toMatchObject({ actor: keyActor });
  });

  it('a key binds its own upload to its reply; another key, an agent, or the same file twice cannot', async () => {
    const writer = await makeKey(['tickets:write'], 'Uploader');
    const other = await makeKey(['tickets:write'], 'Other uploader');
    const customer = await signIn(env.app.http, env.db.database, 'user');
    const t = await env.app.http
      .post('/api/v1/tickets')
      .set(...customer.auth)
      .send({ subject: 'Files by key', body: 'Hi' });
    const upload = (key: string) =>
      env.app.http
        .post(`/api/v1/tickets/${t.body.id}/attachments`)
        .set(...bearer(key))
        .attach('file', Buffer.from('log line 1\nlog line 2\n'), {
          filename: 'sync.log',
          contentType: 'text/plain',
        });
    const up = await upload(writer.key);
    expect(up.status, up.text).toBe(201);
    const reply = (key: string | null, ids: string[]) =>
      env.app.http
        .post(`/api/v1/tickets/${t.body.id}/messages`)
        .set(...(key ? bearer(key) : agent.auth))
        .send({ body: 'With the log', attachmentIds: ids });

    // Neither another key nor a person may bind the key's upload.
    expectProblem(await reply(other.key, [up.body.id]), 422, 'attachment_not_usable');
    expectProblem(await reply(null, [up.body.id]), 422, 'attachment_not_usable');
    // Nor may the key bind a person's upload.
    const agentUp = await env.app.http
      .post(`/api/v1/tickets/${t.body.id}/attachments`)
      .set(...agent.auth)
      .attach('file', Buffer.from('agent file'), { filename: 'a.txt', contentType: 'text/plain' });
    expect(agentUp.status, agentUp.text).toBe(201);
    expectProblem(await reply(writer.key, [agentUp.body.id]), 422, 'attachment_not_usable');

    const sent = await reply(writer.key, [up.body.id]);
    expect(sent.status, sent.text).toBe(201);
    expect(sent.body.author).toMatchObject({ type: 'api_key', id: writer.id });
    expect(sent.body.attachments).toEqual([
      expect.objectContaining({ id: up.body.id, filename: 'sync.log', size: 22 }),
    ]);
    // Once sent, it is bound: not again.
    expectProblem(await reply(writer.key, [up.body.id]), 422, 'attachment_not_usable');
    // A key with tickets:read downloads it; one without gets 403 insufficient_scope.
    const got = await env.app.http
      .get(`/api/v1/attachments/${up.body.id}`)
      .set(...bearer(keys['tickets:read'].key));
    expect(got.status).toBe(200);
    expect(got.text).toBe('log line 1\nlog line 2\n');
    expectProblem(
      await env.app.http.get(`/api/v1/attachments/${up.body.id}`).set(...bearer(keys['events:read'].key)),
      403,
      'insufficient_scope',
    );
  });

  it('requester: 403 forbidden for a user; an agent may raise for a customer; a key must name one', async () => {
    const body = { subject: 'S', body: 'B', requester: { email: uniqueEmail('someone') } };
    expectProblem(
      await env.app.http
        .post('/api/v1/tickets')
        .set(...user.auth)
        .send(body),
      403,
      'forbidden',
    );
    const byAgent = await env.app.http
      .post('/api/v1/tickets')
      .set(...agent.auth)
      .send(body);
    expect(byAgent.status, byAgent.text).toBe(201);
    expect(byAgent.body.requester.email).toBe(body.requester.email);
    const noRequester = await env.app.http
      .post('/api/v1/tickets')
      .set(...bearer(keys['tickets:write'].key))
      .send({ subject: 'S', body: 'B' });
    expectProblem(noRequester, 422, 'validation_failed');
    expect(noRequester.body.errors[0].path).toBe('requester');
  });

  it('requester: hostile addresses and names are 422; a disabled customer is 422 and nothing is written', async () => {
    const send = (requester: unknown) =>
      env.app.http
        .post('/api/v1/tickets')
        .set(...bearer(keys['tickets:write'].key))
        .send({ subject: 'S', body: 'B', requester });
    for (const requester of [
      { email: 'not an address' },
      { email: `${'a'.repeat(400)}@example.test` },
      { email: 'ok@example.test', name: 'a\u0000b' },
      { email: 'ok@example.test', name: 'x'.repeat(201) },
      { email: 'ok@example.test', role: 'admin' },
      {},
      'ok@example.test',
    ]) {
      expectProblem(await send(requester), 422, 'validation_failed');
    }
    const disabled = await signIn(env.app.http, env.db.database, 'user');
    await env.app.http
      .patch(`/api/v1/users/${disabled.id}`)
      .set(...admin.auth)
      .send({ active: false });
    const before = await env.db.database.use((db) => db.select().from(notifications));
    const res = await send({ email: disabled.email });
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors[0].path).toBe('requester.email');
    expect(await env.db.database.use((db) => db.select().from(notifications))).toHaveLength(before.length);
  });

  it('a key with users:write makes accounts; the audit log names the key', async () => {
    const key = await makeKey(['users:write'], 'HR sync');
    const res = await env.app.http
      .post('/api/v1/users')
      .set(...bearer(key.key))
      .send({ email: uniqueEmail('hr'), name: 'New Agent', password: 'long enough pw', role: 'agent' });
    expect(res.status, res.text).toBe(201);
    const log = await env.app.http
      .get('/api/v1/audit-log')
      .query({ actorType: 'api_key', actorId: key.id })
      .set(...admin.auth);
    expect(log.body.data).toEqual([
      expect.objectContaining({
        action: 'user.created',
        actor: { type: 'api_key', id: key.id, name: 'HR sync' },
        target: { type: 'user', id: res.body.id },
      }),
    ]);
  });
});

describe('rate limits and idempotency belong to the key', () => {
  it('Idempotency-Key is scoped to the key: another key with the same Idempotency-Key runs on its own', async () => {
    const a = await makeKey(['tickets:write'], 'idem a');
    const b = await makeKey(['tickets:write'], 'idem b');
    const body = { subject: 'Once', body: 'x', requester: { email: uniqueEmail('idem') } };
    const post = (key: string) =>
      env.app.http
        .post('/api/v1/tickets')
        .set(...bearer(key))
        .set('Idempotency-Key', 'same-key-1')
        .send(body);
    const first = await post(a.key);
    const replay = await post(a.key);
    const other = await post(b.key);
    expect([first.status, replay.status, other.status]).toEqual([201, 201, 201]);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.body.id).not.toBe(first.body.id);
  });
});

describe('the key never shows again', () => {
  it('not in any response after the 201, nor in the logs, whatever the outcome', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = createApp({ ...env.app.deps, logger: createLogger({ level: 'debug' }, sink) });
    const http = supertest(createAdaptorServer({ fetch: app.fetch }));
    const created = await http
      .post('/api/v1/api-keys')
      .set(...admin.auth)
      .send({ name: 'logged', scopes: ['tickets:read'] });
    const { key, id } = created.body as { key: string; id: string };
    const [row] = await env.db.database.use((db) =>
      db
        .select()
        .from(apiKeys)
        .where(eq(apiKeys.id, Number(id))),
    );
    const texts: string[] = [];
    const record = (res: supertest.Response) => texts.push(`${JSON.stringify(res.headers)}\n${res.text}`);
    record(await http.get('/api/v1/tickets').set(...bearer(key)));
    record(await http.get('/api/v1/events').set(...bearer(key)));
    record(await http.get(`/api/v1/tickets/999999`).set(...bearer(key)));
    record(
      await http
        .post('/api/v1/tickets')
        .set(...bearer(key))
        .send({ subject: 1 }),
    );
    record(await http.get('/api/v1/api-keys').set(...admin.auth));
    record(await http.get('/api/v1/audit-log').set(...admin.auth));
    record(await http.delete(`/api/v1/api-keys/${id}`).set(...admin.auth));
    record(await http.get('/api/v1/tickets').set(...bearer(key)));
    record(await http.get('/api/v1/tickets').set(...bearer(`${key}0`)));
    expect(lines.length).toBeGreaterThan(5);
    const everything = [...texts, ...lines].join('\n');
    for (const secret of [key, key.slice(3), row!.keyHash, ...secrets]) {
      expect(everything.includes(secret), 'a key or its hash leaked').toBe(false);
    }
    // Only its display prefix ever appears.
    expect(texts.join('\n')).toContain(key.slice(0, 11));
  });
});

describe('audit log rows for keys', () => {
  it('newest api_key rows name the admin and never the key', async () => {
    const key = await makeKey(['reports:read'], 'audited');
    await env.app.http.delete(`/api/v1/api-keys/${key.id}`).set(...admin.auth);
    const rows = await env.db.database.use((db) =>
      db
        .select()
        .from(adminAuditLog)
        .where(eq(adminAuditLog.targetId, key.id))
        .orderBy(desc(adminAuditLog.id)),
    );
    expect(rows.filter((r) => r.targetType === 'api_key').map((r) => r.action)).toEqual([
      'api_key.revoked',
      'api_key.created',
    ]);
    expect(JSON.stringify(rows)).not.toContain(key.key);
  });
});
