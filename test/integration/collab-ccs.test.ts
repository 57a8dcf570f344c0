import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { useMailbox } from '../helpers/mailbox.js';

const env = useTestApp();
const mail = useMailbox(env);
let requester: Actor;
let cc: Actor;
let stranger: Actor;
let agent: Actor;

beforeAll(async () => {
  [requester, cc, stranger, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
async function raise(subject = 'Shared mailbox is down') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...requester.auth)
    .send({ subject, body: 'Nobody in the team gets mail.' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const patch = (by: Actor, id: string, body: Record<string, unknown>) =>
  api()
    .patch(`/api/v1/tickets/${id}`)
    .set(...by.auth)
    .send(body);
const post = (by: Actor, id: string, body: Record<string, unknown>) =>
  api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...by.auth)
    .send(body);

describe('PATCH /tickets/:id {ccs}', () => {
  it('the requester copies someone: replace-set, deduplicated by case, shown on the ticket with an event', async () => {
    const id = await raise();
    const res = await patch(requester, id, { ccs: [cc.email.toUpperCase(), ` ${cc.email} `] });
    expect(res.status).toBe(200);
    expect(res.body.ccs).toEqual([{ id: cc.id, name: cc.name, email: cc.email }]);
    // A requester does not see the staff-only followers list.
    expect(res.body).not.toHaveProperty('followers');
    const events = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...requester.auth);
    expect(events.body.data.at(-1)).toMatchObject({ type: 'ticket.ccs_changed', data: { added: [cc.id] } });
    // The same set again changes nothing (no new version); an empty set removes the copy.
    const again = await patch(requester, id, { ccs: [cc.email] });
    expect(again.body.version).toBe(res.body.version);
    const cleared = await patch(agent, id, { ccs: [] });
    expect(cleared.status).toBe(200);
    expect(cleared.body.ccs).toEqual([]);
    expect(
      (
        await api()
          .get(`/api/v1/tickets/${id}`)
          .set(...cc.auth)
      ).status,
    ).toBe(404);
  });

  it('bad input is 422 and changes nothing: too many, invalid, the requester, staff', async () => {
    const id = await raise();
    const thousand = Array.from({ length: 1000 }, (_, i) => `person${i}@example.com`);
    const many = await patch(requester, id, { ccs: thousand });
    expect(many.status).toBe(422);
    expect(many.body.code).toBe('validation_failed');
    // One error for the count, not one per address.
    expect(many.body.errors).toHaveLength(1);
    expect((await patch(requester, id, { ccs: thousand.slice(0, 51) })).status).toBe(422);
    for (const bad of ['not-an-email', 'a@b', '', 'ada@exa mple.com', 'é@example.com', 'x'.repeat(400)]) {
      const res = await patch(requester, id, { ccs: [bad] });
      expect(res.status, bad).toBe(422);
      expect(res.body.errors[0].path).toBe('ccs.0');
    }
    const self = await patch(requester, id, { ccs: [cc.email, requester.email] });
    expect(self.status).toBe(422);
    expect(self.body.errors).toEqual([{ path: 'ccs.1', message: 'is the requester' }]);
    const staff = await patch(agent, id, { ccs: [agent.email] });
    expect(staff.status).toBe(422);
    expect(staff.body.errors[0].path).toBe('ccs.0');
    const ticket = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...requester.auth);
    expect(ticket.body.ccs).toEqual([]);
    expect(ticket.body.version).toBe(1);
  });

  it('an address without an account gets a password-less customer account, audited; rolled back on a 422', async () => {
    const id = await raise();
    const fresh = `New.Colleague+${Date.now()}@Example.com`;
    const res = await patch(requester, id, { ccs: [fresh] });
    expect(res.status).toBe(200);
    expect(res.body.ccs).toEqual([
      { id: expect.any(String), name: fresh.split('@')[0]!.toLowerCase(), email: fresh.toLowerCase() },
    ]);
    // With a bad address in the same set, the good one's account is not created either.
    const other = `rolled-back-${Date.now()}@example.com`;
    expect((await patch(requester, id, { ccs: [other, requester.email] })).status).toBe(422);
    const [rows] = (await env.db.database.use((db) =>
      db.execute(`SELECT id FROM users WHERE email = '${other}'`),
    )) as unknown as [unknown[]];
    expect(rows).toHaveLength(0);
  });

  it('a CC cannot change the CCs, nor can a stranger see the ticket to try', async () => {
    const id = await raise();
    await patch(requester, id, { ccs: [cc.email] });
    expect((await patch(cc, id, { ccs: [] })).status).toBe(403);
    expect((await patch(stranger, id, { ccs: [stranger.email] })).status).toBe(404);
  });
});

describe('what a CC may do', () => {
  it('reads the ticket, its public messages and events, lists it, and replies; changes nothing else', async () => {
    const id = await raise('Printer on floor 3');
    await patch(requester, id, { ccs: [cc.email] });
    await post(agent, id, { body: 'Customer is on the zanzibarquokka plan', internal: true });
    await post(agent, id, { body: 'We are on it.' });

    const got = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...cc.auth);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('followers');
    const messages = await api()
      .get(`/api/v1/tickets/${id}/messages`)
      .set(...cc.auth);
    expect(messages.body.data.map((m: { body: string }) => m.body)).toEqual([
      'Nobody in the team gets mail.',
      'We are on it.',
    ]);
    const events = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...cc.auth);
    expect(events.status).toBe(200);
    expect(JSON.stringify(events.body)).not.toContain('"internal":true');
    const list = await api()
      .get('/api/v1/tickets')
      .set(...cc.auth);
    expect(list.body.data.map((t: { id: string }) => t.id)).toContain(id);
    const search = await api()
      .get('/api/v1/tickets?q=zanzibarquokka')
      .set(...cc.auth);
    expect(search.body.data).toEqual([]);

    const reply = await post(cc, id, { body: 'Same here on floor 3.' });
    expect(reply.status).toBe(201);
    expect(reply.body.author).toMatchObject({ id: cc.id, role: 'user' });
    expect((await post(cc, id, { body: 'psst', internal: true })).status).toBe(422);
    expect((await patch(cc, id, { subject: 'Mine now' })).status).toBe(403);
    const move = await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...cc.auth)
      .send({ to: 'solved' });
    expect(move.status).toBe(403);
    const allowed = await api()
      .get(`/api/v1/tickets/${id}/transitions`)
      .set(...cc.auth);
    expect(allowed.body.allowed).toEqual([]);
    // Staff see the message notification log; a CC does not.
    expect(
      (
        await api()
          .get(`/api/v1/tickets/${id}/notifications`)
          .set(...cc.auth)
      ).status,
    ).toBe(403);
  });

  it("a CC's reply on a pending ticket does not reopen it (only the requester's does)", async () => {
    const id = await raise();
    await patch(requester, id, { ccs: [cc.email] });
    await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...agent.auth)
      .send({ to: 'pending' });
    await post(cc, id, { body: 'Still broken.' });
    const t = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...agent.auth);
    expect(t.body.status).toBe('pending');
  });
});

