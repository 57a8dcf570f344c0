import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { tickets, users } from '../../db/schema/index.js';
import { autoCloseSolved } from '../../src/modules/tickets/housekeeping.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { type Delivered, useMailbox } from '../helpers/mailbox.js';

// Every state change produces exactly the emails of the contract's table, no others: this file owns
// every staff account in its database, so "every active agent/admin" is a known set.
const env = useTestApp();
const mail = useMailbox(env);
let requester: Actor;
let quietUser: Actor;
let agentA: Actor;
let agentB: Actor;
let admin: Actor;

beforeAll(async () => {
  const as = (role: 'user' | 'agent' | 'admin') => signIn(env.app.http, env.db.database, role);
  [requester, quietUser, agentA, agentB, admin] = await Promise.all([
    as('user'),
    as('user'),
    as('agent'),
    as('agent'),
    as('admin'),
  ]);
  const disabled = await as('agent');
  const optedOut = await as('agent');
  await env.db.database.use(async (db) => {
    await db
      .update(users)
      .set({ active: false })
      .where(eq(users.id, Number(disabled.id)));
    await db
      .update(users)
      .set({ notifyByEmail: false })
      .where(eq(users.id, Number(optedOut.id)));
    await db
      .update(users)
      .set({ notifyByEmail: false })
      .where(eq(users.id, Number(quietUser.id)));
  });
});

const api = () => env.app.http;
/** (recipient, subject) pairs, sorted, for exact comparison. */
const summary = (mails: Delivered[]) => mails.map((m) => [m.to, m.subject]).sort();

