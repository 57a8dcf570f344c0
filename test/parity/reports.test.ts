import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, call, expectProblem, raise, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Reports and the incremental export on both runtimes: the rollup and report columns are written by the
// commit path in the change's transaction, and the export numbers what committed before reading (Workers
// have no background sequencer), so both answer the same on Node and on Workers.

describe.each(TARGET_NAMES)('reports and export on %s', (name) => {
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

  it('a summary for a fresh group counts what happened to its ticket; users 403', async () => {
    const group = await call(t(), 'POST', '/groups', {
      token: admin.token,
      body: { name: `Parity reports ${Date.now()} ${name}`, memberIds: [], assignment: 'manual' },
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const groupId = group.body.id as string;
    const id = await raise(t(), agent, { groupId, requester: { email: user.email } });
    const reply = await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: agent.token,
      body: { body: 'Hi.' },
    });
    expect(reply.status).toBe(201);
    const solve = await call(t(), 'POST', `/tickets/${id}/transitions`, {
      token: agent.token,
      body: { to: 'solved' },
    });
    expect(solve.status, JSON.stringify(solve.body)).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const res = await call(t(), 'GET', `/reports/summary?from=${today}&to=${today}&groupId=${groupId}`, {
      token: agent.token,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      created: 1,
      solved: 1,
      reopened: 0,
      backlog: { new: 0, open: 0, pending: 0, on_hold: 0 },
      firstResponseMinutes: { median: expect.any(Number), p90: expect.any(Number) },
      resolutionMinutes: { median: expect.any(Number), p90: expect.any(Number) },
      satisfaction: { good: 0, bad: 0, score: null },
    });
    const series = await call(
      t(),
      'GET',
      `/reports/timeseries?metric=created&from=${today}&to=${today}&groupId=${groupId}`,
      {
        token: agent.token,
      },
    );
    expect(series.body).toEqual({ data: [{ at: `${today}T00:00:00.000Z`, value: 1 }] });
    expectProblem(await call(t(), 'GET', '/reports/summary', { token: user.token }), 403, 'forbidden');
    expectProblem(
      await call(t(), 'GET', '/reports/summary?from=2026-02-02&to=2026-02-01', { token: agent.token }),
      422,
      'validation_failed',
    );
  });

  it('the export resumes from its cursor with what changed since, in commit order', async () => {
    let cursor: string | undefined;
    // Catch up with whatever other tests left.
    for (;;) {
      const page = await call(t(), 'GET', `/tickets/export?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
        token: agent.token,
      });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      cursor = page.body.nextCursor as string;
      if (!page.body.hasMore) break;
    }
    const a = await raise(t(), user, { subject: 'Export A' });
    const b = await raise(t(), user, { subject: 'Export B' });
    const edit = await call(t(), 'PATCH', `/tickets/${a}`, {
      token: agent.token,
      body: { subject: 'Export A2' },
    });
    expect(edit.status).toBe(200);
    const next = await call(t(), 'GET', `/tickets/export?cursor=${cursor}`, { token: agent.token });
    expect(next.status).toBe(200);
    expect(next.body.data.map((x: { id: string; subject: string }) => [x.id, x.subject])).toEqual([
      // Each ticket once, at its latest change, as it is now: A was renamed after B was raised.
      [b, 'Export B'],
      [a, 'Export A2'],
    ]);
    expectProblem(await call(t(), 'GET', '/tickets/export', { token: user.token }), 403, 'forbidden');
  });
});
