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
async function raise(tags: string[] = []) {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...user.auth)
    .send({ subject: 'Slow laptop', body: 'It takes ages to boot.', tags });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const bulk = (by: Actor, body: unknown) =>
  api()
    .post('/api/v1/tickets/bulk')
    .set(...by.auth)
    .send(body as object);

describe('POST /tickets/bulk', () => {
  it('changes each ticket with its own events and emails; one bad item fails alone', async () => {
    const a = await raise(['old']);
    const b = await raise(['old', 'keep']);
    const closed = await raise();
    for (const to of ['solved', 'closed']) {
      await api()
        .post(`/api/v1/tickets/${closed}/transitions`)
        .set(...agent.auth)
        .send({ to });
    }
    await mail.deliver();
    const res = await bulk(agent, {
      ids: [a, '999999999', closed, b],
      changes: {
        status: 'pending',
        priority: 'high',
        assigneeId: agent.id,
        addTags: ['VIP'],
        removeTags: ['old'],
      },
    });
    expect(res.status).toBe(200);
    const [ra, missing, rclosed, rb] = res.body.results;
    expect(ra).toMatchObject({
      id: a,
      status: 200,
      ticket: { status: 'pending', priority: 'high', tags: ['vip'] },
    });
    expect(ra.ticket.assignee.id).toBe(agent.id);
    expect(rb.ticket.tags).toEqual(['keep', 'vip']);
    expect(missing).toMatchObject({ id: '999999999', status: 404, error: { code: 'not_found' } });
    expect(missing).not.toHaveProperty('ticket');
    // The closed ticket cannot move: its whole item rolled back (priority and tags unchanged too).
    expect(rclosed).toMatchObject({ status: 409, error: { code: 'invalid_transition', status: 409 } });
    const t = await api()
      .get(`/api/v1/tickets/${closed}`)
      .set(...agent.auth);
    expect(t.body).toMatchObject({ priority: 'normal', tags: [], assignee: null });

    const events = await api()
      .get(`/api/v1/tickets/${a}/events`)
      .set(...agent.auth);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining([
        'ticket.priority_changed',
        'ticket.assigned',
        'ticket.tags_changed',
        'ticket.status_changed',
      ]),
    );
    const mails = await mail.deliver();
    // Each changed ticket tells its requester about the assignment and the move.
    expect(mails.filter((m) => m.to === user.email && m.subject.includes(`[#${a}]`)).length).toBe(2);
  });

  it('bad bodies are 422 and change nothing; requesters get 403; a bad assignee is a per-item 422', async () => {
    const a = await raise();
    const many = Array.from({ length: 101 }, (_, i) => String(i + 1));
    const tooMany = await bulk(agent, { ids: many, changes: { priority: 'low' } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toHaveLength(1);
    expect((await bulk(agent, { ids: [a, a], changes: { priority: 'low' } })).status).toBe(422);
    expect((await bulk(agent, { ids: [], changes: { priority: 'low' } })).status).toBe(422);
    expect((await bulk(agent, { ids: [a], changes: {} })).status).toBe(422);
    expect((await bulk(agent, { ids: [a], changes: { status: 'gone' } })).status).toBe(422);
    expect((await bulk(agent, { ids: [a], changes: { groupId: 'x' } })).status).toBe(422);
    const unknownGroup = await bulk(agent, { ids: [a], changes: { groupId: '999999' } });
    expect(unknownGroup.body.results[0]).toMatchObject({ status: 422 });
    expect((await bulk(agent, { ids: ['0'], changes: { priority: 'low' } })).status).toBe(422);
    expect((await bulk(user, { ids: [a], changes: { priority: 'low' } })).status).toBe(403);
    expect((await bulk(other, { ids: [a], changes: { status: 'solved' } })).status).toBe(403);
    const badAssignee = await bulk(agent, { ids: [a], changes: { assigneeId: user.id } });
    expect(badAssignee.body.results[0]).toMatchObject({ status: 422, error: { code: 'validation_failed' } });
    const t = await api()
      .get(`/api/v1/tickets/${a}`)
      .set(...agent.auth);
    expect(t.body).toMatchObject({ priority: 'normal', version: 1 });
  });

  it('puts tickets in a group, each with its own group event', async () => {
    const admin = await signIn(env.app.http, env.db.database, 'admin');
    const group = await api()
      .post('/api/v1/groups')
      .set(...admin.auth)
      .send({ name: `Bulk ${Date.now()}`, memberIds: [agent.id], assignment: 'manual' });
    expect(group.status, group.text).toBe(201);
    const [a, b] = [await raise(), await raise()];
    const res = await bulk(agent, { ids: [a, b], changes: { groupId: group.body.id } });
    expect(res.status).toBe(200);
    for (const r of res.body.results) {
      expect(r).toMatchObject({ status: 200, ticket: { group: { id: group.body.id } } });
    }
    const events = await api()
      .get(`/api/v1/tickets/${a}/events`)
      .set(...agent.auth);
    expect(events.body.data.map((e: { type: string }) => e.type)).toContain('ticket.group_changed');
  });

  it("too many tags on one ticket is that item's 422", async () => {
    const full = await raise(Array.from({ length: 20 }, (_, i) => `t${i}`));
    const other = await raise();
    const res = await bulk(agent, { ids: [full, other], changes: { addTags: ['extra'] } });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([422, 200]);
  });
});