async function raise(by: Actor, subject = 'Laptop will not boot') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject, body: 'It shows a blinking cursor.' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('emails on every state change', () => {
  it('walks a ticket through its life and checks each change sends exactly the contract’s emails', async () => {
    await mail.deliver(); // nothing queued before this test
    const id = await raise(requester);
    const tag = `[#${id}]`;
    expect(summary(await mail.deliver())).toEqual(
      [
        [requester.email, `${tag} We received your request: Laptop will not boot`],
        [agentA.email, `${tag} New ticket: Laptop will not boot`],
        [agentB.email, `${tag} New ticket: Laptop will not boot`],
        [admin.email, `${tag} New ticket: Laptop will not boot`],
      ].sort(),
    );

    // Assigned by an admin: the new assignee and the requester.
    const assign = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...admin.auth)
      .send({ assigneeId: agentB.id });
    expect(assign.status).toBe(200);
    expect(summary(await mail.deliver())).toEqual(
      [
        [agentB.email, `${tag} Assigned to ${agentB.name}: Laptop will not boot`],
        [requester.email, `${tag} Assigned to ${agentB.name}: Laptop will not boot`],
      ].sort(),
    );

    // Priority and tags changes send nothing.
    await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agentB.auth)
      .send({ priority: 'high', tags: ['hardware'] });
    expect(await mail.deliver()).toEqual([]);

    // The assignee's first public reply: the reply and the implicit new → open, to the requester only.
    await api()
      .post(`/api/v1/tickets/${id}/messages`)
      .set(...agentB.auth)
      .send({ body: 'Hold the power button for 10 s.' });
    expect(summary(await mail.deliver())).toEqual(
      [
        [requester.email, `${tag} New reply from ${agentB.name}: Laptop will not boot`],
        [requester.email, `${tag} Status changed to open: Laptop will not boot`],
      ].sort(),
    );

    // An internal note by another agent: the assignee only.
    await api()
      .post(`/api/v1/tickets/${id}/messages`)
      .set(...agentA.auth)
      .send({ body: 'Known firmware bug, see KB-12.', internal: true });
    const notes = await mail.deliver();
    expect(summary(notes)).toEqual([
      [agentB.email, `${tag} Internal note from ${agentA.name}: Laptop will not boot`],
    ]);
    expect(notes[0]!.text).toContain('Known firmware bug');

    // Explicit transition by the assignee: the requester.
    await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...agentB.auth)
      .send({ to: 'pending', reason: 'Waiting for your answer' });
    const pending = await mail.deliver();
    expect(summary(pending)).toEqual([
      [requester.email, `${tag} Status changed to pending: Laptop will not boot`],
    ]);
    expect(pending[0]!.text).toContain('Waiting for your answer');

    // The requester answers a pending ticket: reply + implicit reopen, to the assignee.
    await api()
      .post(`/api/v1/tickets/${id}/messages`)
      .set(...requester.auth)
      .send({ body: 'Did that, still blinking.' });
    expect(summary(await mail.deliver())).toEqual(
      [
        [agentB.email, `${tag} New reply from ${requester.name}: Laptop will not boot`],
        [agentB.email, `${tag} Status changed to open: Laptop will not boot`],
      ].sort(),
    );

    // The requester solves it; auto-close later tells both.
    await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...requester.auth)
      .send({ to: 'solved' });
    expect(summary(await mail.deliver())).toEqual([
      [agentB.email, `${tag} Status changed to solved: Laptop will not boot`],
    ]);
    const days = env.app.deps.config.autoCloseDays;
    await env.db.database.use((db) =>
      db
        .update(tickets)
        .set({ solvedAt: new Date(Date.now() - (days + 1) * 86_400_000) })
        .where(eq(tickets.id, Number(id))),
    );
    const { database, clock, config, logger } = { ...env.app.deps, database: env.db.database };
    expect(await autoCloseSolved({ database, clock, config, logger })).toBe(1);
    expect(summary(await mail.deliver())).toEqual(
      [
        [agentB.email, `${tag} Status changed to closed: Laptop will not boot`],
        [requester.email, `${tag} Status changed to closed: Laptop will not boot`],
      ].sort(),
    );
  });

  it('threads every email of a ticket with Message-ID, In-Reply-To and References', async () => {
    await mail.deliver();
    const id = await raise(requester);
    await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...agentA.auth)
      .send({ to: 'on_hold' });
    const mails = await mail.deliver();
    expect(mails.length).toBe(5);
    const root = `<ticket-${id}@localhost>`;
    for (const m of mails) {
      expect(m.inReplyTo).toBe(root);
      expect(m.references).toContain(root);
      expect(m.messageId).toMatch(/^<[^<>@\s]+@localhost>$/);
    }
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(mails.length);
  });

  it('an opted-out requester gets no acknowledgement; staff are still told', async () => {
    await mail.deliver();
    const id = await raise(quietUser);
    const mails = await mail.deliver();
    expect(mails.map((m) => m.to).sort()).toEqual([agentA.email, agentB.email, admin.email].sort());
    expect(mails.every((m) => m.subject.startsWith(`[#${id}]`))).toBe(true);
  });

  it('user content is escaped and a CR/LF in a subject cannot inject headers', async () => {
    await mail.deliver();
    // A line break in a subject is refused outright (422)…
    const injected = await api()
      .post('/api/v1/tickets')
      .set(...requester.auth)
      .send({ subject: 'Help\r\nBcc: thief@evil.test', body: 'x' });
    expect(injected.status).toBe(422);
    // …and what is accepted is escaped in HTML and stays on the subject line.
    const evil = 'Help <script>alert(1)</script> & co Bcc: thief@evil.test';
    const res = await api()
      .post('/api/v1/tickets')
      .set(...requester.auth)
      .send({ subject: evil, body: '<img src=x onerror=alert(1)>' });
    expect(res.status).toBe(201);
    const mails = await mail.deliver();
    expect(mails.length).toBe(4);
    for (const m of mails) {
      expect(m.to).not.toContain('thief');
      expect(m.raw.parsed.headers.has('bcc')).toBe(false);
      expect(m.subject).not.toMatch(/[\r\n]/);
      expect(m.html).not.toContain('<script>');
      expect(m.html).not.toContain('<img src=x');
      expect(m.html).toContain('&lt;script&gt;');
    }
  });
});

describe('GET /tickets/:id/notifications', () => {
  it('shows staff the delivery state; the requester gets 403, another user 404', async () => {
    const id = await raise(requester);
    const queued = await api()
      .get(`/api/v1/tickets/${id}/notifications`)
      .set(...agentA.auth);
    expect(queued.status).toBe(200);
    expect(queued.body.data).toHaveLength(4);
    expect(queued.body.data[0]).toMatchObject({
      event: 'ticket.created',
      status: 'queued',
      attempts: 0,
      sentAt: null,
    });
    await mail.deliver();
    const sent = await api()
      .get(`/api/v1/tickets/${id}/notifications?limit=3`)
      .set(...admin.auth);
    expect(sent.body.data).toHaveLength(3);
    expect(sent.body.nextCursor).toEqual(expect.any(String));
    expect(sent.body.data.every((n: { status: string }) => n.status === 'sent')).toBe(true);
    const rest = await api()
      .get(`/api/v1/tickets/${id}/notifications?limit=3&cursor=${sent.body.nextCursor}`)
      .set(...admin.auth);
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    const mine = await api()
      .get(`/api/v1/tickets/${id}/notifications`)
      .set(...requester.auth);
    expect(mine.status).toBe(403);
    const theirs = await api()
      .get(`/api/v1/tickets/${id}/notifications`)
      .set(...quietUser.auth);
    expect(theirs.status).toBe(404);
  });
});
