import { describe, expect, it } from 'vitest';
import { signIn } from '../helpers/actors.js';
import { createTestApp, useTestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/auth.js';

// Per-principal limits on every authenticated route (in process), and ticket creation per principal
// (in the database, shared by every instance).
const env = useTestApp();

describe('per-principal rate limit on authenticated routes', () => {
  it('counts down in RateLimit-* headers, then 429 + Retry-After, per principal only', async () => {
    const app = createTestApp(env.db.database, { RATE_LIMIT_PER_PRINCIPAL: '3', RATE_LIMIT_WINDOW: '10m' });
    // Start just after a window boundary, so the whole test runs inside one window.
    app.clock.advance(600_000 - (app.clock.now().getTime() % 600_000) + 100);
    const ada = await signIn(app.http, env.db.database);
    const bob = await signIn(app.http, env.db.database);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.http.get('/api/v1/me').set(...ada.auth);
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('3');
      const reset = Number(res.headers['ratelimit-reset']);
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(600);
      remaining.push(res.headers['ratelimit-remaining']!);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await app.http.get('/api/v1/tickets').set(...ada.auth);
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);

    // Another principal is unaffected; the window's end lifts the limit.
    expect((await app.http.get('/api/v1/me').set(...bob.auth)).status).toBe(200);
    app.clock.advance(600_000);
    const again = await app.http.get('/api/v1/me').set(...ada.auth);
    expect(again.status).toBe(200);
    expect(again.headers['ratelimit-remaining']).toBe('2');
  });

  it('unauthenticated requests are not counted against anybody', async () => {
    const app = createTestApp(env.db.database, { RATE_LIMIT_PER_PRINCIPAL: '1' });
    const res = await app.http.get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('ticket creation per principal', () => {
  const raise = (app: ReturnType<typeof createTestApp>, auth: [string, string]) =>
    app.http
      .post('/api/v1/tickets')
      .set(...auth)
      .send({ subject: 'Spam?', body: 'Hello.' });

  it('a user gets TICKET_CREATE_LIMIT per window, across instances; staff have their own tier', async () => {
    const overrides = {
      TICKET_CREATE_LIMIT: '2',
      TICKET_CREATE_LIMIT_STAFF: '3',
      TICKET_CREATE_WINDOW: '30m',
    };
    // Two instances over one database: the count is shared.
    const one = createTestApp(env.db.database, overrides);
    const two = createTestApp(env.db.database, overrides);
    // Start just after a window boundary (both instances read the same real time).
    const offset = 1_800_000 - (Date.now() % 1_800_000) + 100;
    one.clock.advance(offset);
    two.clock.advance(offset);
    const user = await signIn(one.http, env.db.database);
    expect((await raise(one, user.auth)).status).toBe(201);
    expect((await raise(two, user.auth)).status).toBe(201);
    const limited = await raise(one, user.auth);
    expectProblem(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(1800);
    expectProblem(await raise(two, user.auth), 429, 'rate_limited');
    // Reads are untouched by it.
    expect((await one.http.get('/api/v1/tickets').set(...user.auth)).status).toBe(200);

    const agent = await signIn(one.http, env.db.database, 'agent');
    for (let i = 0; i < 3; i++) expect((await raise(one, agent.auth)).status).toBe(201);
    expectProblem(await raise(one, agent.auth), 429, 'rate_limited');
  });
});
