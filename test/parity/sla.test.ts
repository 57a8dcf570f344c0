import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketEvents, tickets } from '../../db/schema/index.js';
import { type Actor, call, raise, settle, signIn, summary } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Groups, SLA clocks and the breach sweep, the same on Node (housekeeping pass) and Workers (cron): the
// clocks move with replies; a ticket whose first-response target has passed gets one `sla.breached`
// event from the scheduled work, however often it runs, and its group's member is emailed.

const MIN = 60_000;

describe.each(TARGET_NAMES)('SLAs on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;
  let agent: Actor;
  let admin: Actor;

  beforeAll(async () => {
    [user, agent, admin] = await Promise.all([
      signIn(t(), 'user'),
      signIn(t(), 'agent'),
      signIn(t(), 'admin'),
    ]);
  });

  it('clocks follow replies, and the scheduled sweep writes the breach once and emails the group', async () => {
    const group = await call(t(), 'POST', '/groups', {
      token: admin.token,
      body: { name: 'Parity team', memberIds: [agent.id], assignment: 'manual' },
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const policy = await call(t(), 'POST', '/sla-policies', {
      token: admin.token,
      body: {
        name: 'Parity',
        position: 1,
        match: { groupIds: [group.body.id] },
        targets: { firstResponseMinutes: 60, nextResponseMinutes: 30 },
      },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(201);

    // Clocks: first response runs until the staff reply; a requester message starts next response.
    const replied = await raise(t(), agent, { subject: 'Clocks', groupId: group.body.id });
    const sla = async (id: string) =>
      (await call(t(), 'GET', `/tickets/${id}`, { token: agent.token })).body.sla;
    expect((await sla(replied)).firstResponseDueAt).toMatch(/Z$/);
    expect(
      (
        await call(t(), 'POST', `/tickets/${replied}/messages`, {
          token: agent.token,
          body: { body: 'On it' },
        })
      ).status,
    ).toBe(201);
    expect(await sla(replied)).toMatchObject({
      firstResponseDueAt: null,
      nextResponseDueAt: null,
      breached: [],
    });

    // The breach: a ticket raised two hours ago (its age forced in the database) with no reply.
    const late = await raise(t(), user, { subject: 'Nobody answers' });
    const patched = await call(t(), 'PATCH', `/tickets/${late}`, {
      token: agent.token,
      body: { groupId: group.body.id },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.sla.policyId).toBe(policy.body.id);
    await t().database.use((db) =>
      db
        .update(tickets)
        .set({ createdAt: new Date(Date.now() - 120 * MIN), slaNextAlertAt: new Date(Date.now() - 60 * MIN) })
        .where(eq(tickets.id, Number(late))),
    );
    await settle(t()); // earlier emails out of the way; this run also sweeps
    await settle(t());
    const breaches = await t().database.use((db) =>
      db
        .select({ n: sql<number>`count(*)` })
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, Number(late)), eq(ticketEvents.type, 'sla.breached'))),
    );
    expect(Number(breaches[0]?.n)).toBe(1);
    expect((await sla(late)).breached).toEqual(['first_response']);
    const mails = t().sink.messages.filter((m) => /SLA breached/.test(m.parsed.subject ?? ''));
    expect(mails.map((m) => [m.envelopeTo.join(','), m.parsed.subject])).toEqual([
      [agent.email, expect.stringMatching(new RegExp(`^\\[#${late}\\] SLA breached \\(first response`))],
    ]);
    // The requester sees neither the SLA nor the event.
    const theirs = await call(t(), 'GET', `/tickets/${late}`, { token: user.token });
    expect(theirs.body.sla).toBeNull();
    const events = await call(t(), 'GET', `/tickets/${late}/events`, { token: user.token });
    expect(events.body.data.map((e: { type: string }) => e.type)).not.toContain('sla.breached');
    expect(summary(await settle(t()))).toEqual([]);
  });

  it('the at-risk and breached queues, by due time', async () => {
    const tag = `parity-queue-${name}`;
    const policy = await call(t(), 'POST', '/sla-policies', {
      token: admin.token,
      body: {
        name: `Queue ${name}`,
        position: 0,
        match: { tags: [tag] },
        targets: { firstResponseMinutes: 60 },
      },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(201);
    // Raised 55, 50 and 120 minutes ago (the age forced in the database, then a change re-derives the
    // clocks on this runtime): due in 5 and 10 minutes (under a fifth left: at risk), and an hour ago.
    const aged: [string, number][] = [];
    for (const minutesAgo of [50, 55, 120]) {
      const id = await raise(t(), user, { subject: `Queue ${minutesAgo}`, tags: [tag] });
      await t().database.use((db) =>
        db
          .update(tickets)
          .set({ createdAt: new Date(Date.now() - minutesAgo * MIN) })
          .where(eq(tickets.id, Number(id))),
      );
      const patched = await call(t(), 'PATCH', `/tickets/${id}`, {
        token: agent.token,
        body: { priority: 'high' },
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      aged.push([id, minutesAgo]);
    }
    const [fifty, fiftyFive, late] = aged.map(([id]) => id);
    const queue = async (sla: string) => {
      const res = await call(t(), 'GET', `/tickets?sla=${sla}&tag=${tag}&sort=slaDue`, {
        token: agent.token,
      });
      expect(res.status).toBe(200);
      return res.body.data.map((x: { id: string }) => x.id);
    };
    expect(await queue('at_risk')).toEqual([fiftyFive, fifty]);
    expect(await queue('breached')).toEqual([late]);
    expect(
      (await call(t(), 'GET', `/tickets?sla=at_risk&tag=${tag}`, { token: user.token })).body.data,
    ).toEqual([]);
    await settle(t());
  });
});
