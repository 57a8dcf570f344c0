import { count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys, notifications, tickets } from '../../db/schema/index.js';
import { sweepIdempotencyKeys } from '../../src/modules/idempotency/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { login } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';

const env = useTestApp();
let user: Actor;
let other: Actor;

beforeAll(async () => {
  [user, other] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
  ]);
});

const api = () => env.app.http;
let seq = 0;
const newKey = () => `key-${Date.now()}-${++seq}`;
const ticketBody = (subject = 'Printer on fire') => ({ subject, body: 'Smoke everywhere.' });
const post = (by: Actor, key: string | null, body: Record<string, unknown>) => {
  const r = api()
    .post('/api/v1/tickets')
    .set(...by.auth);
  return (key === null ? r : r.set('Idempotency-Key', key)).send(body);
};
const ticketsBy = async (actor: Actor) =>
  env.db.database.use(async (db) => {
    const [row] = await db
      .select({ n: count() })
      .from(tickets)
      .where(eq(tickets.requesterId, Number(actor.id)));
    return row!.n;
  });
const notificationsFor = async (ticketId: string) =>
  env.db.database.use(async (db) => {
    const [row] = await db
      .select({ n: count() })
      .from(notifications)
      .where(eq(notifications.ticketId, Number(ticketId)));
    return row!.n;
  });

describe('Idempotency-Key on POST', () => {
  it('replays the first response: one ticket, same status, body and Location, one set of emails', async () => {
    const key = newKey();
    const before = await ticketsBy(user);
    const first = await post(user, key, ticketBody());
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const emails = await notificationsFor(first.body.id);
    expect(emails).toBeGreaterThan(0);

    const second = await post(user, key, ticketBody());
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['content-type']).toMatch(/^application\/json/);
    expect(await ticketsBy(user)).toBe(before + 1);
    expect(await notificationsFor(first.body.id)).toBe(emails);
  });

  it('refuses the same key with a different body (422 idempotency_key_reused)', async () => {
    const key = newKey();
    expect((await post(user, key, ticketBody('One'))).status).toBe(201);
    const before = await ticketsBy(user);
    const res = await post(user, key, ticketBody('Two'));
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await ticketsBy(user)).toBe(before);
  });

  it('replays a 4xx too: the same invalid request gets the stored 422', async () => {
    const key = newKey();
    const first = await post(user, key, { subject: '', body: 'x' });
    expect(first.status).toBe(422);
    expect(first.body.code).toBe('validation_failed');
    const second = await post(user, key, { subject: '', body: 'x' });
    expect(second.status).toBe(422);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.body).toEqual(first.body);
  });

  it('scopes keys to the caller: another user with the same key is independent', async () => {
    const key = newKey();
    const mine = await post(user, key, ticketBody());
    const theirs = await post(other, key, ticketBody());
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('runs 10 concurrent duplicates once: 201 (original or replay) or 409 idempotency_key_in_use', async () => {
    const key = newKey();
    const before = await ticketsBy(user);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(user, key, ticketBody('Race'))));
    expect(await ticketsBy(user)).toBe(before + 1);
    const created = answers.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    for (const r of created) expect(r.body.id).toBe(created[0]!.body.id);
    for (const r of answers.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('idempotency_key_in_use');
    }
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a control character (tab)', 'abc\tdef'],
    ['a space', 'abc def'],
  ])('refuses a key that is %s (400 invalid_idempotency_key), creating nothing', async (_, key) => {
    const before = await ticketsBy(user);
    const res = await post(user, key, ticketBody());
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('invalid_idempotency_key');
    expect(await ticketsBy(user)).toBe(before);
  });

  it('never stores a once-shown secret: a replayed POST /api-keys answers the key without its `key`', async () => {
    const admin = await signIn(env.app.http, env.db.database, 'admin');
    const idemKey = newKey();
    const create = () =>
      api()
        .post('/api/v1/api-keys')
        .set(...admin.auth)
        .set('Idempotency-Key', idemKey)
        .send({ name: 'CRM sync', scopes: ['tickets:read'] });
    const first = await create();
    expect(first.status).toBe(201);
    expect(first.body.key).toMatch(/^hd_/);
    const replay = await create();
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.body).not.toHaveProperty('key');
    const stored = await env.db.database.use((db) => db.select().from(idempotencyKeys));
    expect(JSON.stringify(stored)).not.toContain(first.body.key);
  });

  it('accepts a 255-character key; requests without the header are not affected', async () => {
    const key = `${newKey()}-`.padEnd(255, 'x');
    expect((await post(user, key, ticketBody())).status).toBe(201);
    expect((await post(user, key, ticketBody())).headers['idempotent-replayed']).toBe('true');
    const a = await post(user, null, ticketBody());
    const b = await post(user, null, ticketBody());
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('documents the header on every authenticated POST', async () => {
    const doc = (await api().get('/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: object[]; parameters?: { name: string }[] }>>;
    };
    const posts = Object.values(doc.paths)
      .map((item) => item.post)
      .filter((op) => op?.security?.length);
    expect(posts.length).toBeGreaterThan(0);
    for (const op of posts) expect(op!.parameters?.map((p) => p.name)).toContain('Idempotency-Key');
  });
  // Last: it moves the clock a day on, past every access token issued before.
  it('forgets a key after 24 hours: the request runs again, and the sweep deletes expired keys', async () => {
    const account = await env.db.database.use((db) => makeAccount(db, 'user'));
    const auth = async (): Promise<[string, string]> => [
      'Authorization',
      `Bearer ${(await login(api(), account)).accessToken}`,
    ];
    const send = async (key: string) =>
      api()
        .post('/api/v1/tickets')
        .set(...(await auth()))
        .set('Idempotency-Key', key)
        .send(ticketBody());
    const key = newKey();
    const first = await send(key);
    expect(first.status).toBe(201);
    await send(newKey()); // a second key, left to expire
    env.app.clock.advance(24 * 3_600_000 + 1000);

    const again = await send(key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(first.body.id);

    expect(await sweepIdempotencyKeys({ database: env.db.database, clock: env.app.clock })).toBeGreaterThan(
      0,
    );
    const left = await env.db.database.use((db) =>
      db
        .select({ n: count() })
        .from(idempotencyKeys)
        .where(eq(idempotencyKeys.principal, `user:${account.id}`)),
    );
    expect(left[0]!.n).toBe(1); // the key used again, kept another day
  });
});
