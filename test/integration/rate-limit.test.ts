import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RATE_WINDOW_MS } from '../../src/modules/auth/rate-limit.js';
import { useTestApp } from '../helpers/app.js';

// One trusted proxy (TRUST_PROXY=1): each request names its client in X-Forwarded-For's last entry.
const env = useTestApp({ AUTH_RATE_LIMIT_PER_IP: '5', AUTH_RATE_LIMIT_PER_EMAIL: '3', TRUST_PROXY: '1' });

const ip = () =>
  `203.0.113.${Math.floor(Math.random() * 250) + 1}, 10.0.0.${Math.floor(Math.random() * 250)}`;
const login = (email: string, from: string) =>
  env.app.http
    .post('/api/v1/auth/login')
    .set('X-Forwarded-For', from)
    .send({ email, password: 'wrong-password' });

describe('rate limits on the public auth routes', () => {
  it('per email: the 4th attempt in a window gets 429 with Retry-After, from any address', async () => {
    const email = `rl-${randomBytes(4).toString('hex')}@example.test`;
    for (let i = 0; i < 3; i++) expect((await login(email, ip())).status).toBe(401);
    const limited = await login(email, ip());
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, code: 'rate_limited' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(RATE_WINDOW_MS / 1000);
    // The email is case-insensitive: no way around the limit by shouting.
    expect((await login(email.toUpperCase(), ip())).status).toBe(429);
  });

  it('per client address: the 6th attempt from one address gets 429, another address is unaffected', async () => {
    const from = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 5; i++) {
      expect((await login(`a${i}-${randomBytes(3).toString('hex')}@example.test`, from)).status).toBe(401);
    }
    expect((await login(`z-${randomBytes(3).toString('hex')}@example.test`, from)).status).toBe(429);
    expect((await login(`y-${randomBytes(3).toString('hex')}@example.test`, '192.0.2.7')).status).toBe(401);
  });

  it('the limit lifts when the window has passed', async () => {
    const email = `rl-${randomBytes(4).toString('hex')}@example.test`;
    for (let i = 0; i < 3; i++) await login(email, ip());
    expect((await login(email, ip())).status).toBe(429);
    env.app.clock.advance(RATE_WINDOW_MS);
    expect((await login(email, ip())).status).toBe(401);
  });

  it('register and refresh are limited too', async () => {
    const from = '192.0.2.55';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await env.app.http
        .post('/api/v1/auth/refresh')
        .set('X-Forwarded-For', from)
        .send({ refreshToken: `nope-${i}` });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);

    const email = `rl-${randomBytes(4).toString('hex')}@example.test`;
    const reg = () =>
      env.app.http
        .post('/api/v1/auth/register')
        .set('X-Forwarded-For', ip())
        .send({ email, password: 'long-enough-pw', name: 'R' });
    expect((await reg()).status).toBe(201);
    expect((await reg()).status).toBe(409);
    expect((await reg()).status).toBe(409);
    expect((await reg()).status).toBe(429);
  });
});

describe('rate limit on the satisfaction page (CSAT)', () => {
  it('the 6th request from one address gets a 429 page; another address is unaffected', async () => {
    const from = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const page = (path: string, by: string) => env.app.http.get(path).set('X-Forwarded-For', by);
    // Bad links count too: guessing tokens is what the limit slows down.
    for (let i = 0; i < 5; i++) expect((await page(`/csat/guess-${i}?rating=good`, from)).status).toBe(400);
    const limited = await page('/csat/guess-6?rating=good', from);
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^text\/html/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const post = await env.app.http
      .post('/csat/guess-7')
      .set('X-Forwarded-For', from)
      .type('form')
      .send({ rating: 'good' });
    expect(post.status).toBe(429);
    expect((await page('/csat/guess-8?rating=good', '192.0.2.8')).status).toBe(400);
  });
});
