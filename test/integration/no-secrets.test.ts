import { beforeAll, describe, expect, it } from 'vitest';
import { notifications, passwordResetTokens, refreshTokens, users } from '../../db/schema/index.js';
import { sha256Hex } from '../../src/modules/auth/tokens.js';
import { useTestApp } from '../helpers/app.js';
import { PASSWORD, uniqueEmail } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';
import { useMailbox } from '../helpers/mailbox.js';

// Drives every accounts and users route, successes and failures, and scans everything that came back
// (status line aside: headers and bodies) for what must never leave the server.
const env = useTestApp();

const mail = useMailbox(env);

interface Seen {
  route: string;
  status: number;
  text: string;
}
const responses: Seen[] = [];
const issuedRefreshTokens: string[] = [];
const passwords = new Set<string>([PASSWORD]);

type Method = 'get' | 'post' | 'patch' | 'delete';
/** One request, recorded. */
async function call(method: Method, path: string, opts: { token?: string; body?: object; ip?: string } = {}) {
  let req = env.app.http[method](`/api/v1${path}`);
  if (opts.token) req = req.auth(opts.token, { type: 'bearer' });
  if (opts.ip) req = req.set('X-Forwarded-For', opts.ip);
  const res = opts.body ? await req.send(opts.body) : await req;
  responses.push({
    route: `${method.toUpperCase()} ${path}`,
    status: res.status,
    text: `${JSON.stringify(res.headers)}\n${res.text}`,
  });
  if (typeof res.body?.refreshToken === 'string') issuedRefreshTokens.push(res.body.refreshToken);
  return res;
}

async function resetTokenFrom(email: string): Promise<string> {
  await mail.deliver();
  // (A registered account's first email is its verification link; the reset email is the other one.)
  const [reset] = await mail.sink.waitFor(
    (m) => m.envelopeTo.includes(email) && (m.parsed.subject ?? '').startsWith('Reset'),
  );
  const token = /^([A-Za-z0-9_-]{43})$/m.exec(reset!.parsed.text ?? '')?.[1];
  if (!token) throw new Error('no token in the reset email');
  return token;
}

