import { and, eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { notifications, ticketEvents } from '../../db/schema/index.js';
import { sweepSla } from '../../src/modules/tickets/index.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, login } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';

// SLA clocks per transition, with business hours off and on; the sweep's warning and breach events (once
// each); the queues; the configuration's validation. Time is the app's TestClock, moved by the tests.

const env = useTestApp();
const api = () => env.app.http;
const MIN = 60_000;
type Account = Awaited<ReturnType<typeof makeAccount>> & { auth: [string, string] };
let user: Account;
let agent: Account;
let admin: Account;
let member: Account;

/** Logs everyone in again: tokens carry the app clock's time, which the tests move by hours. */
async function relogin() {
  for (const a of [user, agent, admin, member]) {
    a.auth = ['Authorization', `Bearer ${(await login(api(), a)).accessToken}`];
  }
}
async function account(role: 'user' | 'agent' | 'admin'): Promise<Account> {
  const a = await env.db.database.use((db) => makeAccount(db, role));
  return { ...a, auth: ['Authorization', ''] };
}
const now = () => env.app.clock.now().getTime();
async function advance(ms: number) {
  env.app.clock.advance(ms);
  await relogin();
}
async function setClock(iso: string) {
  env.app.clock.advance(Date.parse(iso) - now());
  await relogin();
}
/** An ISO time within 30 s of `expected` (the clock runs on with real time, and this machine may be slow). */
const near = (iso: string | null, expected: number) => {
  expect(iso).not.toBeNull();
  expect(Math.abs(Date.parse(iso!) - expected), `${iso} vs ${new Date(expected).toISOString()}`).toBeLessThan(
    30_000,
  );
};
const sweep = () =>
  sweepSla({
    database: env.db.database,
    clock: env.app.clock,
    config: env.app.deps.config,
    logger: env.app.deps.logger,
  });
const eventsOf = async (id: string) =>
  (
    await env.db.database.use((db) =>
      db
        .select()
        .from(ticketEvents)
        .where(eq(ticketEvents.ticketId, Number(id))),
    )
  ).map((e) => e.type);

async function policy(body: Record<string, unknown>) {
  const res = await api()
    .post('/api/v1/sla-policies')
    .set(...admin.auth)
    .send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}
async function raise(tags: string[], extra: Record<string, unknown> = {}, by = user) {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject: 'Clocks', body: 'Tick', tags, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; sla: Record<string, unknown> | null };
}
const get = async (id: string, by = agent) =>
  (
    await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...by.auth)
  ).body;
const reply = async (id: string, by: Account, internal = false) =>
  expect(
    (
      await api()
        .post(`/api/v1/tickets/${id}/messages`)
        .set(...by.auth)
        .send({ body: 'Hi', internal })
    ).status,
  ).toBe(201);
const move = async (id: string, to: string) =>
  expect(
    (
      await api()
        .post(`/api/v1/tickets/${id}/transitions`)
        .set(...agent.auth)
        .send({ to })
    ).status,
  ).toBe(200);

beforeAll(async () => {
  [user, agent, admin, member] = await Promise.all([
    account('user'),
    account('agent'),
    account('admin'),
    account('agent'),
  ]);
  await relogin();
});

