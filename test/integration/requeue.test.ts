import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { useMailbox } from '../helpers/mailbox.js';

// Issue 10 item 12: a notification that gave up can be sent again by staff.
const env = useTestApp();
const mail = useMailbox(env);
let requester: Actor;
let stranger: Actor;
let agent: Actor;

beforeAll(async () => {
  const as = (role: 'user' | 'agent') => signIn(env.app.http, env.db.database, role);
  [requester, stranger, agent] = await Promise.all([as('user'), as('user'), as('agent')]);
});

const api = () => env.app.http;
const requeue = (id: string | number, by?: Actor) => {
  const req = api().post(`/api/v1/notifications/${id}/requeue`);
  return by ? req.set(...by.auth) : req;
};

/** A ticket whose acknowledgement to the requester failed (as after OUTBOX_MAX_AGE of SMTP errors). */
async function failedAck() {
  const created = await api()
    .post('/api/v1/tickets')
    .set(...requester.auth)
    .send({ subject: 'Lost my badge', body: 'Cannot get in.' });
  expect(created.status).toBe(201);
  const ticketId = created.body.id as string;
  return env.db.database.use(async (db) => {
    const [row] = await db
      .select()
      .from(notifications)
      .where(eq(notifications.ticketId, Number(ticketId)))
      .then((rows) => rows.filter((r) => r.recipient === requester.email));
    await db
      .update(notifications)
      .set({ status: 'failed', lastError: '421 try again later', attempts: 31 })
      .where(eq(notifications.id, row!.id));
    return { ticketId, id: String(row!.id), messageId: row!.messageId };
  });
}

describe('POST /notifications/:id/requeue', () => {
  it('staff requeue a failed email: it is delivered, once, and the requeue is audited for staff only', async () => {
    await mail.deliver();
    const n = await failedAck();
    await mail.deliver(); // the staff alerts
    const res = await requeue(n.id, agent);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: n.id, status: 'queued', recipient: requester.email });

    const delivered = await mail.deliver();
    expect(delivered.filter((m) => m.to === requester.email).map((m) => m.messageId)).toEqual([n.messageId]);
    const list = await api()
      .get(`/api/v1/tickets/${n.ticketId}/notifications`)
      .set(...agent.auth);
    expect(list.body.data.find((r: { id: string }) => r.id === n.id)).toMatchObject({ status: 'sent' });

    const staffEvents = await api()
      .get(`/api/v1/tickets/${n.ticketId}/events?limit=100`)
      .set(...agent.auth);
    expect(staffEvents.body.data.map((e: { type: string }) => e.type)).toContain('notification.requeued');
    const requesterEvents = await api()
      .get(`/api/v1/tickets/${n.ticketId}/events?limit=100`)
      .set(...requester.auth);
    expect(requesterEvents.body.data.map((e: { type: string }) => e.type)).not.toContain(
      'notification.requeued',
    );
  });

  it('409 not_failed for a queued or sent one, so a double click sends nothing twice', async () => {
    const n = await failedAck();
    expect((await requeue(n.id, agent)).status).toBe(200);
    const again = await requeue(n.id, agent);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('not_failed');
    expect(again.headers['content-type']).toBe('application/problem+json');
  });

  it('404 for the requester, a stranger, an unknown or malformed id; 401 without a token', async () => {
    const n = await failedAck();
    for (const who of [requester, stranger]) expect((await requeue(n.id, who)).status).toBe(404);
    expect((await requeue('999999999', agent)).status).toBe(404);
    expect((await requeue('abc', agent)).status).toBe(404);
    expect((await requeue(n.id)).status).toBe(401);
    const [row] = await env.db.database.use((db) =>
      db
        .select()
        .from(notifications)
        .where(eq(notifications.id, Number(n.id))),
    );
    expect(row!.status).toBe('failed');
  });
});
