import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, call, raise, settle, signIn, summary } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Notifications: each change sends exactly the contract's emails, threaded per ticket, and they leave
// without anyone waiting for them (Node: the outbox loop; Workers: a drain after the response). This
// file owns every staff account in each target's database, so "every active agent/admin" is known.

describe.each(TARGET_NAMES)('notifications on %s', (name) => {
  const t = useTarget(name);
  let requester: Actor;
  let agentA: Actor;
  let agentB: Actor;
  let admin: Actor;

  beforeAll(async () => {
    [requester, agentA, agentB, admin] = await Promise.all([
      signIn(t(), 'user'),
      signIn(t(), 'agent'),
      signIn(t(), 'agent'),
      signIn(t(), 'admin'),
    ]);
  });

  it('every change sends exactly the expected emails, with [#id] subjects and thread headers', async () => {
    await settle(t());
    const id = await raise(t(), requester, { subject: 'Laptop will not boot' });
    const tag = `[#${id}]`;
    const created = await settle(t());
    expect(summary(created)).toEqual(
      [
        [requester.email, `${tag} We received your request: Laptop will not boot`],
        [agentA.email, `${tag} New ticket: Laptop will not boot`],
        [agentB.email, `${tag} New ticket: Laptop will not boot`],
        [admin.email, `${tag} New ticket: Laptop will not boot`],
      ].sort(),
    );

    expect(
      (await call(t(), 'PATCH', `/tickets/${id}`, { token: admin.token, body: { assigneeId: agentB.id } }))
        .status,
    ).toBe(200);
    const assigned = await settle(t());
    expect(summary(assigned)).toEqual(
      [
        [agentB.email, `${tag} Assigned to ${agentB.name}: Laptop will not boot`],
        [requester.email, `${tag} Assigned to ${agentB.name}: Laptop will not boot`],
      ].sort(),
    );

    // The assignee's first public reply: the reply and the implicit new → open, to the requester.
    await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: agentB.token,
      body: { body: 'Hold power 10 s.' },
    });
    const replied = await settle(t());
    expect(summary(replied)).toEqual(
      [
        [requester.email, `${tag} New reply from ${agentB.name}: Laptop will not boot`],
        [requester.email, `${tag} Status changed to open: Laptop will not boot`],
      ].sort(),
    );

    // An internal note by another agent: the assignee only.
    await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: agentA.token,
      body: { body: 'Known firmware bug, see KB-12.', internal: true },
    });
    const noted = await settle(t());
    expect(summary(noted)).toEqual([
      [agentB.email, `${tag} Internal note from ${agentA.name}: Laptop will not boot`],
    ]);
    expect(noted[0]!.text).toContain('Known firmware bug');

    // Priority changes email nobody.
    await call(t(), 'PATCH', `/tickets/${id}`, { token: agentB.token, body: { priority: 'high' } });
    expect(await settle(t())).toEqual([]);

    // Every email of the ticket is threaded under one root, each with its own Message-ID.
    const all = [...created, ...assigned, ...replied, ...noted];
    const root = `<ticket-${id}@example.com>`;
    for (const m of all) {
      expect(m.inReplyTo).toBe(root);
      expect(m.references).toContain(root);
      expect(m.messageId).toMatch(/^<[^<>@\s]+@example\.com>$/);
      expect(m.raw.parsed.from?.text).toContain('helpdesk@example.com');
    }
    expect(new Set(all.map((m) => m.messageId)).size).toBe(all.length);

    // The staff view of the outbox: all sent, once each.
    const list = await call(t(), 'GET', `/tickets/${id}/notifications?limit=100`, { token: agentA.token });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(all.length);
    for (const n of list.body.data) {
      expect(n).toMatchObject({
        status: 'sent',
        attempts: 1,
        lastError: null,
        sentAt: expect.stringMatching(/Z$/),
      });
    }
    expect(list.body.data.map((n: { recipient: string }) => n.recipient).sort()).toEqual(
      all.map((m) => m.to).sort(),
    );
    expect((await call(t(), 'GET', `/tickets/${id}/notifications`, { token: requester.token })).status).toBe(
      403,
    );
  });

  it('emails leave within seconds without the scheduler, and the request never waits for SMTP', async () => {
    await settle(t());
    // A slow relay: every message takes 2 s to be accepted.
    t().sink.delayMs = 2000;
    try {
      const before = t().sink.messages.length;
      const started = Date.now();
      const id = await raise(t(), requester, { subject: 'Slow relay' });
      const elapsed = Date.now() - started;
      // Had the request waited for SMTP, the relay would have accepted at least one message by now.
      expect(t().sink.messages.length - before, `POST /tickets took ${elapsed} ms`).toBe(0);

      // No scheduled() here: Node's outbox loop or the Worker's post-response drain sends it.
      const [ack] = await t().sink.waitFor(
        (m) =>
          m.envelopeTo.includes(requester.email) &&
          m.parsed.subject === `[#${id}] We received your request: Slow relay`,
        1,
        20_000,
      );
      expect(ack).toBeDefined();
    } finally {
      t().sink.delayMs = 0;
    }
    await settle(t());
  });
  it('demoting the assignee unassigns the ticket (audited) and they get none of its email afterwards', async () => {
    await settle(t());
    const agent = await signIn(t(), 'agent');
    const id = await raise(t(), requester, { subject: 'Demotion' });
    await call(t(), 'PATCH', `/tickets/${id}`, { token: admin.token, body: { assigneeId: agent.id } });
    await settle(t());
    const demoted = await call(t(), 'PATCH', `/users/${agent.id}`, {
      token: admin.token,
      body: { role: 'user' },
    });
    expect(demoted.status).toBe(200);
    const ticket = await call(t(), 'GET', `/tickets/${id}`, { token: admin.token });
    expect(ticket.body.assignee).toBeNull();
    const events = await call(t(), 'GET', `/tickets/${id}/events?limit=100`, { token: admin.token });
    const assigned = events.body.data.filter((e: { type: string }) => e.type === 'ticket.assigned');
    expect(assigned.at(-1)).toMatchObject({ data: { from: agent.id, to: null } });
    await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: requester.token,
      body: { body: 'Any news?' },
    });
    const after = await settle(t());
    expect(after.filter((m) => m.to === agent.email)).toEqual([]);
    const again = await call(t(), 'PATCH', `/tickets/${id}`, {
      token: admin.token,
      body: { assigneeId: agent.id },
    });
    expect(again.status).toBe(422);
  });
});
