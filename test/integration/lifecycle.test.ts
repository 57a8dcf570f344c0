import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { TICKET_STATUSES, type TicketStatus, ticketEvents, tickets } from '../../db/schema/index.js';
import { autoCloseSolved } from '../../src/modules/tickets/housekeeping.js';
import { checkTransition } from '../../src/modules/tickets/lifecycle.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();
let user: Actor;
let other: Actor;
let agent: Actor;

beforeAll(async () => {
  [user, other, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
async function raise(by: Actor = user): Promise<string> {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject: 'Lifecycle', body: 'Please help.' });
  expect(res.status).toBe(201);
  return res.body.id;
}
/** Puts a ticket straight into a status (test setup, not a transition). */
const force = (id: string, status: TicketStatus, solvedAt: Date | null = null) =>
  env.db.database.use((db) =>
    db
      .update(tickets)
      .set({ status, solvedAt })
      .where(eq(tickets.id, Number(id))),
  );
const eventsOf = (id: string) =>
  env.db.database.use((db) =>
    db
      .select()
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, Number(id)))
      .orderBy(ticketEvents.id),
  );
const move = (by: Actor, id: string, to: string, ifMatch?: string) => {
  const req = api()
    .post(`/api/v1/tickets/${id}/transitions`)
    .set(...by.auth);
  if (ifMatch) req.set('If-Match', ifMatch);
  return req.send({ to });
};

describe('POST /tickets/:id/transitions: every cell of the lifecycle table over HTTP', () => {
  // The expected outcome of each cell comes from the unit-tested table; here we prove the route
  // enforces it: 200 + one status event when allowed, 409 when no such move, 403 when not this role.
  for (const from of TICKET_STATUSES) {
    it(`from ${from}`, async () => {
      for (const to of TICKET_STATUSES) {
        for (const [party, actor] of [
          ['staff', () => agent],
          ['requester', () => user],
        ] as const) {
          const id = await raise();
          await force(id, from);
          const res = await move(actor(), id, to);
          const expected = checkTransition(from, to, party);
          const label = `${party}: ${from} → ${to}`;
          if (expected === 'allowed') {
            expect(res.status, label).toBe(200);
            expect(res.body.status, label).toBe(to);
            const last = (await eventsOf(id)).at(-1)!;
            expect(last, label).toMatchObject({ type: 'ticket.status_changed', data: { from, to } });
          } else {
            expect(res.status, label).toBe(expected === 'invalid' ? 409 : 403);
            expect(res.body.code, label).toBe(
              expected === 'invalid' ? 'invalid_transition' : 'forbidden_transition',
            );
            expect(Array.isArray(res.body.allowed), label).toBe(true);
            const after = await api()
              .get(`/api/v1/tickets/${id}`)
              .set(...agent.auth);
            expect(after.body.status, label).toBe(from);
            expect(await eventsOf(id), label).toHaveLength(1);
          }
        }
      }
    });
  }

  it('stamps solvedAt and closedAt, clears solvedAt on reopen', async () => {
    const id = await raise();
    const solved = await move(user, id, 'solved');
    expect(solved.body.solvedAt).toMatch(/Z$/);
    const reopened = await move(user, id, 'open');
    expect(reopened.body.solvedAt).toBeNull();
    await move(agent, id, 'solved');
    const closed = await move(agent, id, 'closed');
    expect(closed.body).toMatchObject({ status: 'closed', closedAt: expect.stringMatching(/Z$/) });
    expect(closed.body.solvedAt).not.toBeNull();
  });

  it('another user gets 404, and 422 for an unknown status', async () => {
    const id = await raise();
    expect((await move(other, id, 'solved')).status).toBe(404);
    expect((await move(agent, id, 'done')).status).toBe(422);
  });
});

describe('GET /tickets/:id/transitions', () => {
  it('lists what this caller may do now', async () => {
    const id = await raise();
    const staff = await api()
      .get(`/api/v1/tickets/${id}/transitions`)
      .set(...agent.auth);
    expect(staff.body).toEqual({ status: 'new', allowed: ['open', 'pending', 'on_hold', 'solved'] });
    const requester = await api()
      .get(`/api/v1/tickets/${id}/transitions`)
      .set(...user.auth);
    expect(requester.body).toEqual({ status: 'new', allowed: ['solved'] });
    const hidden = await api()
      .get(`/api/v1/tickets/${id}/transitions`)
      .set(...other.auth);
    expect(hidden.status).toBe(404);
  });
});

