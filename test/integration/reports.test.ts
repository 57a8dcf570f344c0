import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { messages, ticketEvents, tickets, users } from '../../db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { login } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';

const env = useTestApp();
type Actor = { email: string; password: string; auth: [string, string] };
let user: Actor;
let agent: Actor;
let admin: Actor;

async function account(role: 'user' | 'agent' | 'admin'): Promise<Actor> {
  const a = await env.db.database.use((db) => makeAccount(db, role));
  return { ...a, auth: ['Authorization', ''] };
}
/** Logs everyone in again: tokens carry the app clock's time, which the tests move by hours. */
async function relogin() {
  for (const a of [user, agent, admin]) {
    a.auth = ['Authorization', `Bearer ${(await login(api(), a)).accessToken}`];
  }
}
async function advance(ms: number) {
  env.app.clock.advance(ms);
  await relogin();
}
const api = () => env.app.http;
const HOUR = 3_600_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

beforeAll(async () => {
  [user, agent, admin] = await Promise.all([account('user'), account('agent'), account('admin')]);
  await relogin();
});

async function raise(by: Actor, extra: Record<string, unknown> = {}) {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject: 'Report me', body: 'Something broke.', ...extra });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}
async function reply(by: Actor, id: string) {
  const res = await api()
    .post(`/api/v1/tickets/${id}/messages`)
    .set(...by.auth)
    .send({ body: 'On it.' });
  expect(res.status, res.text).toBe(201);
}
async function move(by: Actor, id: string, to: string) {
  const res = await api()
    .post(`/api/v1/tickets/${id}/transitions`)
    .set(...by.auth)
    .send({ to });
  expect(res.status, res.text).toBe(200);
}
const summary = (by: Actor, q: Record<string, string>) =>
  api()
    .get('/api/v1/reports/summary')
    .query(q)
    .set(...by.auth);
const series = (by: Actor, q: Record<string, string>) =>
  api()
    .get('/api/v1/reports/timeseries')
    .query(q)
    .set(...by.auth);

/** Nearest rank: the smallest value with at least p of the values at or below it. */
const nearestRank = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
};
const minutes = (secs: number | null) => (secs === null ? null : Math.round((secs / 60) * 100) / 100);
const BACKLOG = ['new', 'open', 'pending', 'on_hold'];

