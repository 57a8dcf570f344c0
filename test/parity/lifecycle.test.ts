import { asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketEvents } from '../../db/schema/index.js';
import { type Actor, call, expectProblem, raise, signIn } from './client.js';
import { TARGET_NAMES, type Target, useTarget } from './targets.js';

// The lifecycle: explicit transitions (allowed, 409, 403), implicit ones through replies, closed is final.

const eventsOf = (t: Target, id: string) =>
  t.database.use((db) =>
    db
      .select()
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, Number(id)))
      .orderBy(asc(ticketEvents.id)),
  );

describe.each(TARGET_NAMES)('lifecycle on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;
  let agent: Actor;

  beforeAll(async () => {
    [user, agent] = await Promise.all([signIn(t(), 'user'), signIn(t(), 'agent')]);
  });

  const move = (by: Actor, id: string, to: string) =>
    call(t(), 'POST', `/tickets/${id}/transitions`, { token: by.token, body: { to } });
  const reply = (by: Actor, id: string, body: Record<string, unknown> = {}) =>
    call(t(), 'POST', `/tickets/${id}/messages`, { token: by.token, body: { body: 'A reply.', ...body } });
  const statusOf = async (id: string) =>
    (await call(t(), 'GET', `/tickets/${id}`, { token: agent.token })).body;

  it('explicit transitions: allowed ones write one event; 409 invalid_transition; 403 forbidden_transition', async () => {
    const id = await raise(t(), user);
    const allowed = await call(t(), 'GET', `/tickets/${id}/transitions`, { token: user.token });
    expect(allowed.body).toEqual({ status: 'new', allowed: ['solved'] });

    const forbidden = await move(user, id, 'pending');
    expectProblem(forbidden, 403, 'forbidden_transition');
    expect(forbidden.body.allowed).toEqual(['solved']);
    const invalid = await move(agent, id, 'closed');
    expectProblem(invalid, 409, 'invalid_transition');
    expect(invalid.body.allowed).toEqual(['open', 'pending', 'on_hold', 'solved']);

    const pending = await move(agent, id, 'pending');
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ status: 'pending', version: 2 });
    expect(pending.headers.get('etag')).toBe('"2"');
    const solved = await move(user, id, 'solved');
    expect(solved.body).toMatchObject({ status: 'solved', solvedAt: expect.stringMatching(/Z$/) });
    const closed = await move(agent, id, 'closed');
    expect(closed.body).toMatchObject({ status: 'closed', closedAt: expect.stringMatching(/Z$/) });

    const events = (await eventsOf(t(), id)).map((e) => [
      e.type,
      e.data,
      e.actorId === null ? null : String(e.actorId),
    ]);
    expect(events).toEqual([
      ['ticket.created', expect.anything(), user.id],
      ['ticket.status_changed', { from: 'new', to: 'pending' }, agent.id],
      ['ticket.status_changed', { from: 'pending', to: 'solved' }, user.id],
      ['ticket.status_changed', { from: 'solved', to: 'closed' }, agent.id],
    ]);
  });

  it('implicit transitions: the first public staff reply opens; a requester reply reopens pending and solved', async () => {
    const id = await raise(t(), user);
    expect((await reply(agent, id, { internal: true })).status).toBe(201);
    expect(await statusOf(id)).toMatchObject({ status: 'new', firstResponseAt: null });
    expect((await reply(agent, id)).status).toBe(201);
    expect(await statusOf(id)).toMatchObject({
      status: 'open',
      firstResponseAt: expect.stringMatching(/Z$/),
    });

    for (const from of ['pending', 'solved'] as const) {
      expect((await move(agent, id, from)).status).toBe(200);
      expect((await reply(user, id)).status).toBe(201);
      expect((await statusOf(id)).status, from).toBe('open');
    }
    const changes = (await eventsOf(t(), id))
      .filter((e) => e.type === 'ticket.status_changed')
      .map((e) => [e.data?.from, e.data?.to]);
    expect(changes).toEqual([
      ['new', 'open'],
      ['open', 'pending'],
      ['pending', 'open'],
      ['open', 'solved'],
      ['solved', 'open'],
    ]);
  });

  it('a closed ticket refuses replies with 409 ticket_closed and writes nothing', async () => {
    const id = await raise(t(), user);
    await move(agent, id, 'solved');
    expect((await move(agent, id, 'closed')).status).toBe(200);
    const before = (await eventsOf(t(), id)).length;
    for (const who of [user, agent]) expectProblem(await reply(who, id), 409, 'ticket_closed');
    expectProblem(await move(agent, id, 'open'), 409, 'invalid_transition');
    expect(await eventsOf(t(), id)).toHaveLength(before);
  });
});