describe('implicit transitions', () => {
  const reply = (by: Actor, id: string, body: Record<string, unknown> = {}) =>
    api()
      .post(`/api/v1/tickets/${id}/messages`)
      .set(...by.auth)
      .send({ body: 'A reply.', ...body });

  it('the first public staff reply opens a new ticket and sets firstResponseAt; a note does not', async () => {
    const id = await raise();
    expect((await reply(agent, id, { internal: true })).status).toBe(201);
    let t = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...agent.auth);
    expect(t.body).toMatchObject({ status: 'new', firstResponseAt: null });
    expect((await reply(agent, id)).status).toBe(201);
    t = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...agent.auth);
    expect(t.body.status).toBe('open');
    expect(t.body.firstResponseAt).toMatch(/Z$/);
    const types = (await eventsOf(id)).map((e) => [e.type, e.data]);
    expect(types.slice(1)).toEqual([
      ['message.created', expect.objectContaining({ internal: true })],
      ['message.created', expect.objectContaining({ internal: false })],
      ['ticket.status_changed', { from: 'new', to: 'open' }],
    ]);
  });

  it('a requester reply reopens pending and solved tickets, not on_hold ones', async () => {
    for (const [from, to] of [
      ['pending', 'open'],
      ['solved', 'open'],
      ['on_hold', 'on_hold'],
    ] as const) {
      const id = await raise();
      await force(id, from);
      expect((await reply(user, id)).status).toBe(201);
      const t = await api()
        .get(`/api/v1/tickets/${id}`)
        .set(...user.auth);
      expect(t.body.status, from).toBe(to);
    }
  });

  it('a reply on a closed ticket is refused with 409 ticket_closed, and nothing is written', async () => {
    const id = await raise();
    await force(id, 'closed');
    for (const who of [user, agent]) {
      const res = await reply(who, id);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('ticket_closed');
    }
    expect(await eventsOf(id)).toHaveLength(1);
  });
});

describe('concurrency', () => {
  it('20 concurrent transitions with the same If-Match: exactly one succeeds and one event is written', async () => {
    const id = await raise();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => move(agent, id, i % 2 ? 'pending' : 'on_hold', '"1"')),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const changes = (await eventsOf(id)).filter((e) => e.type === 'ticket.status_changed');
    expect(changes).toHaveLength(1);
    const t = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...agent.auth);
    expect(t.body.version).toBe(2);
  });

  it('without If-Match, concurrent writers queue: each sees the previous result (no lost update)', async () => {
    const id = await raise();
    const results = await Promise.all(Array.from({ length: 10 }, () => move(agent, id, 'solved')));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
  });
});

describe('auto-close', () => {
  const deps = () => ({
    database: env.db.database,
    clock: env.app.clock,
    config: env.app.deps.config,
    logger: env.app.deps.logger,
  });

  it(`closes tickets solved more than AUTO_CLOSE_DAYS ago, once, even with several sweeps at once`, async () => {
    const days = env.app.deps.config.autoCloseDays;
    const now = env.app.clock.now().getTime();
    const old = [await raise(), await raise(), await raise()];
    const recent = await raise();
    const open = await raise();
    for (const id of old) await force(id, 'solved', new Date(now - (days * 86_400_000 + 60_000)));
    await force(recent, 'solved', new Date(now - (days * 86_400_000 - 60_000)));
    await force(open, 'open');

    const counts = await Promise.all([
      autoCloseSolved(deps()),
      autoCloseSolved(deps()),
      autoCloseSolved(deps()),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    for (const id of old) {
      const t = await api()
        .get(`/api/v1/tickets/${id}`)
        .set(...user.auth);
      expect(t.body).toMatchObject({ status: 'closed', closedAt: expect.stringMatching(/Z$/) });
      const closes = (await eventsOf(id)).filter((e) => e.type === 'ticket.status_changed');
      expect(closes).toEqual([
        expect.objectContaining({
          actorId: null,
          actorJob: 'auto_close',
          data: expect.objectContaining({ from: 'solved', to: 'closed' }),
        }),
      ]);
      // The audit trail names the system job, not a missing person.
      const trail = await api()
        .get(`/api/v1/tickets/${id}/events`)
        .set(...user.auth);
      expect(trail.body.data.at(-1)).toMatchObject({
        type: 'ticket.status_changed',
        actor: { type: 'system', job: 'auto_close' },
      });
    }
    for (const [id, status] of [
      [recent, 'solved'],
      [open, 'open'],
    ] as const) {
      const t = await api()
        .get(`/api/v1/tickets/${id}`)
        .set(...user.auth);
      expect(t.body.status).toBe(status);
    }
    expect(await autoCloseSolved(deps())).toBe(0);
  });
});