describe('configuration', () => {
  it('GET /business-hours is 404 until set; agents read, only admins write', async () => {
    expectProblem(
      await api()
        .get('/api/v1/business-hours')
        .set(...agent.auth),
      404,
      'not_found',
    );
    const body = { timezone: 'UTC', week: { mon: [['09:00', '17:00']] }, holidays: [] };
    expectProblem(
      await api()
        .put('/api/v1/business-hours')
        .set(...agent.auth)
        .send(body),
      403,
      'forbidden',
    );
    expectProblem(
      await api()
        .post('/api/v1/sla-policies')
        .set(...agent.auth)
        .send({ name: 'x', position: 1, targets: { resolutionMinutes: 5 } }),
      403,
      'forbidden',
    );
    expectProblem(
      await api()
        .get('/api/v1/sla-policies')
        .set(...user.auth),
      403,
      'forbidden',
    );
  });

  it('refuses bad calendars with 422 and a path per problem; 24:00 ends a day', async () => {
    const put = (body: unknown) =>
      api()
        .put('/api/v1/business-hours')
        .set(...admin.auth)
        .send(body as object);
    const cases: [unknown, string[]][] = [
      [
        {
          timezone: 'UTC',
          week: {
            mon: [
              ['09:00', '12:00'],
              ['11:00', '13:00'],
            ],
          },
        },
        ['week.mon.1'],
      ],
      [{ timezone: 'UTC', week: { tue: [['17:00', '09:00']] } }, ['week.tue.0']],
      [{ timezone: 'UTC', week: { wed: [['24:00', '24:00']] } }, ['week.wed.0']],
      [{ timezone: 'Not/AZone', week: { mon: [['09:00', '17:00']] } }, ['timezone']],
      [{ timezone: 'UTC', week: {} }, ['week']],
      [{ timezone: 'UTC', week: { mon: [['09:00', '17:00']] }, holidays: ['2026-02-30'] }, ['holidays.0']],
    ];
    for (const [body, paths] of cases) {
      const res = await put(body);
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
    }
    const many = Array.from({ length: 10_000 }, (_, i) =>
      new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
    );
    const big = await put({ timezone: 'UTC', week: { mon: [['09:00', '17:00']] }, holidays: many });
    expectProblem(big, 422, 'validation_failed');
    expect(big.body.errors[0].path).toBe('holidays');
    expectProblem(await put({ timezone: 'UTC', week: { funday: [] } }), 422, 'validation_failed');
    expect((await put({ timezone: 'UTC', week: { sun: [['00:00', '24:00']] } })).status).toBe(200);
  });

  it('refuses policies without targets, with unknown groups or bad minutes', async () => {
    const post = (body: object) =>
      api()
        .post('/api/v1/sla-policies')
        .set(...admin.auth)
        .send(body);
    for (const body of [
      { name: 'none', position: 1, targets: {} },
      { name: 'nulls', position: 1, targets: { firstResponseMinutes: null } },
      { name: 'zero', position: 1, targets: { firstResponseMinutes: 0 } },
      { name: 'huge', position: 1, targets: { resolutionMinutes: 100_001 } },
      { name: 'group', position: 1, match: { groupIds: ['999999'] }, targets: { resolutionMinutes: 5 } },
      { name: 'prio', position: 1, match: { priorities: ['asap'] }, targets: { resolutionMinutes: 5 } },
    ]) {
      expectProblem(await post(body), 422, 'validation_failed');
    }
  });
});

describe('clocks, calendar minutes', () => {
  it('first response, next response and resolution move per transition', async () => {
    await policy({
      name: 'Calendar',
      position: 1,
      match: { tags: ['slacal'] },
      targets: { firstResponseMinutes: 60, nextResponseMinutes: 120, resolutionMinutes: 600 },
    });
    const t0 = now();
    const t = await raise(['slacal']);
    expect(t.sla).toBeNull(); // the requester sees no SLA
    let s = (await get(t.id)).sla;
    near(s.firstResponseDueAt, t0 + 60 * MIN);
    near(s.resolutionDueAt, t0 + 600 * MIN);
    expect(s.nextResponseDueAt).toBeNull();
    expect(s.breached).toEqual([]);

    await advance(10 * MIN);
    await reply(t.id, user); // before any staff reply: first response still runs, no next response
    s = (await get(t.id)).sla;
    near(s.firstResponseDueAt, t0 + 60 * MIN);
    expect(s.nextResponseDueAt).toBeNull();
    await reply(t.id, agent, true); // an internal note stops nothing
    expect((await get(t.id)).sla.firstResponseDueAt).not.toBeNull();
    await reply(t.id, agent); // the first public staff reply stops first response
    s = (await get(t.id)).sla;
    expect(s.firstResponseDueAt).toBeNull();

    await advance(5 * MIN);
    const t15 = now();
    await reply(t.id, user); // a requester message starts next response
    near((await get(t.id)).sla.nextResponseDueAt, t15 + 120 * MIN);
    await advance(5 * MIN);
    await reply(t.id, user); // … and a second one does not push it back
    near((await get(t.id)).sla.nextResponseDueAt, t15 + 120 * MIN);
    await reply(t.id, agent);
    expect((await get(t.id)).sla.nextResponseDueAt).toBeNull();

    // 20 minutes of resolution used; pending pauses it, on_hold keeps it paused, open resumes it.
    await move(t.id, 'pending');
    expect((await get(t.id)).sla.resolutionDueAt).toBeNull();
    await advance(30 * MIN);
    await move(t.id, 'on_hold');
    expect((await get(t.id)).sla.resolutionDueAt).toBeNull();
    await advance(30 * MIN);
    const resumed = now();
    await move(t.id, 'open');
    near((await get(t.id)).sla.resolutionDueAt, resumed + 580 * MIN);

    await move(t.id, 'solved'); // stops everything: nothing runs after resolution
    s = (await get(t.id)).sla;
    expect(s).toMatchObject({
      firstResponseDueAt: null,
      nextResponseDueAt: null,
      resolutionDueAt: null,
      breached: [],
    });
    await reply(t.id, user); // reopened by the requester: resolution resumes, next response starts
    s = (await get(t.id)).sla;
    expect(s.resolutionDueAt).not.toBeNull();
    expect(s.nextResponseDueAt).not.toBeNull();
  });

  it('a reply after the due time, before any sweep, writes the breach once', async () => {
    const t = await raise(['slacal']);
    await advance(61 * MIN);
    await reply(t.id, agent);
    expect((await get(t.id)).sla.breached).toEqual(['first_response']);
    expect((await eventsOf(t.id)).filter((e) => e === 'sla.breached')).toHaveLength(1);
    await sweep();
    expect((await eventsOf(t.id)).filter((e) => e === 'sla.breached')).toHaveLength(1);
  });

  it('a policy edit re-derives open tickets in the same transaction; deleting it leaves none', async () => {
    const p = await policy({
      name: 'Edit me',
      position: 0,
      match: { tags: ['sledit'] },
      targets: { firstResponseMinutes: 100 },
    });
    const t0 = now();
    const t = await raise(['sledit']);
    near((await get(t.id)).sla.firstResponseDueAt, t0 + 100 * MIN);
    const patched = await api()
      .patch(`/api/v1/sla-policies/${p.id}`)
      .set(...admin.auth)
      .send({ targets: { firstResponseMinutes: 30 } });
    expect(patched.status).toBe(200);
    near((await get(t.id)).sla.firstResponseDueAt, t0 + 30 * MIN);
    expect(
      (
        await api()
          .delete(`/api/v1/sla-policies/${p.id}`)
          .set(...admin.auth)
      ).status,
    ).toBe(204);
    expect((await get(t.id)).sla).toBeNull();
  });
});

