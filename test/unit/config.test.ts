import { describe, expect, it } from 'vitest';
import { parseBcryptCost, parseConfig, parseDuration } from '../../src/config.js';

const valid = {
  NODE_ENV: 'production',
  DATABASE_URL: 'mysql://app:pw@db:3306/helpdesk',
  SMTP_URL: 'smtp://u:p@smtp.example.com:587',
  JWT_SECRET: 'a'.repeat(32),
  APP_URL: 'https://helpdesk.example.com/',
};

describe('parseConfig', () => {
  it('fills in the documented defaults', () => {
    const r = parseConfig(valid);
    if (!r.ok) throw new Error(r.message);
    expect(r.config).toMatchObject({
      port: 8787,
      logLevel: 'info',
      accessTokenTtlSeconds: 15 * 60,
      refreshTokenTtlSeconds: 30 * 86400,
      autoCloseDays: 4,
      appUrl: 'https://helpdesk.example.com',
      mailFrom: 'Helpdesk <helpdesk@localhost>',
      admin: null,
      authRateLimit: { perIp: 30, perEmail: 10 },
      outbox: {
        maxAgeSeconds: 24 * 3600,
        maxRetryDelaySeconds: 3600,
        retryBaseSeconds: 30,
        pollMs: 2000,
        leaseSeconds: 60,
      },
      database: { queryTimeoutMs: 5000, acquireTimeoutMs: 3000, queueLimit: 200 },
      smtp: { connectTimeoutMs: 5000, socketTimeoutMs: 20_000 },
      housekeepingIntervalSeconds: 60,
      databasePoolSize: 10,
      bcryptCost: 12,
    });
    expect(r.warnings).toEqual([]);
  });

  it('takes BCRYPT_COST from 4 to 15, and the scripts read it by the same rules', () => {
    const r = parseConfig({ ...valid, BCRYPT_COST: '4' });
    expect(r.ok && r.config.bcryptCost).toBe(4);
    for (const bad of ['3', '16', '12.5', 'high']) {
      const bad1 = parseConfig({ ...valid, BCRYPT_COST: bad });
      expect(bad1.ok, bad).toBe(false);
      if (!bad1.ok) expect(bad1.errors.join()).toMatch(/^BCRYPT_COST /);
      expect(parseBcryptCost({ BCRYPT_COST: bad }).ok, bad).toBe(false);
    }
    expect(parseBcryptCost({})).toEqual({ ok: true, cost: 12 });
    expect(parseBcryptCost({ BCRYPT_COST: '' })).toEqual({ ok: true, cost: 12 });
    expect(parseBcryptCost({ BCRYPT_COST: '15' })).toEqual({ ok: true, cost: 15 });
    expect(parseBcryptCost({ BCRYPT_COST: '16' })).toEqual({
      ok: false,
      message: 'BCRYPT_COST must be at most 15',
    });
  });

  it('names every bad key in one message', () => {
    const r = parseConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://x',
      SMTP_URL: 'not a url',
      JWT_SECRET: 'short',
      PORT: 'eighty',
      ACCESS_TOKEN_TTL: '15 minutes',
      AUTO_CLOSE_DAYS: '0',
      LOG_LEVEL: 'loud',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    for (const key of [
      'DATABASE_URL',
      'SMTP_URL',
      'JWT_SECRET',
      'PORT',
      'ACCESS_TOKEN_TTL',
      'AUTO_CLOSE_DAYS',
      'LOG_LEVEL',
      'APP_URL',
    ]) {
      expect(r.message).toContain(key);
    }
    expect(r.errors).toHaveLength(8);
  });

  it('reports missing required keys as required', () => {
    const r = parseConfig({ NODE_ENV: 'production' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL is required/),
        expect.stringMatching(/^SMTP_URL is required/),
      ]),
    );
  });

  it('requires JWT_SECRET in production but generates one with a warning in development', () => {
    const { JWT_SECRET: _, ...noSecret } = valid;
    const prod = parseConfig(noSecret);
    expect(prod.ok).toBe(false);
    if (!prod.ok) expect(prod.message).toContain('JWT_SECRET');

    const dev = parseConfig({ ...noSecret, NODE_ENV: 'development' });
    if (!dev.ok) throw new Error(dev.message);
    expect(new TextEncoder().encode(dev.config.jwtSecret).length).toBeGreaterThanOrEqual(32);
    expect(dev.warnings.join()).toMatch(/JWT_SECRET/);
    const again = parseConfig({ ...noSecret, NODE_ENV: 'development' });
    expect(again.ok && again.config.jwtSecret).not.toBe(dev.config.jwtSecret);
  });

  it('counts JWT_SECRET length in bytes, not characters', () => {
    expect(parseConfig({ ...valid, JWT_SECRET: 'é'.repeat(16) }).ok).toBe(true); // 32 bytes
    expect(parseConfig({ ...valid, JWT_SECRET: 'é'.repeat(15) }).ok).toBe(false);
  });

  it('takes DATABASE_POOL_SIZE from 1 to 500', () => {
    const r = parseConfig({ ...valid, DATABASE_POOL_SIZE: '20' });
    expect(r.ok && r.config.databasePoolSize).toBe(20);
    for (const bad of ['0', '501', 'many']) {
      const res = parseConfig({ ...valid, DATABASE_POOL_SIZE: bad });
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.errors.join()).toMatch(/^DATABASE_POOL_SIZE /);
    }
  });

  it('takes HOUSEKEEPING_INTERVAL_SECONDS from 1 second to a day', () => {
    const r = parseConfig({ ...valid, HOUSEKEEPING_INTERVAL_SECONDS: '1' });
    expect(r.ok && r.config.housekeepingIntervalSeconds).toBe(1);
    for (const bad of ['0', '86401', '1.5', 'often']) {
      const bad1 = parseConfig({ ...valid, HOUSEKEEPING_INTERVAL_SECONDS: bad });
      expect(bad1.ok, bad).toBe(false);
      if (!bad1.ok) expect(bad1.errors.join()).toMatch(/^HOUSEKEEPING_INTERVAL_SECONDS /);
    }
  });

  it('treats empty strings as unset', () => {
    const r = parseConfig({ ...valid, NODE_ENV: 'development', PORT: '', APP_URL: '' });
    expect(r.ok && r.config.port).toBe(8787);
    expect(r.ok && r.config.appUrl).toBe('http://localhost:8787');
  });

  it('reports a missing JWT_SECRET in the same message as the other bad keys', () => {
    // Regression: the cross-key checks ran only once every key parsed, so a deploy with a bad PORT
    // learnt about JWT_SECRET on its second attempt.
    const { JWT_SECRET: _, ...noSecret } = valid;
    const r = parseConfig({ ...noSecret, PORT: 'eighty', ADMIN_EMAIL: 'a@b.co' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      expect.stringMatching(/^PORT /),
      expect.stringMatching(/^JWT_SECRET is required in production/),
      'ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
    ]);
  });

  it('requires APP_URL in production, and defaults it to localhost elsewhere', () => {
    const { APP_URL: _, ...noUrl } = valid;
    const prod = parseConfig({ ...noUrl, PORT: '0' });
    expect(prod.ok).toBe(false);
    if (!prod.ok) {
      expect(prod.errors).toHaveLength(2);
      expect(prod.errors[1]).toMatch(/^APP_URL is required in production/);
    }
    const dev = parseConfig({ ...noUrl, NODE_ENV: 'development' });
    expect(dev.ok && dev.config.appUrl).toBe('http://localhost:8787');
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(parseConfig({ ...valid, ADMIN_EMAIL: 'a@b.co' }).ok).toBe(false);
    const r = parseConfig({ ...valid, ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'long-enough-pw' });
    expect(r.ok && r.config.admin).toEqual({ email: 'a@b.co', password: 'long-enough-pw' });
  });

  it('never echoes a secret value in its errors', () => {
    const r = parseConfig({ ...valid, JWT_SECRET: 'hunter2-secret', SMTP_URL: 'ftp://user:topsecret@x' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).not.toMatch(/hunter2|topsecret/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['900', 900],
    ['90s', 90],
    ['15m', 900],
    ['12h', 43200],
    ['30d', 2592000],
  ])('%s is %d seconds', (input, seconds) => expect(parseDuration(input)).toBe(seconds));

  it.each(['', '0', '15 minutes', '-5m', '1w'])('rejects %j', (input) =>
    expect(parseDuration(input)).toBeNull(),
  );
});
