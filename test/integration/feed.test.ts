import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { feedSequence, ticketEvents } from '../../db/schema/index.js';
import { encodeCursor } from '../../src/http/pagination.js';
import { sequenceFeed } from '../../src/modules/feed/index.js';
import { insertEvents } from '../../src/modules/tickets/repo.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();
let user: Actor;
let agent: Actor;
let admin: Actor;

beforeAll(async () => {
  [user, agent, admin] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
    signIn(env.app.http, env.db.database, 'admin'),
  ]);
});

const api = () => env.app.http;
type Event = {
  id: string;
  type: string;
  ticketId: string;
  actor: Record<string, unknown>;
  data: Record<string, unknown>;
  internal: boolean;
  createdAt: string;
};

async function raise(by: Actor, subject = 'Printer on fire') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject, body: 'Smoke everywhere.' });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}
const feed = (by: Actor, query: Record<string, string | number> = {}) =>
  api()
    .get('/api/v1/events')
    .query(query)
    .set(...by.auth);
/** Follows `nextCursor` from `after` to the head, `limit` at a time: every event on the way. */
async function walk(by: Actor, query: Record<string, string | number> = {}, limit = 100) {
  const events: Event[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await feed(by, { ...query, limit, ...(after ? { after } : {}) });
    expect(res.status, res.text).toBe(200);
    events.push(...res.body.data);
    after = res.body.nextCursor;
    if (res.body.data.length < limit) return { events, cursor: after! };
  }
}

