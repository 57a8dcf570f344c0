import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { useMailbox } from '../helpers/mailbox.js';

const env = useTestApp();
const mail = useMailbox(env);
let alice: Actor;
let bob: Actor;
let agent: Actor;
let follower: Actor;

beforeAll(async () => {
  [alice, bob, agent, follower] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
async function raise(by: Actor, subject = 'VPN fails') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject, body: 'It times out.' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const mergeInto = (by: Actor, target: string, sourceIds: unknown) =>
  api()
    .post(`/api/v1/tickets/${target}/merge`)
    .set(...by.auth)
    .send({ sourceIds });
const post = (by: Actor, id: string, body: Record<string, unknown>) =>
  api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...by.auth)
    .send(body);

describe('followers', () => {
  it('staff follow and unfollow (idempotent); followers get every email, internal notes included', async () => {
    const id = await raise(alice);
    const on = await api()
      .put(`/api/v1/tickets/${id}/followers/me`)
      .set(...follower.auth);
    expect(on.status).toBe(200);
    expect(on.body.followers).toEqual([{ id: follower.id, name: follower.name, email: follower.email }]);
    const again = await api()
      .put(`/api/v1/tickets/${id}/followers/me`)
      .set(...follower.auth);
    expect(again.body.version).toBe(on.body.version);
    // The requester's view is unchanged and shows no followers.
    const theirs = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...alice.auth);
    expect(theirs.body).not.toHaveProperty('followers');
    expect(theirs.body.version).toBe(1);

    await mail.deliver();
    await post(agent, id, { body: 'Internal: check the firewall', internal: true });
    await post(agent, id, { body: 'Which client version?' });
    const mails = (await mail.deliver()).filter((m) => m.to === follower.email);
    expect(mails.map((m) => m.text).join('\n')).toContain('Internal: check the firewall');
    expect(mails.map((m) => m.text).join('\n')).toContain('Which client version?');

    const off = await api()
      .delete(`/api/v1/tickets/${id}/followers/me`)
      .set(...follower.auth);
    expect(off.body.followers).toEqual([]);
    await post(agent, id, { body: 'Another note', internal: true });
    expect((await mail.deliver()).map((m) => m.to)).not.toContain(follower.email);
  });

  it('a requester cannot follow (403); a stranger gets 404', async () => {
    const id = await raise(alice);
    expect(
      (
        await api()
          .put(`/api/v1/tickets/${id}/followers/me`)
          .set(...alice.auth)
      ).status,
    ).toBe(403);
    expect(
      (
        await api()
          .put(`/api/v1/tickets/${id}/followers/me`)
          .set(...bob.auth)
      ).status,
    ).toBe(404);
  });
});

describe('POST /tickets/:id/merge', () => {
  it('closes the sources into the target, with events, a note, an email, and copies their requesters', async () => {
    const target = await raise(alice, 'VPN down for everyone');
    const s1 = await raise(bob, 'VPN?');
    const s2 = await raise(alice, 'VPN again');
    await mail.deliver();
    const res = await mergeInto(agent, target, [s1, s2]);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(target);
    expect(res.body.ccs.map((p: { id: string }) => p.id)).toEqual([bob.id]);

    for (const s of [s1, s2]) {
      const t = await api()
        .get(`/api/v1/tickets/${s}`)
        .set(...agent.auth);
      expect(t.body).toMatchObject({ status: 'closed', mergedInto: { id: target } });
      const events = await api()
        .get(`/api/v1/tickets/${s}/events`)
        .set(...agent.auth);
      expect(events.body.data.map((e: { type: string }) => e.type)).toContain('ticket.merged_into');
    }
    const notes = await api()
      .get(`/api/v1/tickets/${target}/messages`)
      .set(...agent.auth);
    expect(notes.body.data.at(-1)).toMatchObject({
      internal: true,
      body: `Merged into this ticket: #${s1}, #${s2}.`,
    });
    const events = await api()
      .get(`/api/v1/tickets/${target}/events`)
      .set(...agent.auth);
    expect(events.body.data.find((e: { type: string }) => e.type === 'ticket.merged').data).toEqual({
      sources: [s1, s2],
    });
    // The target's requester never sees which other tickets were merged in.
    const theirEvents = await api()
      .get(`/api/v1/tickets/${target}/events`)
      .set(...alice.auth);
    expect(JSON.stringify(theirEvents.body)).not.toContain('ticket.merged');

    const mails = await mail.deliver();
    const merged = mails.filter((m) => m.subject.includes(`Merged into #${target}`));
    expect(merged.map((m) => m.to).sort()).toEqual([alice.email, bob.email].sort());

    // A later reply to a source lands on the target; the answer says where.
    const reply = await post(bob, s1, { body: 'Is it fixed?' });
    expect(reply.status).toBe(201);
    expect(reply.body.ticketId).toBe(target);
    const bobsView = await api()
      .get(`/api/v1/tickets/${target}/messages`)
      .set(...bob.auth);
    expect(bobsView.body.data.map((m: { body: string }) => m.body)).toContain('Is it fixed?');
    // A stranger still cannot write through a merged ticket they never saw.
    const third = await signIn(env.app.http, env.db.database, 'user');
    expect((await post(third, s1, { body: 'hi' })).status).toBe(404);
  });

  it('refuses self, a closed target, a cycle, an already-merged source, and invisible tickets', async () => {
    const a = await raise(alice);
    const b = await raise(alice);
    const c = await raise(alice);
    const self = await mergeInto(agent, a, [a]);
    expect(self.status).toBe(422);
    expect(self.body.code).toBe('merge_into_self');
    expect((await mergeInto(agent, a, [b])).status).toBe(200);
    const cycle = await mergeInto(agent, b, [a]);
    expect(cycle.status).toBe(422);
    expect(cycle.body.code).toBe('merge_cycle');
    const again = await mergeInto(agent, c, [b]);
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('already_merged');
    expect(again.body.ticketIds).toEqual([b]);
    const closedTarget = await mergeInto(agent, b, [c]);
    expect(closedTarget.status).toBe(422);
    expect(closedTarget.body.code).toBe('merge_target_closed');
    expect((await mergeInto(agent, a, ['999999999'])).status).toBe(404);
    expect((await mergeInto(agent, a, [])).status).toBe(422);
    expect((await mergeInto(agent, a, [c, c])).status).toBe(422);
    expect(
      (
        await mergeInto(
          agent,
          a,
          Array.from({ length: 51 }, (_, i) => String(i + 1)),
        )
      ).status,
    ).toBe(422);
    expect((await mergeInto(agent, a, ['x'])).status).toBe(422);
    // A requester may not merge even their own tickets; a stranger learns nothing.
    expect((await mergeInto(alice, a, [c])).status).toBe(403);
    expect((await mergeInto(bob, a, [c])).status).toBe(404);
    // Nothing half-applied: c is untouched.
    const t = await api()
      .get(`/api/v1/tickets/${c}`)
      .set(...agent.auth);
    expect(t.body).toMatchObject({ status: 'new', mergedInto: null, version: 1 });
  });

  it('two merges racing over the same tickets: one wins, the other is refused, no deadlock', async () => {
    const x = await raise(alice);
    const y = await raise(alice);
    const z = await raise(alice);
    const [r1, r2] = await Promise.all([mergeInto(agent, x, [y, z]), mergeInto(agent, z, [x, y])]);
    const statuses = [r1.status, r2.status].sort();
    expect(statuses).toEqual([200, 422]);
  });
});
