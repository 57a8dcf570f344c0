import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

// Issue 10 items 6 and 10: a requester's view of a ticket must not move when only staff-only things
// change (internal notes), and the ticket's ETag follows RFC 9110 (strong If-Match, If-None-Match → 304).
const env = useTestApp();
let requester: Actor;
let agent: Actor;

beforeAll(async () => {
  [requester, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
async function raise(subject = 'Printer on fire') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...requester.auth)
    .send({ subject, body: 'Smoke everywhere.' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const note = async (id: string) => {
  env.app.clock.advance(1000);
  const res = await api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...agent.auth)
    .send({ body: 'Between us: the customer broke it.', internal: true });
  expect(res.status).toBe(201);
};
const reply = async (by: Actor, id: string) => {
  env.app.clock.advance(1000);
  const res = await api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...by.auth)
    .send({ body: 'We are on it.' });
  expect(res.status).toBe(201);
};
const get = (by: Actor, id: string) =>
  api()
    .get(`/api/v1/tickets/${id}`)
    .set(...by.auth);

describe('internal notes are not a side channel', () => {
  it("a requester's GET, ETag and updatedAt are unchanged by an internal note; staff see the full version", async () => {
    const id = await raise();
    await reply(agent, id);
    const before = await get(requester, id);
    const staffBefore = await get(agent, id);
    await note(id);
    const after = await get(requester, id);
    expect(after.status).toBe(200);
    expect(after.headers.etag).toBe(before.headers.etag);
    expect(after.body).toEqual(before.body);

    const staffAfter = await get(agent, id);
    expect(staffAfter.body.version).toBe(staffBefore.body.version + 1);
    expect(staffAfter.headers.etag).toBe(`"${staffAfter.body.version}"`);
    expect(staffAfter.body.updatedAt > staffBefore.body.updatedAt).toBe(true);
  });

  it("a requester's If-Match still works after a note; a requester-visible change moves both views", async () => {
    const id = await raise();
    const seen = await get(requester, id);
    await note(id);
    const patched = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...requester.auth)
      .set('If-Match', String(seen.headers.etag))
      .send({ subject: 'Printer still on fire' });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(seen.body.version + 1);
    expect(patched.headers.etag).toBe(`"${seen.body.version + 1}"`);
    // Staff compare against the full version: the requester's tag is stale for them.
    const staff = await get(agent, id);
    expect(staff.body.version).toBe(3);
    const stale = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .set('If-Match', String(patched.headers.etag))
      .send({ priority: 'high' });
    expect(stale.status).toBe(412);
  });

  it("a requester's event ids have no gap where an internal note's event is; staff see every event", async () => {
    const id = await raise();
    await note(id);
    await reply(agent, id);
    const mine = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...requester.auth);
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((e: { id: string }) => e.id)).toEqual(['1', '2', '3']);
    expect(mine.body.data.map((e: { type: string }) => e.type)).toEqual([
      'ticket.created',
      'message.created',
      'ticket.status_changed',
    ]);
    // Paging by the visible ids works too.
    const page = await api()
      .get(`/api/v1/tickets/${id}/events?limit=1`)
      .set(...requester.auth);
    const next = await api()
      .get(`/api/v1/tickets/${id}/events?limit=5&cursor=${encodeURIComponent(page.body.nextCursor)}`)
      .set(...requester.auth);
    expect(next.body.data.map((e: { id: string }) => e.id)).toEqual(['2', '3']);

    const staff = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...agent.auth);
    expect(staff.body.data).toHaveLength(4);
  });

  it("an internal note does not move the ticket up the requester's list", async () => {
    const older = await raise('Older ticket');
    env.app.clock.advance(1000);
    const newer = await raise('Newer ticket');
    await note(older);
    const list = await api()
      .get('/api/v1/tickets?limit=100')
      .set(...requester.auth);
    const ids = list.body.data.map((t: { id: string }) => t.id);
    expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(older));
    // For staff, the note did make it the most recently updated.
    const staff = await api()
      .get('/api/v1/tickets?limit=2')
      .set(...agent.auth);
    expect(staff.body.data[0].id).toBe(older);
  });
});

describe('ETags (RFC 9110)', () => {
  it('If-Match uses the strong comparison: W/"1" does not match and changes nothing; lists work', async () => {
    const id = await raise();
    const weak = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .set('If-Match', 'W/"1"')
      .send({ priority: 'high' });
    expect(weak.status).toBe(412);
    expect((await get(agent, id)).body.priority).toBe('normal');
    const listed = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .set('If-Match', '"7", "1"')
      .send({ priority: 'high' });
    expect(listed.status).toBe(200);
    expect(listed.headers.etag).toBe('"2"');
  });

  it('If-None-Match answers 304 with the ETag and no body when current (also *, lists and weak tags)', async () => {
    const id = await raise();
    for (const value of ['"1"', '*', '"9", "1"', 'W/"1"']) {
      const res = await get(requester, id).set('If-None-Match', value);
      expect(res.status, value).toBe(304);
      expect(res.headers.etag).toBe('"1"');
      expect(res.text ?? '').toBe('');
    }
    const changed = await get(requester, id).set('If-None-Match', '"0"');
    expect(changed.status).toBe(200);
    expect(changed.body.id).toBe(id);
    // A stranger still gets 404, whatever tag they hold.
    const stranger = await signIn(env.app.http, env.db.database, 'user');
    expect((await get(stranger, id).set('If-None-Match', '*')).status).toBe(404);
  });
});