/** The expected figures, from the raw events and messages alone (not from the report columns or rollup). */
async function bruteForce(fromDay: string, toDay: string, now: Date) {
  const start = new Date(`${fromDay}T00:00:00.000Z`);
  const end = new Date(new Date(`${toDay}T00:00:00.000Z`).getTime() + 24 * HOUR);
  const [events, msgs, rated] = await env.db.database.use(async (db) => [
    await db
      .select({
        ticketId: ticketEvents.ticketId,
        type: ticketEvents.type,
        data: ticketEvents.data,
        at: ticketEvents.createdAt,
      })
      .from(ticketEvents)
      .orderBy(ticketEvents.id),
    await db
      .select({
        ticketId: messages.ticketId,
        at: messages.createdAt,
        role: users.role,
        internal: messages.internal,
      })
      .from(messages)
      .innerJoin(users, eq(users.id, messages.authorId))
      .orderBy(messages.id),
    await db.select({ rating: tickets.satisfactionRating, at: tickets.satisfactionRatedAt }).from(tickets),
  ]);
  const inRange = (d: Date) => d >= start && d < end;
  const createdAt = new Map<number, Date>();
  const status = new Map<number, string>();
  const lastSolve = new Map<number, Date | null>();
  const statusAt = new Map<number, string>();
  let created = 0;
  let solved = 0;
  let reopened = 0;
  const backlogCut = end > now ? now : end;
  for (const e of events) {
    const data = (e.data ?? {}) as { from?: string; to?: string };
    if (e.type === 'ticket.created') {
      createdAt.set(e.ticketId, e.at);
      status.set(e.ticketId, 'new');
      if (inRange(e.at)) created++;
    }
    if (e.type === 'ticket.status_changed') {
      status.set(e.ticketId, data.to!);
      if (data.to === 'solved') {
        lastSolve.set(e.ticketId, e.at);
        if (inRange(e.at)) solved++;
      } else if (data.to !== 'closed') lastSolve.set(e.ticketId, null);
      if ((data.from === 'solved' || data.from === 'closed') && BACKLOG.includes(data.to!) && inRange(e.at))
        reopened++;
    }
    if (e.at < backlogCut) statusAt.set(e.ticketId, status.get(e.ticketId)!);
  }
  const backlog = Object.fromEntries(
    BACKLOG.map((s) => [s, [...statusAt.values()].filter((x) => x === s).length]),
  );
  const firstReply = new Map<number, Date>();
  for (const m of msgs) {
    if (!m.internal && m.role !== 'user' && !firstReply.has(m.ticketId)) firstReply.set(m.ticketId, m.at);
  }
  const secs = (a: Date, b: Date) => Math.floor((b.getTime() - a.getTime()) / 1000);
  const firstSecs = [...firstReply]
    .filter(([, at]) => inRange(at))
    .map(([id, at]) => secs(createdAt.get(id)!, at));
  const resolutionSecs = [...lastSolve]
    .filter((entry): entry is [number, Date] => entry[1] !== null && inRange(entry[1]))
    .map(([id, at]) => secs(createdAt.get(id)!, at));
  const good = rated.filter((r) => r.at && inRange(r.at) && r.rating === 'good').length;
  const bad = rated.filter((r) => r.at && inRange(r.at) && r.rating === 'bad').length;
  return {
    created,
    solved,
    reopened,
    backlog,
    firstResponseMinutes: {
      median: minutes(nearestRank(firstSecs, 0.5)),
      p90: minutes(nearestRank(firstSecs, 0.9)),
    },
    resolutionMinutes: {
      median: minutes(nearestRank(resolutionSecs, 0.5)),
      p90: minutes(nearestRank(resolutionSecs, 0.9)),
    },
    sla: { firstResponseMet: null, resolutionMet: null },
    satisfaction: {
      good,
      bad,
      score: good + bad === 0 ? null : Math.round((good / (good + bad)) * 10_000) / 10_000,
    },
  };
}