describe('no response ever carries a password, a hash or a stored token', () => {
  let resetToken = '';

  beforeAll(async () => {
    const admin = await env.db.database.use((db) => makeAccount(db, 'admin'));
    const agent = await env.db.database.use((db) => makeAccount(db, 'agent'));
    passwords.add(admin.password).add(agent.password);
    const adminToken = (await call('post', '/auth/login', { body: admin })).body.accessToken as string;
    const agentToken = (await call('post', '/auth/login', { body: agent })).body.accessToken as string;

    // Accounts and tokens.
    const email = uniqueEmail('scan');
    const reg = await call('post', '/auth/register', { body: { email, password: PASSWORD, name: 'Scan' } });
    await call('post', '/auth/register', { body: { email, password: PASSWORD, name: 'Scan' } }); // 409
    await call('post', '/auth/register', { body: { email: uniqueEmail(), password: 'short', name: 'S' } }); // 422
    const userId = reg.body.user.id as string;
    let token = reg.body.accessToken as string;
    await call('post', '/auth/login', { body: { email, password: 'wrong password!' } }); // 401
    await call('post', '/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } }); // 401
    const second = await call('post', '/auth/login', { body: { email, password: PASSWORD } });
    const rotated = await call('post', '/auth/refresh', { body: { refreshToken: second.body.refreshToken } });
    await call('post', '/auth/refresh', { body: { refreshToken: second.body.refreshToken } }); // reuse: 401
    await call('post', '/auth/refresh', { body: { refreshToken: 'made-up' } }); // 401
    await call('post', '/auth/logout', { body: { refreshToken: rotated.body.refreshToken } });
    await call('get', '/me', { token });
    await call('patch', '/me', { token, body: { name: 'Scanned', notifications: { email: false } } });
    await call('patch', '/me', { token, body: { role: 'admin' } }); // 422
    const third = await call('post', '/auth/login', { body: { email, password: PASSWORD } });
    const sessions = await call('get', '/auth/sessions', { token });
    const thirdId = sessions.body.data.find((s: { current: boolean }) => !s.current)?.id as string;
    await call('delete', `/auth/sessions/${thirdId}`, { token });
    await call('delete', '/auth/sessions/999999', { token }); // 404
    await call('post', '/auth/password', {
      token,
      body: { currentPassword: 'wrong-guess!', newPassword: 'x'.repeat(12) },
    });
    const newPassword = 'scan password two';
    passwords.add(newPassword);
    await call('post', '/auth/password', { token, body: { currentPassword: PASSWORD, newPassword } });
    await call('post', '/auth/logout-all', { token: third.body.accessToken }); // 401: already revoked
    await call('post', '/auth/logout-all', { token });

    // Password reset.
    await call('post', '/auth/password-reset', { body: { email } });
    await call('post', '/auth/password-reset', { body: { email: uniqueEmail('nobody') } });
    resetToken = await resetTokenFrom(email);
    const resetPassword = 'scan password three';
    passwords.add(resetPassword);
    await call('post', '/auth/password-reset/confirm', { body: { token: resetToken, newPassword: 'short' } }); // 422
    await call('post', '/auth/password-reset/confirm', {
      body: { token: resetToken, newPassword: resetPassword },
    });
    await call('post', '/auth/password-reset/confirm', {
      body: { token: resetToken, newPassword: resetPassword },
    }); // 400
    token = (await call('post', '/auth/login', { body: { email, password: resetPassword } })).body
      .accessToken;

    // Users administration.
    await call('get', '/users?limit=2', { token: adminToken });
    const page = await call('get', '/users?limit=2', { token: agentToken });
    await call('get', `/users?limit=2&cursor=${page.body.nextCursor}`, { token: agentToken });
    await call('get', '/users', { token }); // 403
    await call('get', `/users/${userId}`, { token: adminToken });
    await call('get', `/users/${userId}`, { token: agentToken });
    await call('get', '/users/999999', { token: adminToken }); // 404
    await call('get', `/users/${admin.id}`, { token }); // 403
    const staffPassword = 'new staff password';
    passwords.add(staffPassword);
    const created = await call('post', '/users', {
      token: adminToken,
      body: { email: uniqueEmail('staff'), name: 'Staff', role: 'agent', password: staffPassword },
    });
    await call('post', '/users', {
      token: adminToken,
      body: { email, name: 'Dup', role: 'user', password: staffPassword },
    }); // 409
    await call('post', '/users', {
      token: agentToken,
      body: { email: uniqueEmail(), name: 'X', role: 'admin', password: staffPassword },
    }); // 403
    await call('patch', `/users/${created.body.id}`, {
      token: adminToken,
      body: { name: 'Staff 2', role: 'admin' },
    });
    await call('patch', `/users/${created.body.id}`, {
      token: adminToken,
      body: { email: 'new@example.test' },
    }); // 422
    await call('patch', `/users/${userId}`, { token: adminToken, body: { active: false } });
    await call('patch', `/users/${userId}`, { token: agentToken, body: { active: true } }); // 403
    await call('get', '/me', { token }); // 401: disabled
  });

  it('exercised successes and failures of every route', () => {
    const statuses = new Set(responses.map((r) => r.status));
    for (const s of [200, 201, 202, 204, 400, 401, 403, 404, 409, 422])
      expect(statuses, String(s)).toContain(s);
    const routes = new Set(responses.map((r) => r.route.replace(/\?.*$/, '').replace(/\/\d+$/, '/:id')));
    expect([...routes].sort()).toEqual(
      [
        'POST /auth/register',
        'POST /auth/login',
        'POST /auth/refresh',
        'POST /auth/logout',
        'POST /auth/logout-all',
        'GET /auth/sessions',
        'DELETE /auth/sessions/:id',
        'POST /auth/password',
        'POST /auth/password-reset',
        'POST /auth/password-reset/confirm',
        'GET /me',
        'PATCH /me',
        'GET /users',
        'GET /users/:id',
        'POST /users',
        'PATCH /users/:id',
      ].sort(),
    );
    // The scan would see a token if one were there: plaintext refresh tokens do come back, by design.
    expect(responses.some((r) => r.text.includes(issuedRefreshTokens[0]!))).toBe(true);
  });

  it('no bcrypt hash, password hash column or plaintext password', async () => {
    const hashes = (
      await env.db.database.use((db) => db.select({ h: users.passwordHash }).from(users))
    ).flatMap((r) => (r.h ? [r.h] : []));
    for (const r of responses) {
      expect(r.text, r.route).not.toMatch(/\$2[aby]\$\d\d\$/);
      expect(r.text, r.route).not.toMatch(/password_?hash|token_?hash/i);
      for (const h of hashes) expect(r.text.includes(h), r.route).toBe(false);
      for (const p of passwords) expect(r.text.includes(p), `${r.route} echoes a password`).toBe(false);
    }
  });

  it('no stored refresh-token hash, whether of a token we saw or not', async () => {
    const stored = (
      await env.db.database.use((db) => db.select({ h: refreshTokens.tokenHash }).from(refreshTokens))
    ).map((r) => r.h);
    const ours = await Promise.all(issuedRefreshTokens.map(sha256Hex));
    expect(stored).toEqual(expect.arrayContaining(ours));
    for (const r of responses) for (const h of stored) expect(r.text.includes(h), r.route).toBe(false);
  });

  it('the reset token appears in the email only: not in a response, not in the database', async () => {
    expect(resetToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const email = mail.sink.messages.find((m) => m.parsed.text?.includes(resetToken));
    expect(email?.parsed.html).toContain(resetToken);
    for (const r of responses) expect(r.text.includes(resetToken), r.route).toBe(false);
    const resetHashes = (await env.db.database.use((db) => db.select().from(passwordResetTokens))).map(
      (r) => r.tokenHash,
    );
    expect(resetHashes).toContain(await sha256Hex(resetToken));
    for (const r of responses) for (const h of resetHashes) expect(r.text.includes(h), r.route).toBe(false);
    const dump = JSON.stringify(
      await env.db.database.use(async (db) => [
        await db.select().from(notifications),
        await db.select().from(passwordResetTokens),
      ]),
    );
    expect(dump).not.toContain(resetToken);
  });
});
