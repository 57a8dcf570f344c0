import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema/index.js';
import { NOT_ELIGIBLE } from '../../src/modules/notifications/dispatcher.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { useMailbox } from '../helpers/mailbox.js';

// Issue 10 item 4: an agent demoted to `user` (or disabled) kept receiving the ticket email queued for
// them before the change, and kept their tickets. Eligibility is now checked when the email is sent, and
// the demotion itself unassigns their tickets, audited.
const env = useTestApp();
const mail = useMailbox(env);
let requester: Actor;
let admin: Actor;
let other: Actor;

beforeAll(async () => {
  const as = (role: 'user' | 'agent' | 'admin') => signIn(env.app.http, env.db.database, role);
  [requester, admin, other] = await Promise.all([as('user'), as('admin'), as('agent')]);
});

const api = () => env.app.http;

async function assignedTicket(agent: Actor) {
  const created = await api()
    .post('/api/v1/tickets')
    .set(...requester.auth)
    .send({ subject: 'Printer on fire', body: 'Smoke everywhere.' });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const assign = await api()
    .patch(`/api/v1/tickets/${id}`)
    .set(...admin.auth)
    .send({ assigneeId: agent.id });
  expect(assign.status).toBe(200);
  await mail.deliver();
  return id;
}

/** Queues, for the assignee: the customer's reply (with personal data) and another agent's internal note. */
async function queueMailForAssignee(id: string) {
  const reply = await api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...requester.auth)
    .send({ body: 'My phone number is 555-0100.' });
  expect(reply.status).toBe(201);
  const note = await api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...other.auth)
    .send({ body: 'Internal: customer is VIP.', internal: true });
  expect(note.status).toBe(201);
}

async function rowsFor(email: string, ticketId: string) {
  return env.db.database.use((db) =>
    db
      .select()
      .from(notifications)
      .where(and(eq(notifications.recipient, email), eq(notifications.ticketId, Number(ticketId)))),
  );
}

describe.each([
  ['demoted to user', { role: 'user' }],
  ['disabled', { active: false }],
])('an agent %s', (_label, patch) => {
  it('gets none of the ticket email queued before, loses their open tickets (audited) and cannot be assigned', async () => {
    const agent = await signIn(env.app.http, env.db.database, 'agent');
    const id = await assignedTicket(agent);
    await queueMailForAssignee(id);
    expect((await rowsFor(agent.email, id)).filter((r) => r.status === 'queued')).toHaveLength(2);

    const change = await api()
      .patch(`/api/v1/users/${agent.id}`)
      .set(...admin.auth)
      .send(patch);
    expect(change.status).toBe(200);

    const delivered = await mail.deliver();
    expect(delivered.filter((m) => m.to === agent.email)).toEqual([]);
    const rows = await rowsFor(agent.email, id);
    const dropped = rows.filter((r) => r.event === 'message.created' || r.event === 'note.created');
    expect(dropped.map((r) => [r.status, r.lastError])).toEqual([
      ['failed', NOT_ELIGIBLE],
      ['failed', NOT_ELIGIBLE],
    ]);
    // Nothing personal is left in the dropped rows' payloads beyond what a sent one keeps.
    expect(dropped.every((r) => r.claimToken === null)).toBe(true);

    const ticket = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...admin.auth);
    expect(ticket.body.assignee).toBeNull();
    const events = await api()
      .get(`/api/v1/tickets/${id}/events?limit=100`)
      .set(...admin.auth);
    const unassigned = (
      events.body.data as { type: string; data: unknown; actor: { id: string } | null }[]
    ).filter((e) => e.type === 'ticket.assigned');
    expect(unassigned.at(-1)).toMatchObject({ data: { from: agent.id, to: null } });
    expect(JSON.stringify(unassigned.at(-1))).toContain(admin.id);

    const reassign = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...admin.auth)
      .send({ assigneeId: agent.id });
    expect(reassign.status).toBe(422);
  });
});

it('the requester still gets their email while an agent on the ticket is demoted', async () => {
  const agent = await signIn(env.app.http, env.db.database, 'agent');
  const id = await assignedTicket(agent);
  const reply = await api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...agent.auth)
    .send({ body: 'On my way with an extinguisher.' });
  expect(reply.status).toBe(201);
  await api()
    .patch(`/api/v1/users/${agent.id}`)
    .set(...admin.auth)
    .send({ role: 'user' });
  const delivered = await mail.deliver();
  expect(delivered.some((m) => m.to === requester.email && m.subject.includes('New reply'))).toBe(true);
});