describe('clocks, business hours', () => {
  it('count only the calendar’s minutes, across the weekend, and pause with the time used', async () => {
    const put = await api()
      .put('/api/v1/business-hours')
      .set(...admin.auth)
      .send({
        timezone: 'UTC',
        week: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '17:00']]])),
        holidays: ['2026-12-25'],
      });
    expect(put.status).toBe(200);
    await policy({
      name: 'Business',
      position: 2,
      match: { tags: ['slabh'] },
      targets: { firstResponseMinutes: 60, resolutionMinutes: 480 },
      businessHours: true,
    });
    await setClock('2026-12-04T16:30:00Z'); // a Friday
    const t = await raise(['slabh']);
    let s = (await get(t.id)).sla;
    near(s.firstResponseDueAt, Date.parse('2026-12-07T09:30:00Z'));
    near(s.resolutionDueAt, Date.parse('2026-12-07T16:30:00Z'));
    await advance(10 * MIN); // Fri 16:40: 10 business minutes used
    await move(t.id, 'pending');
    await setClock('2026-12-07T10:00:00Z'); // Monday
    await move(t.id, 'open'); // 470 left: Mon 10:00–17:00 is 420, then Tue 09:50
    s = (await get(t.id)).sla;
    near(s.resolutionDueAt, Date.parse('2026-12-08T09:50:00Z'));
    near(s.firstResponseDueAt, Date.parse('2026-12-07T09:30:00Z'));
    expect(s.breached).toEqual(['first_response']); // past due, shown at once
  });
});