describe('GET /events', () => {
  it('staff read every ticket’s events, oldest first, shaped as the ticket events route shows them', async () => {
    const a = await raise(user, 'First');
    const b = await raise(admin, 'Second');
    const note = await api()
      .post(`/api/v1/tickets/${a}/messages`)
      .set(...agent.auth)
      .send({ body: 'Looks like the fuser.', internal: true });
    expect(note.status, note.text).toBe(201);

    for (const staff of [agent, admin]) {
      const { events } = await walk(staff);
      const trail = (
        await api()
          .get(`/api/v1/tickets/${a}/events`)
          .set(...agent.auth)
      ).body.data as Event[];
      // The same events as the ticket's own trail, with `internal` added.
      const ofA = events.filter((e) => e.ticketId === a);
      expect(ofA.map(({ internal: _, ...e }) => e)).toEqual(trail);
      expect(events.map((e) => [e.ticketId, e.type])).toEqual([
        [a, 'ticket.created'],
        [b, 'ticket.created'],
        [a, 'message.created'],
      ]);
      expect(events[0]).toEqual({
        id: expect.stringMatching(/^\d+$/),
        type: 'ticket.created',
        ticketId: a,
        actor: { type: 'user', id: user.id, name: user.name, role: 'user' },
        data: expect.any(Object),
        internal: false,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      });
      expect(events.at(-1)).toMatchObject({
        actor: { type: 'user', id: agent.id, role: 'agent' },
        data: { internal: true },
        internal: true,
      });
    }
  });

  it('a user gets 403, no token 401, a bad token 401: problem+json', async () => {
    const forbidden = await feed(user);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(forbidden.body).toMatchObject({ status: 403, code: 'forbidden' });
    const anonymous = await api().get('/api/v1/events');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthorized');
    const bad = await api().get('/api/v1/events').set('Authorization', 'Bearer nope');
    expect(bad.status).toBe(401);
  });

  it('pages by limit without gaps or repeats; at the head it returns no events and the same cursor', async () => {
    await raise(user);
    const all = (await walk(agent)).events;
    const paged = await walk(agent, {}, 2);
    expect(paged.events).toEqual(all);

    const head = await feed(agent, { after: paged.cursor });
    expect(head.status).toBe(200);
    expect(head.body).toEqual({ data: [], nextCursor: paged.cursor });

    const id = await raise(user, 'After the head');
    const next = await feed(agent, { after: paged.cursor });
    expect(next.body.data.map((e: Event) => [e.ticketId, e.type])).toEqual([[id, 'ticket.created']]);
    expect(next.body.nextCursor).not.toBe(paged.cursor);
    expect((await feed(agent, { after: next.body.nextCursor })).body.data).toEqual([]);

    // limit defaults to 25; a feed that has never had an event still gives a cursor (tested on the head).
    expect((await feed(agent)).body.data.length).toBe(Math.min(25, all.length + 1));
  });

  it('filters by types (one or several) and by ticket, alone and together', async () => {
    const t = await raise(user, 'Filtered');
    const patched = await api()
      .patch(`/api/v1/tickets/${t}`)
      .set(...agent.auth)
      .send({ priority: 'urgent', tags: ['vip'] });
    expect(patched.status, patched.text).toBe(200);
    const all = (await walk(agent)).events;
    const pick = (f: (e: Event) => boolean) => all.filter(f).map((e) => e.id);

    const created = await walk(agent, { types: 'ticket.created' }, 2);
    expect(created.events.map((e) => e.id)).toEqual(pick((e) => e.type === 'ticket.created'));
    const two = await walk(agent, { types: 'ticket.priority_changed,ticket.created' }, 2);
    expect(two.events.map((e) => e.id)).toEqual(
      pick((e) => e.type === 'ticket.created' || e.type === 'ticket.priority_changed'),
    );
    const ofTicket = await walk(agent, { ticketId: t }, 1);
    expect(ofTicket.events.map((e) => e.id)).toEqual(pick((e) => e.ticketId === t));
    expect(ofTicket.events.map((e) => e.type)).toEqual([
      'ticket.created',
      'ticket.priority_changed',
      'ticket.tags_changed',
    ]);
    const both = await walk(agent, { ticketId: t, types: 'ticket.tags_changed,ticket.created' });
    expect(both.events.map((e) => e.type)).toEqual(['ticket.created', 'ticket.tags_changed']);
    // Well-formed but unknown: matches nothing. A ticket with no events: nothing.
    expect((await feed(agent, { types: 'sla.breached' })).body.data).toEqual([]);
    expect((await feed(agent, { ticketId: '999999' })).body.data).toEqual([]);
  });

  it('400 invalid_cursor for a malformed cursor or another list’s cursor; 422 for bad limit, types, ticketId', async () => {
    for (const after of ['garbage', encodeCursor([5]), encodeCursor(['feed', -1]), encodeCursor(['x', 5])]) {
      const res = await feed(agent, { after });
      expect(res.status, after).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('invalid_cursor');
    }
    for (const [query, path] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ limit: 'many' }, 'limit'],
      [{ types: 'ticket.created,' }, 'types'],
      [{ types: 'DROP TABLE' }, 'types'],
      [{ ticketId: 'abc' }, 'ticketId'],
      [{ ticketId: '-1' }, 'ticketId'],
      [{ after: 'x'.repeat(600) }, 'after'],
    ] as const) {
      const res = await feed(agent, query);
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it('shows the system as the actor of its own changes', async () => {
    const t = await raise(user, 'Old and solved');
    await env.db.database.use((db) =>
      insertEvents(db, new Date(), { type: 'system', job: 'auto_close' }, [
        { ticketId: Number(t), type: 'ticket.status_changed', data: { from: 'solved', to: 'closed' } },
      ]),
    );
    const { events } = await walk(agent, { ticketId: t });
    expect(events.at(-1)).toMatchObject({
      type: 'ticket.status_changed',
      actor: { type: 'system', job: 'auto_close' },
    });
  });

  it('numbers a backlog in rounds, and a missing sequencer row starts after the numbers already given', async () => {
    const t = Number(await raise(user, 'Backlog'));
    const before = (await walk(agent)).cursor;
    // 1,200 events committed at once: more than one round (500) of numbering.
    await env.db.database.use((db) =>
      insertEvents(
        db,
        new Date(),
        { type: 'system', job: 'auto_close' },
        Array.from({ length: 1200 }, (_, i) => ({ ticketId: t, type: 'ticket.tags_changed', data: { i } })),
      ),
    );
    // As after a restore or a backfill without the counter row: the sequencer recreates it from MAX(seq).
    await env.db.database.use((db) => db.delete(feedSequence));
    expect(await sequenceFeed(env.db.database)).toBe(1200);
    const { events } = await walk(agent, { ticketId: String(t), types: 'ticket.tags_changed' });
    expect(events.map((e) => e.data.i)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    const after = await walk(agent, {}, 100);
    expect(after.events.length).toBeGreaterThanOrEqual(1200);
    const fromBefore = await walk(agent, { after: before } as Record<string, string>, 100);
    expect(fromBefore.events.map((e) => e.data.i)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    const [counts] = await env.db.database.use((db) =>
      db
        .select({
          pending: sql<number>`SUM(${ticketEvents.seq} IS NULL)`,
          n: sql<number>`COUNT(*)`,
          distinct: sql<number>`COUNT(DISTINCT ${ticketEvents.seq})`,
          max: sql<number>`MAX(${ticketEvents.seq})`,
        })
        .from(ticketEvents),
    );
    expect(Number(counts!.pending)).toBe(0);
    expect(Number(counts!.distinct)).toBe(Number(counts!.n));
    expect(Number(counts!.max)).toBe(Number(counts!.n)); // 1..n, no holes
    const [row] = await env.db.database.use((db) =>
      db.select().from(feedSequence).where(eq(feedSequence.id, 1)),
    );
    expect(row!.lastSeq).toBe(Number(counts!.n));
  });

  it('sequencers racing each other number each event once, in id order for events already committed', async () => {
    const t = Number(await raise(user, 'Race'));
    await sequenceFeed(env.db.database);
    await env.db.database.use((db) =>
      insertEvents(
        db,
        new Date(),
        { type: 'system', job: 'auto_close' },
        Array.from({ length: 2000 }, (_, i) => ({ ticketId: t, type: 'ticket.tags_changed', data: { i } })),
      ),
    );
    // Six at once, as several Node instances' loops and feed reads would: one holds the lock at a time,
    // the others skip; between them every event is numbered exactly once.
    const counts = await Promise.all(Array.from({ length: 6 }, () => sequenceFeed(env.db.database)));
    const leftover = await sequenceFeed(env.db.database);
    expect(counts.reduce((a, b) => a + b, 0) + leftover).toBe(2000);
    const rows = await env.db.database.use((db) =>
      db
        .select({ id: ticketEvents.id, seq: ticketEvents.seq })
        .from(ticketEvents)
        .where(eq(ticketEvents.ticketId, t))
        .orderBy(ticketEvents.id),
    );
    const seqs = rows.map((r) => r.seq!);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
  });

  it('is in the OpenAPI document as listEvents, with its errors', async () => {
    const res = await api().get('/openapi.json');
    const op = res.body.paths['/api/v1/events']?.get;
    expect(op.operationId).toBe('listEvents');
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '422', '429']);
    expect(op.responses['200'].content['application/json'].example.nextCursor).toEqual(expect.any(String));
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'after',
      'limit',
      'ticketId',
      'types',
    ]);
  });
});
