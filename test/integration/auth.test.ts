import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../db/schema/index.js';
import { createTestApp, useTestApp } from '../helpers/app.js';

const env = useTestApp();

const email = () => `p-${randomBytes(5).toString('hex')}@Example.test`;
const PASSWORD = 'correct horse battery';

async function register(overrides: Record<string, unknown> = {}) {
  const res = await env.app.http
    .post('/api/v1/auth/register')
    .send({ email: email(), password: PASSWORD, name: 'Ada Lovelace', ...overrides });
  expect(res.status).toBe(201);
  return res.body as { user: { id: string; email: string }; accessToken: string; refreshToken: string };
}

function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

describe('POST /auth/register', () => {
  it('creates a user (never staff) and returns a token pair', async () => {
    const address = email();
    const res = await env.app.http
      .post('/api/v1/auth/register')
      .send({ email: address, password: PASSWORD, name: ' Ada ', role: 'admin' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      user: { email: address.toLowerCase(), name: 'Ada', role: 'user', active: true },
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(res.body.user.id).toMatch(/^\d+$/);
    expect(res.body.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|\$2[aby]\$/);
    const claims = decodeJwt(res.body.accessToken);
    expect(claims).toMatchObject({ sub: res.body.user.id, role: 'user', aud: 'helpdesk-api' });
    for (const k of ['sid', 'iss', 'iat', 'exp', 'jti']) expect(claims[k]).toBeDefined();
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
  });

  it('409 email_taken for a registered address, whatever its case', async () => {
    const address = email();
    await register({ email: address });
    const res = await env.app.http
      .post('/api/v1/auth/register')
      .send({ email: address.toUpperCase(), password: PASSWORD, name: 'B' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'email_taken' });
  });

  it('422 for a weak password or a bad email, and nothing is created', async () => {
    const address = email();
    const res = await env.app.http
      .post('/api/v1/auth/register')
      .send({ email: address, password: 'short', name: 'A' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'password', message: 'must be at least 10 characters' }]);
    const bad = await env.app.http
      .post('/api/v1/auth/register')
      .send({ email: 'nope', password: PASSWORD, name: 'A' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('email');
    const rows = await env.db.database.use((db) =>
      db.select().from(users).where(eq(users.email, address.toLowerCase())),
    );
    expect(rows).toEqual([]);
  });

  it('400 for malformed JSON and 415 for form posts', async () => {
    const res = await env.app.http
      .post('/api/v1/auth/register')
      .set('Content-Type', 'application/json')
      .send('{"email":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const form = await env.app.http.post('/api/v1/auth/register').type('form').send({ email: email() });
    expect(form.status).toBe(415);
  });
});

describe('POST /auth/login', () => {
  it('logs in with any case of the email', async () => {
    const address = email();
    await register({ email: address });
    const res = await env.app.http
      .post('/api/v1/auth/login')
      .send({ email: address.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(address.toLowerCase());
  });

  it('401 invalid_credentials for a wrong password and an unknown email alike', async () => {
    const address = email();
    await register({ email: address });
    const wrong = await env.app.http
      .post('/api/v1/auth/login')
      .send({ email: address, password: 'wrong password!' });
    const unknown = await env.app.http
      .post('/api/v1/auth/login')
      .send({ email: email(), password: PASSWORD });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({ code: 'invalid_credentials' });
    }
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('403 account_disabled for a disabled account, and its tokens stop working at once', async () => {
    const address = email();
    const session = await register({ email: address });
    await env.db.database.use((db) =>
      db.update(users).set({ active: false }).where(eq(users.email, address.toLowerCase())),
    );
    const res = await env.app.http.post('/api/v1/auth/login').send({ email: address, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('account_disabled');
    const me = await env.app.http.get('/api/v1/me').auth(session.accessToken, { type: 'bearer' });
    expect(me.status).toBe(401);
    const refreshed = await env.app.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(403);
  });
});

describe('GET /me', () => {
  it('returns the caller', async () => {
    const s = await register();
    const res = await env.app.http.get('/api/v1/me').auth(s.accessToken, { type: 'bearer' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.user);
  });

  it.each([
    ['no header', undefined],
    ['a malformed token', 'Bearer not.a.jwt'],
    ['a token signed with another secret', 'Bearer '],
  ])('401 with %s', async (_label, header) => {
    let value = header;
    if (value === 'Bearer ') {
      const other = createTestApp(env.db.database, { JWT_SECRET: 'another-secret-that-is-32-bytes-long!!' });
      const res = await other.http
        .post('/api/v1/auth/register')
        .send({ email: email(), password: PASSWORD, name: 'X' });
      value = `Bearer ${res.body.accessToken}`;
    }
    const req = env.app.http.get('/api/v1/me');
    const res = value ? await req.set('Authorization', value) : await req;
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('401 token_expired after the access-token lifetime', async () => {
    const s = await register();
    env.app.clock.advance(16 * 60_000);
    try {
      const res = await env.app.http.get('/api/v1/me').auth(s.accessToken, { type: 'bearer' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('token_expired');
    } finally {
      env.app.clock.advance(-16 * 60_000);
    }
  });
});

describe('POST /auth/refresh and /auth/logout', () => {
  it('rotates: a new pair works, the old refresh token is dead', async () => {
    const s = await register();
    const res = await env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken });
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).not.toBe(s.refreshToken);
    expect((await env.app.http.get('/api/v1/me').auth(res.body.accessToken, { type: 'bearer' })).status).toBe(
      200,
    );
    const next = await env.app.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: res.body.refreshToken });
    expect(next.status).toBe(200);
  });

  it('reuse of a rotated token revokes the whole session', async () => {
    const s = await register();
    const rotated = await env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken });
    const reuse = await env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('refresh_token_reused');
    // The legitimate holder's newer tokens die with the family.
    const after = await env.app.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: rotated.body.refreshToken });
    expect(after.status).toBe(401);
    expect(
      (await env.app.http.get('/api/v1/me').auth(rotated.body.accessToken, { type: 'bearer' })).status,
    ).toBe(401);
  });

  it('two concurrent refreshes with one token: one wins, the session is then revoked', async () => {
    const s = await register();
    const results = await Promise.all(
      [1, 2].map(() => env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it('401 invalid_refresh_token for an unknown token', async () => {
    const res = await env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: 'made-up' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_refresh_token');
  });

  it('logout ends the session: refresh and access tokens stop working', async () => {
    const s = await register();
    const res = await env.app.http.post('/api/v1/auth/logout').send({ refreshToken: s.refreshToken });
    expect(res.status).toBe(204);
    expect(
      (await env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken })).status,
    ).toBe(401);
    expect((await env.app.http.get('/api/v1/me').auth(s.accessToken, { type: 'bearer' })).status).toBe(401);
    expect(
      (await env.app.http.post('/api/v1/auth/logout').send({ refreshToken: s.refreshToken })).status,
    ).toBe(204);
  });

  it('stores refresh tokens only as hashes', async () => {
    const s = await register();
    const dump = await env.db.database.use(async (db) =>
      JSON.stringify(await db.execute('SELECT token_hash FROM refresh_tokens')),
    );
    expect(dump).not.toContain(s.refreshToken);
  });
});
