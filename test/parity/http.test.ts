import { describe, expect, it } from 'vitest';
import { call, uniqueEmail } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// What every request goes through on both runtimes: security headers, no-store on token responses, the
// per-principal RateLimit-* headers, the client address (a forged X-Forwarded-For is never believed),
// and a 413 that closes its connection.

describe.each(TARGET_NAMES)('HTTP behaviour on %s', (name) => {
  const t = useTarget(name);

  it('security headers and no-store on a token response; a forged X-Forwarded-For is ignored', async () => {
    const reg = await call(t(), 'POST', '/auth/register', {
      body: { email: uniqueEmail(), password: 'correct horse battery', name: 'Hedy' },
      headers: { 'x-forwarded-for': '203.0.113.66' },
    });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('cache-control')).toBe('no-store');
    expect(reg.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reg.headers.get('referrer-policy')).toBe('no-referrer');
    // wrangler.toml's APP_URL is https.
    expect(reg.headers.get('strict-transport-security')).toMatch(/^max-age=/);

    // The socket's peer on Node (TRUST_PROXY unset), CF-Connecting-IP on Workers (its default).
    const sessions = await call(t(), 'GET', '/auth/sessions', { token: reg.body.accessToken });
    expect(sessions.body.data[0].ip).toBe('127.0.0.1');
  });

  it('authenticated responses carry RateLimit-* headers that count down', async () => {
    const reg = await call(t(), 'POST', '/auth/register', {
      body: { email: uniqueEmail(), password: 'correct horse battery', name: 'Hedy' },
    });
    const first = await call(t(), 'GET', '/me', { token: reg.body.accessToken });
    const second = await call(t(), 'GET', '/me', { token: reg.body.accessToken });
    expect(first.status).toBe(200);
    const limit = Number(first.headers.get('ratelimit-limit'));
    expect(limit).toBeGreaterThan(0);
    expect(Number(second.headers.get('ratelimit-remaining'))).toBe(
      Number(first.headers.get('ratelimit-remaining')) - 1,
    );
    expect(Number(first.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
  });

  it('a 413 is problem+json', async () => {
    const res = await call(t(), 'POST', '/auth/login', { body: { email: 'x'.repeat(1024 * 1024 + 10) } });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