describe('GET /reports/summary against a brute-force count', () => {
  let firstDay: string;
  let lastDay: string;

  beforeAll(async () => {
    const clock = env.app.clock;
    firstDay = day(clock.now());
    const ids: string[] = [];
    // Eleven tickets over a few days: replied after varying delays, most solved, some reopened and re-solved.
    for (let i = 0; i < 11; i++) {
      ids.push(await raise(user));
      await advance((i % 4) * HOUR + 7 * 60_000);
      if (i % 5 !== 4) await reply(agent, ids[i]!);
      await advance(((i * 7) % 11) * HOUR);
      if (i % 3 !== 2) await move(agent, ids[i]!, 'solved');
      if (i % 4 === 1) {
        await advance(5 * HOUR);
        await reply(user, ids[i]!); // the requester's reply reopens it
        if (i !== 5) {
          await advance(2 * HOUR);
          await move(agent, ids[i]!, 'solved');
        }
      }
      if (i === 8) await move(agent, ids[i]!, 'pending');
      await advance(3 * HOUR);
    }
    // Ratings, set directly (the CSAT pages are another module's).
    await env.db.database.use(async (db) => {
      for (const [k, id] of ids.entries()) {
        if (k % 3 === 2) continue;
        await db
          .update(tickets)
          .set({
            satisfactionRating: k % 2 ? 'good' : 'bad',
            satisfactionRatedAt: new Date(clock.now().getTime() - k * HOUR),
          })
          .where(eq(tickets.id, Number(id)));
      }
    });
    lastDay = day(clock.now());
  });

  it('matches over the whole period, over each single day, and with a past end', async () => {
    const now = env.app.clock.now();
    const ranges: [string, string][] = [[firstDay, lastDay]];
    for (
      let d = new Date(`${firstDay}T00:00:00Z`);
      day(d) <= lastDay;
      d = new Date(d.getTime() + 24 * HOUR)
    ) {
      ranges.push([day(d), day(d)]);
      ranges.push([firstDay, day(d)]);
    }
    for (const [from, to] of ranges) {
      const res = await summary(agent, { from, to });
      expect(res.status, res.text).toBe(200);
      expect(res.body, `${from}..${to}`).toEqual(await bruteForce(from, to, now));
    }
    // The seed did produce each kind of figure.
    const all = await summary(admin, { from: firstDay, to: lastDay });
    expect(all.body.reopened).toBeGreaterThan(0);
    expect(all.body.solved).toBeGreaterThan(all.body.reopened);
    expect(all.body.resolutionMinutes.p90).toBeGreaterThan(all.body.resolutionMinutes.median);
  });

  it('timeseries: created and solved per day sum to the summary; backlog at each day end', async () => {
    const now = env.app.clock.now();
    for (const metric of ['created', 'solved', 'backlog']) {
      const res = await series(agent, { metric, interval: 'day', from: firstDay, to: lastDay });
      expect(res.status, res.text).toBe(200);
      for (const point of res.body.data as { at: string; value: number }[]) {
        const d = point.at.slice(0, 10);
        const expected = await bruteForce(metric === 'backlog' ? firstDay : d, d, now);
        const value =
          metric === 'backlog'
            ? Object.values(expected.backlog).reduce((a, b) => a + b, 0)
            : expected[metric as 'created' | 'solved'];
        expect(point.value, `${metric} ${d}`).toBe(value);
      }
    }
  });

  it('weeks start on Monday (UTC); empty buckets are 0', async () => {
    const res = await series(agent, {
      metric: 'created',
      interval: 'week',
      from: '2020-01-01',
      to: '2020-03-01',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data[0]).toEqual({ at: '2019-12-30T00:00:00.000Z', value: 0 });
    expect(res.body.data).toHaveLength(9); // the week of Sunday 1 March starts Monday 24 February
    for (const p of res.body.data) expect(new Date(p.at).getUTCDay()).toBe(1);
  });
});

describe('filters, durations on the ticket and SLA outcomes', () => {
  it('a group filter counts only that group; the report columns follow the commit path', async () => {
    const g = await api()
      .post('/api/v1/groups')
      .set(...admin.auth)
      .send({ name: `Reports ${Date.now()}`, memberIds: [], assignment: 'manual' });
    expect(g.status, g.text).toBe(201);
    const today = day(env.app.clock.now());
    const before = await summary(agent, { from: today, to: today, groupId: g.body.id });
    expect(before.body).toMatchObject({
      created: 0,
      solved: 0,
      backlog: { new: 0, open: 0, pending: 0, on_hold: 0 },
    });
    const id = await raise(agent, { groupId: g.body.id, requester: { email: user.email } });
    await advance(90 * 60_000);
    await reply(agent, id);
    const mid = await summary(agent, { from: today, to: day(env.app.clock.now()), groupId: g.body.id });
    expect(mid.body).toMatchObject({
      created: 1,
      backlog: { new: 0, open: 1 },
      firstResponseMinutes: { median: 90, p90: 90 },
    });
    await advance(30 * 60_000);
    await move(agent, id, 'solved');
    const [row] = await env.db.database.use((db) =>
      db
        .select()
        .from(tickets)
        .where(eq(tickets.id, Number(id))),
    );
    expect(row).toMatchObject({ firstResponseSecs: 5400, resolutionSecs: 7200, reopenCount: 0 });
    const after = await summary(agent, { from: today, to: day(env.app.clock.now()), groupId: g.body.id });
    expect(after.body).toMatchObject({
      created: 1,
      solved: 1,
      backlog: { open: 0 },
      resolutionMinutes: { median: 120 },
    });
  });
});

describe('concurrency', () => {
  it('32 concurrent creates and solves on one day all land in the sharded rollup (no lost update, no 5xx)', async () => {
    const today = day(env.app.clock.now());
    const before = (await summary(agent, { from: today, to: today })).body;
    const ids = await Promise.all(Array.from({ length: 32 }, () => raise(user)));
    await Promise.all(ids.slice(0, 16).map((id) => move(agent, id, 'solved')));
    const after = (await summary(agent, { from: today, to: today })).body;
    expect(after.created - before.created).toBe(32);
    expect(after.solved - before.solved).toBe(16);
    expect(after.backlog.new - before.backlog.new).toBe(16);
  });
});

describe('bad input and access', () => {
  it('422 for reversed, too long, malformed or unknown', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '2026-03-02', to: '2026-03-01' }, 'from'],
      [{ from: '2016-01-01', to: '2026-01-01' }, 'to'],
      [{ from: '2026-02-30' }, 'from'],
      [{ from: '2026-1-1' }, 'from'],
      [{ to: '2026-01-01T00:00:00Z' }, 'to'],
      [{ groupId: '999999999' }, 'groupId'],
      [{ assigneeId: '999999999' }, 'assigneeId'],
      [{ groupId: '-1' }, 'groupId'],
      [{ from: `2026-01-01${'\u0000'.repeat(3)}` }, 'from'],
      [{ from: '9'.repeat(10_000) }, 'from'],
    ];
    for (const [q, path] of cases) {
      const res = await summary(agent, q);
      expect(res.status, `${JSON.stringify(q).slice(0, 80)} ${res.text}`).toBe(422);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const bad: Record<string, string>[] = [
      { metric: 'revenue' },
      { interval: 'month' },
      { interval: 'day', from: '2025-01-01', to: '2026-01-05' },
      { interval: 'week', from: '2020-01-01', to: '2026-01-01' },
    ];
    for (const q of bad) {
      const res = await series(agent, q);
      expect(res.status, res.text).toBe(422);
    }
    expect((await series(agent, { interval: 'week', from: '2024-01-01', to: '2025-12-28' })).status).toBe(
      200,
    );
  });

  it('403 for a requester; an admin may read', async () => {
    const res = await summary(user, {});
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
    expect((await series(user, { metric: 'backlog' })).status).toBe(403);
    expect((await summary(admin, {})).status).toBe(200);
  });

  it('the unsolved counts never go negative after a reassignment between groups', async () => {
    const [a, b] = (await Promise.all(
      ['A', 'B'].map(async (n) => {
        const res = await api()
          .post('/api/v1/groups')
          .set(...admin.auth)
          .send({ name: `Move ${n} ${Date.now()}`, memberIds: [], assignment: 'manual' });
        return res.body.id as string;
      }),
    )) as [string, string];
    const id = await raise(agent, { groupId: a, requester: { email: user.email } });
    const patch = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .send({ groupId: b });
    expect(patch.status, patch.text).toBe(200);
    const today = day(env.app.clock.now());
    const ra = await summary(agent, { from: today, to: today, groupId: a });
    const rb = await summary(agent, { from: today, to: today, groupId: b });
    expect(ra.body.backlog).toEqual({ new: 0, open: 0, pending: 0, on_hold: 0 });
    expect(rb.body.backlog.new).toBe(1);
    const rollup = await env.db.database.use((db) =>
      db.execute(sql`SELECT SUM(delta_new) AS n FROM report_daily WHERE group_id = ${Number(a)}`),
    );
    expect(Number((rollup as unknown as [{ n: string }[]])[0][0]!.n)).toBe(0);
  });
});
