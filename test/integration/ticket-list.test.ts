import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();
let alice: Actor;
let bob: Actor;
let agent: Actor;
let agent2: Actor;
const ids: Record<string, string> = {};

const api = () => env.app.http;
async function raise(by: Actor, subject: string, extra: Record<string, unknown> = {}) {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject, body: `Body of ${subject}`, ...extra });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
async function listAll(by: Actor, query: string, limit = 2): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const res: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await api()
      .get(`/api/v1/tickets?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
      .set(...by.auth);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    out.push(...res.body.data.map((t: { id: string }) => t.id));
    cursor = res.body.nextCursor;
    if (!cursor) return out;
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  [alice, bob, agent, agent2] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
  ids.a1 = await raise(alice, 'Printer jammed', { priority: 'low', tags: ['printer'] });
  ids.a2 = await raise(alice, 'Password expired', { priority: 'urgent' });
  ids.a3 = await raise(alice, 'Monitor flickers', { priority: 'high', tags: ['hardware', 'printer'] });
  ids.b1 = await raise(bob, 'Printer offline', { priority: 'high' });
  ids.b2 = await raise(bob, 'VPN slow');
  await api()
    .patch(`/api/v1/tickets/${ids.a3}`)
    .set(...agent.auth)
    .send({ assigneeId: agent.id });
  await api()
    .patch(`/api/v1/tickets/${ids.b1}`)
    .set(...agent.auth)
    .send({ assigneeId: agent2.id });
  await api()
    .post(`/api/v1/tickets/${ids.b2}/transitions`)
    .set(...agent.auth)
    .send({ to: 'open' });
  await api()
    .post(`/api/v1/tickets/${ids.a2}/transitions`)
    .set(...agent.auth)
    .send({ to: 'open' });
  // Distinct, known update times so the sort orders are unambiguous (a requester sorts by the update
  // time they are shown, publicUpdatedAt, so both are set).
  const order = ['a1', 'a2', 'a3', 'b1', 'b2'];
  await env.db.database.use(async (db) => {
    for (const [i, key] of order.entries()) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      await db
        .update(tickets)
        .set({ updatedAt: at, publicUpdatedAt: at, createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 10 - i)) })
        .where(eq(tickets.id, Number(ids[key])));
    }
  });
});

const names = (list: string[]) => list.map((id) => Object.keys(ids).find((k) => ids[k] === id) ?? id);

describe('GET /tickets', () => {
  it('a user sees only the tickets they requested; staff see all', async () => {
    expect(names(await listAll(alice, 'sort=-updatedAt'))).toEqual(['a3', 'a2', 'a1']);
    expect(names(await listAll(bob, 'sort=-updatedAt'))).toEqual(['b2', 'b1']);
    expect(names(await listAll(agent, 'sort=-updatedAt'))).toEqual(['b2', 'b1', 'a3', 'a2', 'a1']);
    // Naming another requester does not widen a user's scope.
    expect(await listAll(bob, `requester=${alice.id}`)).toEqual([]);
  });

  it('sorts by every documented order', async () => {
    expect(names(await listAll(agent, 'sort=updatedAt'))).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(names(await listAll(agent, 'sort=-createdAt'))).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(names(await listAll(agent, 'sort=createdAt'))).toEqual(['b2', 'b1', 'a3', 'a2', 'a1']);
    // -priority: urgent, high (newest update first), normal, low.
    expect(names(await listAll(agent, 'sort=-priority'))).toEqual(['a2', 'b1', 'a3', 'b2', 'a1']);
    // Default is -updatedAt.
    expect(names(await listAll(agent, ''))).toEqual(['b2', 'b1', 'a3', 'a2', 'a1']);
  });

  it('filters by status, priority, assignee, requester and tag', async () => {
    expect(names(await listAll(agent, 'status=open&sort=updatedAt'))).toEqual(['a2', 'b2']);
    expect(names(await listAll(agent, 'status=open,new&sort=updatedAt'))).toEqual([
      'a1',
      'a2',
      'a3',
      'b1',
      'b2',
    ]);
    expect(names(await listAll(agent, 'priority=high&sort=updatedAt'))).toEqual(['a3', 'b1']);
    expect(names(await listAll(agent, 'assignee=me'))).toEqual(['a3']);
    expect(names(await listAll(agent2, 'assignee=me'))).toEqual(['b1']);
    expect(names(await listAll(agent, `assignee=${agent2.id}`))).toEqual(['b1']);
    expect(names(await listAll(agent, 'assignee=none&sort=updatedAt'))).toEqual(['a1', 'a2', 'b2']);
    expect(names(await listAll(agent, `requester=${bob.id}&sort=updatedAt`))).toEqual(['b1', 'b2']);
    expect(names(await listAll(agent, 'tag=printer&sort=updatedAt'))).toEqual(['a1', 'a3']);
    expect(names(await listAll(agent, 'status=open&assignee=none&sort=-priority'))).toEqual(['a2', 'b2']);
  });

  it('searches subjects and messages (every word, as a prefix)', async () => {
    expect(names(await listAll(agent, 'q=printer&sort=updatedAt'))).toEqual(['a1', 'b1']);
    expect(names(await listAll(agent, 'q=print%20jam'))).toEqual(['a1']);
    expect(names(await listAll(alice, 'q=printer'))).toEqual(['a1']);
    // "Body of VPN slow" is the first message of b2.
    expect(names(await listAll(agent, 'q=body%20vpn'))).toEqual(['b2']);
    expect(await listAll(agent, 'q=%2B%2B%2B')).toEqual([]);
  });

  it('422 for bad filters, 400 for a cursor that is not one', async () => {
    for (const q of [
      'status=done',
      'priority=asap',
      'assignee=someone',
      'sort=subject',
      'limit=0',
      'limit=101',
    ]) {
      const res = await api()
        .get(`/api/v1/tickets?${q}`)
        .set(...agent.auth);
      expect(res.status, q).toBe(422);
      expect(res.body.code).toBe('validation_failed');
    }
    const res = await api()
      .get('/api/v1/tickets?cursor=eyJ4Ijo')
      .set(...agent.auth);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });

  it('pages stay correct while tickets are created concurrently: no duplicates, no gaps', async () => {
    const before = await listAll(agent, 'sort=createdAt', 100);
    const seen: string[] = [];
    let cursor: string | null = null;
    const created: Promise<string>[] = [];
    do {
      const res: { body: { data: { id: string }[]; nextCursor: string | null } } = await api()
        .get(`/api/v1/tickets?sort=-updatedAt&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(...agent.auth);
      seen.push(...res.body.data.map((t: { id: string }) => t.id));
      cursor = res.body.nextCursor;
      // New tickets land at the head of -updatedAt while we walk towards its tail.
      created.push(raise(alice, 'Concurrent one'), raise(bob, 'Concurrent two'));
    } while (cursor);
    await Promise.all(created);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });
});
