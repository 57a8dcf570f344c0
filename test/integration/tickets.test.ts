import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketEvents, tickets } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();
let user: Actor;
let other: Actor;
let agent: Actor;
let admin: Actor;

beforeAll(async () => {
  [user, other, agent, admin] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
    signIn(env.app.http, env.db.database, 'admin'),
  ]);
});

const api = () => env.app.http;
async function raise(by: Actor, body: Record<string, unknown> = {}) {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject: 'Printer on fire', body: 'Smoke everywhere.', ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; version: number; status: string };
}
const events = (ticketId: string) =>
  env.db.database.use((db) =>
    db
      .select()
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, Number(ticketId))),
  );

describe('POST /tickets', () => {
  it('creates a new ticket with Location and ETag; the body is the first message; one event', async () => {
    const res = await api()
      .post('/api/v1/tickets')
      .set(...user.auth)
      .send({
        subject: '  VPN down ',
        body: 'Cannot connect since 9am.',
        priority: 'high',
        tags: ['VPN', 'network', 'vpn'],
      });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      subject: 'VPN down',
      status: 'new',
      priority: 'high',
      tags: ['network', 'vpn'],
      requester: { id: user.id, name: user.name, email: user.email },
      assignee: null,
      firstResponseAt: null,
      solvedAt: null,
      closedAt: null,
      version: 1,
    });
    expect(res.body.id).toMatch(/^\d+$/);
    expect(res.headers.location).toBe(`/api/v1/tickets/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    const messages = await api()
      .get(`/api/v1/tickets/${res.body.id}/messages`)
      .set(...user.auth);
    expect(messages.body.data).toMatchObject([
      { body: 'Cannot connect since 9am.', internal: false, author: { id: user.id, role: 'user' } },
    ]);
    const rows = await events(res.body.id);
    expect(rows.map((e) => e.type)).toEqual(['ticket.created']);
  });

  it('defaults priority to normal; 422 lists every bad field and creates nothing', async () => {
    const ok = await raise(user);
    expect(ok).toMatchObject({ status: 'new' });
    const before = await env.db.database.use((db) => db.select({ id: tickets.id }).from(tickets));
    const res = await api()
      .post('/api/v1/tickets')
      .set(...user.auth)
      .send({ subject: '', body: 'x', priority: 'asap', tags: ['no spaces'] });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'priority',
      'subject',
      'tags.0',
    ]);
    const after = await env.db.database.use((db) => db.select({ id: tickets.id }).from(tickets));
    expect(after.length).toBe(before.length);
  });

  it('401 without a token', async () => {
    const res = await api().post('/api/v1/tickets').send({ subject: 'a', body: 'b' });
    expect(res.status).toBe(401);
  });
});

describe('GET /tickets/:id', () => {
  it('the requester and staff get it with an ETag; another user gets 404, as for an unknown or malformed id', async () => {
    const t = await raise(user);
    for (const who of [user, agent, admin]) {
      const res = await api()
        .get(`/api/v1/tickets/${t.id}`)
        .set(...who.auth);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body.id).toBe(t.id);
    }
    for (const path of [`/api/v1/tickets/${t.id}`, '/api/v1/tickets/999999999', '/api/v1/tickets/abc']) {
      const res = await api()
        .get(path)
        .set(...other.auth);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  it('an id that cannot exist is a 404 problem even for staff, never a 422', async () => {
    for (const id of ['0', '007', 'abc', '99999999999999999', '-1', '1.5']) {
      for (const path of [`/api/v1/tickets/${id}`, `/api/v1/tickets/${id}/messages`]) {
        const res = await api()
          .get(path)
          .set(...admin.auth);
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe('not_found');
      }
    }
  });
});

describe('PATCH /tickets/:id', () => {
  it('staff change priority, tags and assignee: one version bump, one event per changed field', async () => {
    const t = await raise(user, { tags: ['a'] });
    const res = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...agent.auth)
      .set('If-Match', '"1"')
      .send({ priority: 'urgent', tags: ['b', 'a'], assigneeId: agent.id, subject: 'Printer on fire' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      priority: 'urgent',
      tags: ['a', 'b'],
      assignee: { id: agent.id, name: agent.name, email: agent.email },
      version: 2,
    });
    expect(res.headers.etag).toBe('"2"');
    const types = (await events(t.id)).map((e) => [e.type, e.data]);
    expect(types).toEqual([
      ['ticket.created', expect.anything()],
      ['ticket.priority_changed', { from: 'normal', to: 'urgent' }],
      ['ticket.assigned', { from: null, to: agent.id }],
      ['ticket.tags_changed', { added: ['b'], removed: [] }],
    ]);
  });

  it('a PATCH that changes nothing keeps the version and writes no event', async () => {
    const t = await raise(user);
    const res = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...agent.auth)
      .send({ priority: 'normal' });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    expect(await events(t.id)).toHaveLength(1);
  });

  it('the requester may change the subject only (403 otherwise); other users get 404', async () => {
    const t = await raise(user);
    const ok = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...user.auth)
      .send({ subject: 'Printer still on fire' });
    expect(ok.status).toBe(200);
    expect(ok.body.subject).toBe('Printer still on fire');
    const denied = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...user.auth)
      .send({ priority: 'urgent' });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    const hidden = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...other.auth)
      .send({ subject: 'mine now' });
    expect(hidden.status).toBe(404);
    const after = await api()
      .get(`/api/v1/tickets/${t.id}`)
      .set(...user.auth);
    expect(after.body).toMatchObject({ subject: 'Printer still on fire', priority: 'normal', version: 2 });
  });

  it('422 when the assignee is not an active agent or admin, and nothing changes', async () => {
    const t = await raise(user);
    for (const assigneeId of [other.id, '999999999', 'abc']) {
      const res = await api()
        .patch(`/api/v1/tickets/${t.id}`)
        .set(...admin.auth)
        .send({ assigneeId, priority: 'high' });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].path).toBe('assigneeId');
    }
    const after = await api()
      .get(`/api/v1/tickets/${t.id}`)
      .set(...admin.auth);
    expect(after.body).toMatchObject({ assignee: null, priority: 'normal', version: 1 });
  });

  it('412 with a stale If-Match, and nothing changes; null unassigns', async () => {
    const t = await raise(user);
    const first = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...agent.auth)
      .set('If-Match', '"1"')
      .send({ assigneeId: agent.id });
    expect(first.status).toBe(200);
    const stale = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...agent.auth)
      .set('If-Match', '"1"')
      .send({ priority: 'low' });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('precondition_failed');
    const unassign = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...agent.auth)
      .set('If-Match', '"2"')
      .send({ assigneeId: null });
    expect(unassign.status).toBe(200);
    expect(unassign.body).toMatchObject({ assignee: null, priority: 'normal', version: 3 });
  });

  it('422 for unknown fields', async () => {
    const t = await raise(user);
    const res = await api()
      .patch(`/api/v1/tickets/${t.id}`)
      .set(...agent.auth)
      .send({ status: 'closed' });
    expect(res.status).toBe(422);
  });
});

describe('another user’s ticket does not exist for them', () => {
  it('404 on every ticket route, and nothing changes', async () => {
    const t = await raise(user);
    const base = `/api/v1/tickets/${t.id}`;
    const calls = {
      'GET /:id': () => api().get(base),
      'PATCH /:id': () => api().patch(base).send({ subject: 'x' }),
      'GET /transitions': () => api().get(`${base}/transitions`),
      'POST /transitions': () => api().post(`${base}/transitions`).send({ to: 'solved' }),
      'GET /messages': () => api().get(`${base}/messages`),
      'POST /messages': () => api().post(`${base}/messages`).send({ body: 'x' }),
      'GET /events': () => api().get(`${base}/events`),
      'GET /notifications': () => api().get(`${base}/notifications`),
    };
    for (const [name, call] of Object.entries(calls)) {
      const res = await call().set(...other.auth);
      expect(res.status, name).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    const after = await api()
      .get(base)
      .set(...user.auth);
    expect(after.body).toMatchObject({ subject: 'Printer on fire', status: 'new', version: 1 });
  });
});

describe('concurrent writes', () => {
  it('20 tickets created at once with the same tags all succeed (no deadlock between their tag inserts)', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api()
          .post('/api/v1/tickets')
          .set(...(i % 2 ? user : other).auth)
          .send({ subject: `Burst ${i}`, body: 'At once.', tags: ['burst', 'vpn'] }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const tagged = await api()
      .get('/api/v1/tickets?tag=burst&limit=100')
      .set(...agent.auth);
    expect(tagged.body.data).toHaveLength(20);
  });
});
