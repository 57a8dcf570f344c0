import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createTestApp, useTestApp } from '../helpers/app.js';
import { login } from '../helpers/auth.js';

// Security headers, Cache-Control on token-carrying responses, and CORS (issue 10 item 10, "HTTP, everywhere").
const env = useTestApp({ APP_URL: 'https://helpdesk.example.com' });

describe('security headers', () => {
  it('every response, errors included, carries nosniff, no-referrer and (https APP_URL) HSTS', async () => {
    for (const res of [
      await env.app.http.get('/health'),
      await env.app.http.get('/api/v1/nothing-here'),
      await env.app.http.get('/api/v1/me'),
      await env.app.http.post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('x'),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    }
  });

  it('no HSTS when APP_URL is plain http', async () => {
    const plain = createTestApp(env.db.database, { APP_URL: 'http://localhost:8787' });
    const res = await plain.http.get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('HTML gets a strict CSP unless the page set its own', async () => {
    const res = await env.app.http.get('/docs');
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/default-src/);
  });
});

describe('Cache-Control: no-store on responses carrying tokens', () => {
  it('register, login, refresh and authenticated reads are never stored', async () => {
    const reg = await env.app.http
      .post('/api/v1/auth/register')
      .send({ email: `cc-${Date.now()}@example.test`, name: 'Cc', password: 'long-enough-pw' });
    expect(reg.status).toBe(201);
    expect(reg.headers['cache-control']).toBe('no-store');
    const account = { email: reg.body.user.email as string, password: 'long-enough-pw' };
    const signedIn = await login(env.app.http, account);
    const res = await env.app.http.post('/api/v1/auth/login').send(account);
    expect(res.headers['cache-control']).toBe('no-store');
    const refreshed = await env.app.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: signedIn.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    const me = await env.app.http.get('/api/v1/me').auth(signedIn.accessToken, { type: 'bearer' });
    expect(me.headers['cache-control']).toBe('no-store');
  });
});

describe('CORS', () => {
  const cors = () =>
    createTestApp(env.db.database, { CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' });

  it('none by default: no Access-Control-Allow-Origin for any origin', async () => {
    const res = await env.app.http.get('/health').set('Origin', 'https://app.example.com');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('an allowed origin gets a 204 preflight and readable responses, errors included', async () => {
    const app = cors();
    const pre = await app.http
      .options('/api/v1/tickets')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type, if-match');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(pre.headers['access-control-allow-methods']).toContain('PATCH');
    expect(pre.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');

    const denied = await app.http.get('/api/v1/me').set('Origin', 'http://localhost:5173');
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(denied.headers['access-control-expose-headers']).toContain('RateLimit-Remaining');
  });

  it('a refused origin gets no Access-Control-Allow-Origin, on the preflight or the request', async () => {
    const app = cors();
    const pre = await app.http
      .options('/api/v1/tickets')
      .set('Origin', 'https://evil.example.net')
      .set('Access-Control-Request-Method', 'POST');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const res = await app.http.get('/health').set('Origin', 'https://app.example.com.evil.net');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS_ORIGINS must list origins', () => {
    const bad = parseConfig({
      DATABASE_URL: 'mysql://a@b/c',
      SMTP_URL: 'smtp://a',
      CORS_ORIGINS: 'https://ok.example.com, https://x.example.com/path',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('CORS_ORIGINS');
  });
});
