import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, call, expectProblem, raise, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// The change feed on both runtimes. Workers have no background loop: there the feed read itself numbers
// what has committed (and the cron keeps the backlog short); Node also numbers in its feed loop. Either
// way a poller with a stored cursor gets each event once, internal notes flagged, and staff only.

describe.each(TARGET_NAMES)('change feed on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;
  let agent: Actor;

  beforeAll(async () => {
    [user, agent] = await Promise.all([signIn(t(), 'user'), signIn(t(), 'agent')]);
  });

  const poll = async (after?: string, query = '') => {
    const res = await call(t(), 'GET', `/events?limit=100${after ? `&after=${after}` : ''}${query}`, {
      token: agent.token,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.nextCursor).toEqual(expect.any(String));
    return res.body as { data: { type: string; ticketId: string; internal: boolean }[]; nextCursor: string };
  };

  it('a poller gets each change once, in order, with internal notes flagged; users 403, no token 401', async () => {
    const start = await poll();
    const id = await raise(t(), user, { subject: 'Feed me' });
    const note = await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: agent.token,
      body: { body: 'Internal: check the toner.', internal: true },
    });
    expect(note.status, JSON.stringify(note.body)).toBe(201);

    const first = await poll(start.nextCursor);
    expect(first.data.map((e) => [e.ticketId, e.type, e.internal])).toEqual([
      [id, 'ticket.created', false],
      [id, 'message.created', true],
    ]);
    // Nothing new: no events, and the same cursor back.
    const idle = await poll(first.nextCursor);
    expect(idle).toEqual({ data: [], nextCursor: first.nextCursor });

    // The scheduled work (Workers: the cron; Node: a loop pass) changes nothing the poller sees twice.
    await t().scheduled();
    const reply = await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: agent.token,
      body: { body: 'Replacing the toner now.' },
    });
    expect(reply.status).toBe(201);
    const next = await poll(first.nextCursor);
    expect(next.data.map((e) => [e.type, e.internal])).toEqual([
      ['message.created', false],
      ['ticket.status_changed', false],
    ]);
    expect((await poll(first.nextCursor, `&types=ticket.status_changed&ticketId=${id}`)).data).toHaveLength(
      1,
    );

    expectProblem(await call(t(), 'GET', '/events', { token: user.token }), 403, 'forbidden');
    expectProblem(await call(t(), 'GET', '/events'), 401, 'unauthorized');
    expectProblem(
      await call(t(), 'GET', '/events?after=nope', { token: agent.token }),
      400,
      'invalid_cursor',
    );
  });
});
