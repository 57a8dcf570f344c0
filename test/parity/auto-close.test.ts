import { and, asc, eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketEvents, tickets } from '../../db/schema/index.js';
import { type Actor, call, raise, settle, signIn, summary } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Auto-close: the scheduled work (Node: the housekeeping loop's pass; Workers: the cron trigger) closes
// tickets solved more than AUTO_CLOSE_DAYS (4) ago, once each, with one event, and tells the requester
// and the assignee.

const DAY = 86_400_000;

describe.each(TARGET_NAMES)('auto-close on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;
  let agent: Actor;

  beforeAll(async () => {
    [user, agent] = await Promise.all([signIn(t(), 'user'), signIn(t(), 'agent')]);
  });

  const solve = async (id: string) => {
    expect(
      (await call(t(), 'PATCH', `/tickets/${id}`, { token: agent.token, body: { assigneeId: agent.id } }))
        .status,
    ).toBe(200);
    expect(
      (await call(t(), 'POST', `/tickets/${id}/transitions`, { token: user.token, body: { to: 'solved' } }))
        .status,
    ).toBe(200);
  };
  const solvedAgo = (id: string, ms: number) =>
    t().database.use((db) =>
      db
        .update(tickets)
        .set({ solvedAt: new Date(Date.now() - ms) })
        .where(eq(tickets.id, Number(id))),
    );

  it('closes old solved tickets once, with one event each, and emails requester and assignee', async () => {
    const old = [
      await raise(t(), user, { subject: 'Old one' }),
      await raise(t(), user, { subject: 'Old two' }),
    ];
    const recent = await raise(t(), user, { subject: 'Recent' });
    for (const id of [...old, recent]) await solve(id);
    for (const id of old) await solvedAgo(id, 5 * DAY);
    await solvedAgo(recent, 3 * DAY);
    await settle(t()); // the creation, assignment and solving emails (closes the old ones, too)

    // Sweeping again changes nothing: each ticket is closed once.
    await t().scheduled();
    const closedMails = t().sink.messages.filter((m) =>
      / Status changed to closed: /.test(m.parsed.subject ?? ''),
    );
    const subjects = closedMails.map((m) => [m.envelopeTo.join(','), m.parsed.subject]);
    expect(subjects.sort()).toEqual(
      old
        .flatMap((id, i) => {
          const subject = `[#${id}] Status changed to closed: Old ${['one', 'two'][i]}`;
          return [
            [user.email, subject],
            [agent.email, subject],
          ];
        })
        .sort(),
    );

    for (const id of old) {
      const res = await call(t(), 'GET', `/tickets/${id}`, { token: user.token });
      expect(res.body).toMatchObject({ status: 'closed', closedAt: expect.stringMatching(/Z$/) });
    }
    expect((await call(t(), 'GET', `/tickets/${recent}`, { token: user.token })).body.status).toBe('solved');

    const closes = await t().database.use((db) =>
      db
        .select()
        .from(ticketEvents)
        .where(
          and(
            inArray(ticketEvents.ticketId, [...old, recent].map(Number)),
            eq(ticketEvents.type, 'ticket.status_changed'),
          ),
        )
        .orderBy(asc(ticketEvents.id)),
    );
    const toClosed = closes.filter((e) => e.data?.to === 'closed');
    expect(toClosed.map((e) => String(e.ticketId)).sort()).toEqual([...old].sort());
    for (const e of toClosed)
      expect(e).toMatchObject({ actorId: null, data: { from: 'solved', to: 'closed' } });
    expect(summary(await settle(t()))).toEqual([]);
  });
});
