import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { useMailbox } from '../helpers/mailbox.js';

const env = useTestApp();
const mail = useMailbox(env);
let user: Actor;
let other: Actor;
let agent: Actor;

beforeAll(async () => {
  [user, other, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
async function raise(by: Actor, subject = 'Mailbox full') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject, body: 'I cannot receive email.' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const post = (by: Actor, id: string, body: Record<string, unknown>) =>
  api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...by.auth)
    .send(body);

describe('POST /tickets/:id/messages', () => {
  it('the requester replies publicly (201 Message); setting internal is 422', async () => {
    const id = await raise(user);
    const res = await post(user, id, { body: ' More detail. ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ticketId: id,
      body: 'More detail.',
      internal: false,
      author: { id: user.id, name: user.name, role: 'user' },
    });
    expect(res.body.createdAt).toMatch(/Z$/);
    const note = await post(user, id, { body: 'psst', internal: true });
    expect(note.status).toBe(422);
    expect(note.body.errors[0].path).toBe('internal');
  });

  it('another user gets 404; an empty body is 422; a stale If-Match is 412', async () => {
    const id = await raise(user);
    expect((await post(other, id, { body: 'hi' })).status).toBe(404);
    const empty = await post(agent, id, { body: '   ' });
    expect(empty.status).toBe(422);
    const stale = await api()
      .post(`/api/v1/tickets/${id}/messages`)
      .set(...agent.auth)
      .set('If-Match', '"7"')
      .send({ body: 'hello' });
    expect(stale.status).toBe(412);
    const page = await api()
      .get(`/api/v1/tickets/${id}/messages`)
      .set(...agent.auth);
    expect(page.body.data).toHaveLength(1);
  });
});

describe('internal notes never reach the requester or a CC', () => {
  it('not in messages, events, search results or email', async () => {
    await mail.deliver();
    const secret = 'zanzibarquokka';
    const id = await raise(user, 'Mailbox full again');
    // `other` is copied on the ticket: everything below holds for a CC as for the requester.
    const copied = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...user.auth)
      .send({ ccs: [other.email] });
    expect(copied.status).toBe(200);
    await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .send({ assigneeId: agent.id });
    expect(
      (await post(agent, id, { body: `Customer is on the ${secret} plan`, internal: true })).status,
    ).toBe(201);
    expect((await post(agent, id, { body: 'We are looking into it.' })).status).toBe(201);

    for (const reader of [user, other]) {
      const theirs = await api()
        .get(`/api/v1/tickets/${id}/messages`)
        .set(...reader.auth);
      expect(theirs.body.data.map((m: { body: string }) => m.body)).toEqual([
        'I cannot receive email.',
        'We are looking into it.',
      ]);
      const ccEvents = await api()
        .get(`/api/v1/tickets/${id}/events`)
        .set(...reader.auth);
      expect(ccEvents.status).toBe(200);
      expect(JSON.stringify(ccEvents.body)).not.toContain('"internal":true');
      const ccSearch = await api()
        .get(`/api/v1/tickets?q=${secret}`)
        .set(...reader.auth);
      expect(ccSearch.body.data).toEqual([]);
    }
    const staffView = await api()
      .get(`/api/v1/tickets/${id}/messages`)
      .set(...agent.auth);
    expect(staffView.body.data).toHaveLength(3);
    expect(staffView.body.data[1]).toMatchObject({ internal: true, body: expect.stringContaining(secret) });

    const events = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...user.auth);
    expect(events.status).toBe(200);
    expect(events.body.data.some((e: { data: { internal?: boolean } }) => e.data.internal === true)).toBe(
      false,
    );
    const staffEvents = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...agent.auth);
    expect(staffEvents.body.data.filter((e: { type: string }) => e.type === 'message.created')).toHaveLength(
      2,
    );

    const search = await api()
      .get(`/api/v1/tickets?q=${secret}`)
      .set(...user.auth);
    expect(search.status).toBe(200);
    expect(search.body.data).toEqual([]);
    const staffSearch = await api()
      .get(`/api/v1/tickets?q=${secret}`)
      .set(...agent.auth);
    expect(staffSearch.body.data.map((t: { id: string }) => t.id)).toEqual([id]);

    const mails = await mail.deliver();
    const toUser = mails.filter((m) => m.to === user.email);
    expect(toUser.length).toBeGreaterThan(0);
    expect(mails.filter((m) => m.to === other.email).length).toBeGreaterThan(0);
    for (const m of mails.filter((x) => x.to !== agent.email)) {
      expect(m.text + m.html + m.subject).not.toContain(secret);
    }
  });
});

describe('GET /tickets/:id/messages and /events', () => {
  it('pages oldest first with a cursor; 404 for other users; 400 for a bad cursor', async () => {
    const id = await raise(user);
    for (let i = 1; i <= 4; i++) await post(agent, id, { body: `reply ${i}` });
    const bodies: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/tickets/${id}/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api()
        .get(url)
        .set(...user.auth);
      expect(res.status).toBe(200);
      bodies.push(...res.body.data.map((m: { body: string }) => m.body));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(bodies).toEqual(['I cannot receive email.', 'reply 1', 'reply 2', 'reply 3', 'reply 4']);
    expect(
      (
        await api()
          .get(`/api/v1/tickets/${id}/messages`)
          .set(...other.auth)
      ).status,
    ).toBe(404);
    expect(
      (
        await api()
          .get(`/api/v1/tickets/${id}/events`)
          .set(...other.auth)
      ).status,
    ).toBe(404);
    const bad = await api()
      .get(`/api/v1/tickets/${id}/messages?cursor=not-a-cursor`)
      .set(...user.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_cursor');
    const limit = await api()
      .get(`/api/v1/tickets/${id}/messages?limit=101`)
      .set(...user.auth);
    expect(limit.status).toBe(422);
  });

  it('events carry actor and time, in order', async () => {
    const id = await raise(user);
    await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...agent.auth)
      .send({ to: 'pending' });
    const res = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...user.auth);
    expect(res.body.data).toMatchObject([
      { type: 'ticket.created', actor: { id: user.id, name: user.name, role: 'user' }, ticketId: id },
      {
        type: 'ticket.status_changed',
        actor: { id: agent.id, role: 'agent' },
        data: { from: 'new', to: 'pending' },
      },
    ]);
    expect(res.body.data[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
