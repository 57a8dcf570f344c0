import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createTestApp, useTestApp } from '../helpers/app.js';

// TRUST_PROXY decides which headers may name the client. Everything here connects from 127.0.0.1.
const env = useTestApp();

type Headers = Record<string, string>;

/** Registers through an app with `trust`, sending `headers`; returns the address its session recorded. */
async function sessionIp(trust: string | undefined, headers: Headers): Promise<string | null> {
  const app = createTestApp(env.db.database, trust ? { TRUST_PROXY: trust } : {});
  let req = app.http.post('/api/v1/auth/register').send({
    email: `ip-${randomBytes(5).toString('hex')}@example.test`,
    name: 'Ip',
    password: 'long-enough-pw',
  });
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  const res = await req;
  expect(res.status, res.text).toBe(201);
  const list = await app.http.get('/api/v1/auth/sessions').auth(res.body.accessToken, { type: 'bearer' });
  expect(list.status).toBe(200);
  return list.body.data[0].ip;
}

const spoofed = { 'X-Forwarded-For': '203.0.113.9', 'CF-Connecting-IP': '198.51.100.7' };

describe('TRUST_PROXY', () => {
  it('by default ignores X-Forwarded-For and CF-Connecting-IP: the session shows the socket address', async () => {
    expect(await sessionIp(undefined, spoofed)).toBe('127.0.0.1');
  });

  it('by default a rotating X-Forwarded-For does not escape the per-address limit', async () => {
    const limited = createTestApp(env.db.database, { AUTH_RATE_LIMIT_PER_IP: '3' });
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const res = await limited.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .set('CF-Connecting-IP', `198.51.100.${i}`)
        .send({
          email: `nobody-${i}-${randomBytes(3).toString('hex')}@example.test`,
          password: 'wrong-password',
        });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('cloudflare: believes CF-Connecting-IP, never X-Forwarded-For', async () => {
    expect(await sessionIp('cloudflare', spoofed)).toBe('198.51.100.7');
    expect(await sessionIp('cloudflare', { 'X-Forwarded-For': '203.0.113.9' })).toBe('127.0.0.1');
  });

  it('a hop count N takes the Nth X-Forwarded-For entry from the right', async () => {
    const chain = { 'X-Forwarded-For': '192.0.2.66, 203.0.113.5, 10.0.0.2' };
    expect(await sessionIp('1', chain)).toBe('10.0.0.2');
    expect(await sessionIp('2', chain)).toBe('203.0.113.5');
    // Fewer entries than hops: the leftmost, the farthest any trusted proxy saw.
    expect(await sessionIp('5', chain)).toBe('192.0.2.66');
    expect(await sessionIp('1', {})).toBe('127.0.0.1');
    // A malformed entry names nobody (recorded as unknown), it is never stored as given.
    expect(await sessionIp('1', { 'X-Forwarded-For': '<script>' })).toBeNull();
  });

  it('a CIDR list skips trusted proxies from the right; an untrusted peer is never asked', async () => {
    const chain = { 'X-Forwarded-For': '192.0.2.66, 203.0.113.5, 10.1.2.3' };
    expect(await sessionIp('127.0.0.1/8, 10.0.0.0/8', chain)).toBe('203.0.113.5');
    expect(await sessionIp('127.0.0.1, 10.0.0.0/8, 203.0.113.0/24', chain)).toBe('192.0.2.66');
    // The socket (127.0.0.1) is not a trusted proxy: its headers are whatever the client made up.
    expect(await sessionIp('10.0.0.0/8', chain)).toBe('127.0.0.1');
  });
});

describe('TRUST_PROXY configuration', () => {
  it('rejects a value that is none of the modes', () => {
    const bad = parseConfig({
      DATABASE_URL: 'mysql://a@b/c',
      SMTP_URL: 'smtp://a',
      TRUST_PROXY: '10.0.0.0/99',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('TRUST_PROXY');
  });
});
