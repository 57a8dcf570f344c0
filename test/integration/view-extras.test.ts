import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketCcs, tickets } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { makeAccount } from '../helpers/factories.js';

// A view reads CCs, followers and custom field values only for tickets marked `view_extras` (their
// subqueries cost a view most of its database time). Every way they are written marks the ticket first;
// the single view and a list page agree; migration 0015 marks the tickets that had them before.

const env = useTestApp();
const api = () => env.app.http;
let user: Actor;
let agent: Actor;
let admin: Actor;

beforeAll(async () => {
  [user, agent, admin] = await Promise.all([
    signIn(api(), env.db.database, 'user'),
    signIn(api(), env.db.database, 'agent'),
    signIn(api(), env.db.database, 'admin'),
  ]);
  const field = await api()
    .post('/api/v1/ticket-fields')
    .set(...admin.auth)
    .send({ key: 'vx_plan', label: 'Plan', type: 'text', visibleToRequester: true });
  expect(field.status).toBe(201);
});

const raise = async (body: object = {}) => {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...user.auth)
    .send({ subject: 'View extras', body: 'Hello', tags: ['vx'], ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};
const marked = async (id: string) =>
  (
    await env.db.database.use((db) =>
      db
        .select({ v: tickets.viewExtras })
        .from(tickets)
        .where(eq(tickets.id, Number(id))),
    )
  )[0]!.v;
const view = async (id: string) =>
  (
    await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
  ).body;
const inList = async (id: string) =>
  (
    await api()
      .get('/api/v1/tickets?tag=vx&limit=100')
      .set(...agent.auth)
  ).body.data.find((t: { id: string }) => t.id === id);

describe('view extras', () => {
  it('a plain ticket is read without them; each kind of write marks it, and both views show it', async () => {
    const plain = await raise();
    expect(await marked(plain)).toBe(false);
    expect(await view(plain)).toMatchObject({ ccs: [], followers: [], fields: {} });

    const withField = await raise({ fields: { vx_plan: 'pro' } });
    expect(await marked(withField)).toBe(true);
    expect((await view(withField)).fields).toEqual({ vx_plan: 'pro' });

    const patched = await raise();
    const f = await api()
      .patch(`/api/v1/tickets/${patched}`)
      .set(...agent.auth)
      .send({ fields: { vx_plan: 'free' } });
    expect(f.status).toBe(200);
    expect(f.body.fields).toEqual({ vx_plan: 'free' });

    const cc = await env.db.database.use((db) => makeAccount(db, 'user'));
    const copied = await raise();
    const c = await api()
      .patch(`/api/v1/tickets/${copied}`)
      .set(...user.auth)
      .send({ ccs: [cc.email] });
    expect(c.status).toBe(200);
    expect(c.body.ccs).toEqual([{ id: String(cc.id), name: cc.name, email: cc.email }]);

    const followed = await raise();
    const fl = await api()
      .put(`/api/v1/tickets/${followed}/followers/me`)
      .set(...agent.auth);
    expect(fl.status).toBe(200);
    expect(fl.body.followers.map((p: { id: string }) => String(p.id))).toEqual([String(agent.id)]);

    for (const id of [patched, copied, followed]) expect(await marked(id)).toBe(true);
    for (const id of [plain, withField, patched, copied, followed]) {
      const single = await view(id);
      const listed = await inList(id);
      expect(listed, id).toBeDefined();
      expect({ ccs: listed.ccs, followers: listed.followers, fields: listed.fields }).toEqual({
        ccs: single.ccs,
        followers: single.followers,
        fields: single.fields,
      });
    }
    expect((await view(copied)).ccs).toHaveLength(1);
    expect((await inList(followed)).followers).toHaveLength(1);

    // Removing them all leaves the mark (harmless: the full view finds nothing).
    const cleared = await api()
      .patch(`/api/v1/tickets/${copied}`)
      .set(...agent.auth)
      .send({ ccs: [] });
    expect(cleared.body.ccs).toEqual([]);
    expect(await marked(copied)).toBe(true);
    expect((await view(copied)).ccs).toEqual([]);
  });

  it('migration 0015 marks tickets that had CCs, followers or values before the column existed', async () => {
    const id = await raise();
    const cc = await env.db.database.use((db) => makeAccount(db, 'user'));
    // As before the migration: the relation row exists, the ticket is not marked, the view misses it.
    await env.db.database.use((db) => db.insert(ticketCcs).values({ ticketId: Number(id), userId: cc.id }));
    expect((await view(id)).ccs).toEqual([]);
    const backfill = readFileSync(
      join(import.meta.dirname, '../../db/migrations/0015_backfill_view_extras.sql'),
      'utf8',
    );
    for (const statement of backfill.split('--> statement-breakpoint')) {
      await env.db.database.use((db) => db.execute(sql.raw(statement)));
    }
    expect(await marked(id)).toBe(true);
    expect((await view(id)).ccs).toEqual([{ id: String(cc.id), name: cc.name, email: cc.email }]);
  });
});
