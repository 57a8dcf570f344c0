import { count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../db/schema/index.js';
import { type Actor, call, expectProblem, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Idempotency-Key on POST: replay, a reused key, concurrent duplicates, a malformed key.

describe.each(TARGET_NAMES)('idempotency on %s', (name) => {
  const t = useTarget(name);
  let alice: Actor;
  let bob: Actor;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([signIn(t(), 'user'), signIn(t(), 'user')]);
  });

  const raise = (by: Actor, key: string, subject = 'Printer on fire') =>
    call(t(), 'POST', '/tickets', {
      token: by.token,
      headers: { 'idempotency-key': key },
      body: { subject, body: 'Smoke everywhere.' },
    });
  const ticketsOf = (by: Actor) =>
    t().database.use(async (db) => {
      const [row] = await db
        .select({ n: count() })
        .from(tickets)
        .where(eq(tickets.requesterId, Number(by.id)));
      return row!.n;
    });

  it('replays the first response; a different body is 422; keys are per caller', async () => {
    const key = `parity-${name}-1`;
    const first = await raise(alice, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await raise(alice, key);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await ticketsOf(alice)).toBe(1);

    expectProblem(await raise(alice, key, 'Another subject'), 422, 'idempotency_key_reused');
    const bobs = await raise(bob, key);
    expect(bobs.status).toBe(201);
    expect(bobs.body.id).not.toBe(first.body.id);
  });

  it('runs concurrent duplicates once; refuses a malformed key', async () => {
    const before = await ticketsOf(alice);
    const key = `parity-${name}-2`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => raise(alice, key, 'Race')));
    expect(await ticketsOf(alice)).toBe(before + 1);
    for (const r of answers) {
      if (r.status === 201) continue;
      expectProblem(r, 409, 'idempotency_key_in_use');
    }
    expect(answers.filter((r) => r.status === 201 && !r.headers.get('idempotent-replayed'))).toHaveLength(1);

    expectProblem(await raise(alice, 'k'.repeat(256)), 400, 'invalid_idempotency_key');
    expectProblem(await raise(alice, 'has space'), 400, 'invalid_idempotency_key');
    expect(await ticketsOf(alice)).toBe(before + 1);
  });
});