describe('the sweep and the queues', () => {
  it('writes sla.warning then sla.breached once each, emails the group when unassigned; queues filter', async () => {
    const g = await api()
      .post('/api/v1/groups')
      .set(...admin.auth)
      .send({ name: 'SLA team', memberIds: [String(member.id)] });
    expect(g.status).toBe(201);
    await policy({
      name: 'Sweep',
      position: 0,
      match: { tags: ['slasweep'] },
      targets: { firstResponseMinutes: 60 },
    });
    const t = await raise(['slasweep'], { groupId: g.body.id }, agent);
    const inQueue = async (sla: string) =>
      (
        await api()
          .get(`/api/v1/tickets?sla=${sla}&tag=slasweep`)
          .set(...agent.auth)
      ).body.data.map((x: { id: string }) => x.id);
    expect(await inQueue('at_risk')).toEqual([]);
    await advance(49 * MIN); // under 20 % left
    expect(await inQueue('at_risk')).toEqual([t.id]);
    expect(await inQueue('breached')).toEqual([]);
    await sweep();
    await sweep();
    expect((await eventsOf(t.id)).filter((e) => e.startsWith('sla.'))).toEqual(['sla.warning']);
    await advance(12 * MIN);
    expect(await inQueue('breached')).toEqual([t.id]);
    expect(await inQueue('at_risk')).toEqual([]);
    await Promise.all([sweep(), sweep()]);
    await sweep();
    expect((await eventsOf(t.id)).filter((e) => e.startsWith('sla.'))).toEqual([
      'sla.warning',
      'sla.breached',
    ]);
    const mails = await env.db.database.use((db) =>
      db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.ticketId, Number(t.id)),
            inArray(notifications.event, ['sla.warning', 'sla.breached']),
          ),
        ),
    );
    expect(mails.map((m) => [m.event, m.recipient]).sort()).toEqual([
      ['sla.breached', member.email],
      ['sla.warning', member.email],
    ]);
    // The requester sees neither the SLA nor its events.
    const theirs = await api()
      .get(`/api/v1/tickets/${t.id}/events`)
      .set(...agent.auth);
    expect(theirs.status).toBe(200);
    expect(
      (
        await api()
          .get('/api/v1/tickets?sla=breached')
          .set(...user.auth)
      ).body.data,
    ).toEqual([]);
  });

  it('sla=at_risk over a weekend: a business-hours ticket stays at risk until its Monday deadline', async () => {
    expect(
      (
        await api()
          .put('/api/v1/business-hours')
          .set(...admin.auth)
          .send({
            timezone: 'UTC',
            week: Object.fromEntries(
              ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '17:00']]]),
            ),
            holidays: [],
          })
      ).status,
    ).toBe(200);
    await policy({
      name: 'Weekend business',
      position: 0,
      match: { tags: ['slawkbh'] },
      targets: { resolutionMinutes: 480 },
      businessHours: true,
    });
    await policy({
      name: 'Weekend calendar',
      position: 0,
      match: { tags: ['slawkcal'] },
      targets: { firstResponseMinutes: 30 },
    });
    await setClock('2026-12-11T10:00:00Z'); // a Friday
    // 480 business minutes: Fri 10:00–17:00 is 420, then Mon 09:00 + 60. At risk from Fri 16:24.
    const monday = await raise(['slawk', 'slawkbh']);
    await setClock('2026-12-11T16:50:00Z');
    const friday = await raise(['slawk', 'slawkcal']); // due Fri 17:20: breached by Saturday
    await setClock('2026-12-12T08:50:00Z');
    const saturday = await raise(['slawk', 'slawkcal']); // due Sat 09:20, at risk from 09:14
    await setClock('2026-12-12T09:15:00Z');
    const queue = async (sla: string) =>
      (
        await api()
          .get(`/api/v1/tickets?sla=${sla}&tag=slawk&sort=slaDue`)
          .set(...agent.auth)
      ).body.data.map((x: { id: string }) => x.id);
    // Monday's deadline is two days away in wall time but 60 business minutes away: at risk, after the
    // one due in five minutes.
    expect(await queue('at_risk')).toEqual([saturday.id, monday.id]);
    expect(await queue('breached')).toEqual([friday.id]);
    near((await get(monday.id)).sla.resolutionDueAt, Date.parse('2026-12-14T10:00:00Z'));
    await setClock('2026-12-14T09:59:00Z');
    expect(await queue('at_risk')).toEqual([monday.id]);
    await setClock('2026-12-14T10:01:00Z');
    expect(await queue('at_risk')).toEqual([]);
    expect(await queue('breached')).toEqual([friday.id, saturday.id, monday.id]);
  });

  it('sort=slaDue: earliest running target first, tickets without one last, keyset pages agree', async () => {
    await policy({
      name: 'Sort',
      position: 0,
      match: { tags: ['slasort'] },
      targets: { firstResponseMinutes: 300 },
    });
    const later = await raise(['slasort']);
    const none = await raise(['slasort', 'slanone'], { priority: 'low' });
    await api()
      .post(`/api/v1/tickets/${none.id}/transitions`)
      .set(...agent.auth)
      .send({ to: 'solved' });
    await advance(-MIN); // created "earlier": due earlier
    const sooner = await raise(['slasort']);
    const all = await api()
      .get('/api/v1/tickets?tag=slasort&sort=slaDue')
      .set(...agent.auth);
    expect(all.body.data.map((x: { id: string }) => x.id)).toEqual([sooner.id, later.id, none.id]);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/tickets?tag=slasort&sort=slaDue&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api()
        .get(q)
        .set(...agent.auth);
      expect(page.status).toBe(200);
      paged.push(...page.body.data.map((x: { id: string }) => x.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual([sooner.id, later.id, none.id]);
    // A requester may ask for slaDue too; theirs is ordered by creation (the SLA is staff-only).
    const mine = await api()
      .get('/api/v1/tickets?tag=slasort&sort=slaDue')
      .set(...user.auth);
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((x: { id: string; sla: unknown }) => [x.id, x.sla])).toEqual([
      [sooner.id, null],
      [later.id, null],
      [none.id, null],
    ]);
    expect(
      (
        await api()
          .get('/api/v1/tickets?sla=late')
          .set(...agent.auth)
      ).status,
    ).toBe(422);
  });
});