describe('CC email', () => {
  it('a CC gets public replies and status changes, never an internal note; a removed CC gets nothing more', async () => {
    await mail.deliver();
    const secret = 'marmosetquasar';
    const id = await raise('Wifi drops');
    await patch(agent, id, { assigneeId: agent.id });
    await patch(requester, id, { ccs: [cc.email] });
    await post(agent, id, { body: `Router model is ${secret}`, internal: true });
    await post(agent, id, { body: 'Please restart the router.' });
    await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...agent.auth)
      .send({ to: 'pending' });
    const mails = await mail.deliver();
    const toCc = mails.filter((m) => m.to === cc.email);
    // The reply, the move to open it made, and the move to pending.
    expect(toCc.length).toBe(3);
    expect(toCc.some((m) => m.text.includes('Please restart the router.'))).toBe(true);
    for (const m of mails.filter((x) => x.to !== agent.email)) {
      expect(m.text + m.html + m.subject).not.toContain(secret);
    }
    // A CC's own reply mails the requester and the assignee, not the CC.
    await post(cc, id, { body: 'Restarted, still drops.' });
    const after = await mail.deliver();
    expect(after.map((m) => m.to).sort()).toEqual([agent.email, requester.email].sort());

    // Queued for a CC, then the CC is removed before sending: the dispatcher drops it.
    await post(agent, id, { body: 'Try channel 6.' });
    await patch(requester, id, { ccs: [] });
    const late = await mail.deliver();
    expect(late.map((m) => m.to)).not.toContain(cc.email);
  });
});
