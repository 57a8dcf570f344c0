import { describe, expect, it } from 'vitest';
import { call, expectProblem, login, uniqueEmail } from './client.js';
import { TARGET_NAMES, type Target, useTarget } from './targets.js';

// Accounts and sessions, end to end, on Node and on Workers.

const PASSWORD = 'correct horse battery';
const sid = (accessToken: string) =>
  JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sid as string;

async function register(t: Target, name = 'Ada Lovelace') {
  const email = uniqueEmail();
  const res = await call(t, 'POST', '/auth/register', { body: { email, password: PASSWORD, name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { email, password: PASSWORD, ...res.body } as {
    email: string;
    password: string;
    user: { id: string; name: string };
    accessToken: string;
    refreshToken: string;
  };
}

describe.each(TARGET_NAMES)('accounts on %s', (name) => {
  const t = useTarget(name);

  it('register creates a user; login, /me; a wrong password is 401 invalid_credentials', async () => {
    const email = uniqueEmail();
    const reg = await call(t(), 'POST', '/auth/register', {
      body: { email, password: PASSWORD, name: ' Grace ', role: 'admin' },
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({
      user: { email, name: 'Grace', role: 'user', active: true },
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expectProblem(
      await call(t(), 'POST', '/auth/register', { body: { email, password: PASSWORD, name: 'G' } }),
      409,
      'email_taken',
    );

    const { token, body } = await login(t(), { email, password: PASSWORD });
    expect(body.user).toEqual(reg.body.user);
    const me = await call(t(), 'GET', '/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(reg.body.user);
    expectProblem(await call(t(), 'GET', '/me'), 401, 'unauthorized');

    const wrong = await call(t(), 'POST', '/auth/login', { body: { email, password: 'not the password' } });
    expectProblem(wrong, 401, 'invalid_credentials');
  });

  it('refresh rotates the pair; presenting a rotated token is reuse and ends the session', async () => {
    const account = await register(t());
    const first = await call(t(), 'POST', '/auth/refresh', { body: { refreshToken: account.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(account.refreshToken);
    expect((await call(t(), 'GET', '/me', { token: first.body.accessToken })).status).toBe(200);

    const reused = await call(t(), 'POST', '/auth/refresh', { body: { refreshToken: account.refreshToken } });
    expectProblem(reused, 401, 'refresh_token_reused');
    // The whole family is revoked: the legitimate client's newer tokens stop working too.
    expectProblem(await call(t(), 'GET', '/me', { token: first.body.accessToken }), 401, 'session_revoked');
    const after = await call(t(), 'POST', '/auth/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(after.status).toBe(401);
  });

  it('PATCH /me changes the name and the email preference; unknown fields are 422', async () => {
    const account = await register(t());
    const res = await call(t(), 'PATCH', '/me', {
      token: account.accessToken,
      body: { name: 'Ada King', notifications: { email: false } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Ada King', notifications: { email: false } });
    expect((await call(t(), 'GET', '/me', { token: account.accessToken })).body.name).toBe('Ada King');
    const role = await call(t(), 'PATCH', '/me', { token: account.accessToken, body: { role: 'admin' } });
    expect(role.status).toBe(422);
  });

  it('sessions: list marks the current one; revoke one; logout-all ends the rest', async () => {
    const account = await register(t());
    const phone = await login(t(), account, 'Phone/1.0');
    const laptop = await login(t(), account, 'Laptop/2.0');

    const list = await call(t(), 'GET', '/auth/sessions', { token: phone.token });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(3);
    const current = list.body.data.filter((s: { current: boolean }) => s.current);
    // The client address: the socket's peer on Node, CF-Connecting-IP on Workers.
    expect(current).toEqual([
      expect.objectContaining({ id: sid(phone.token), userAgent: 'Phone/1.0', ip: '127.0.0.1' }),
    ]);

    const revoke = await call(t(), 'DELETE', `/auth/sessions/${sid(laptop.token)}`, { token: phone.token });
    expect(revoke.status).toBe(204);
    expectProblem(await call(t(), 'GET', '/me', { token: laptop.token }), 401, 'session_revoked');
    expectProblem(
      await call(t(), 'DELETE', '/auth/sessions/999999999', { token: phone.token }),
      404,
      'not_found',
    );

    const all = await call(t(), 'POST', '/auth/logout-all', { token: phone.token });
    expect(all.status).toBe(204);
    for (const token of [phone.token, account.accessToken]) {
      expectProblem(await call(t(), 'GET', '/me', { token }), 401, 'session_revoked');
    }
  });

  it('password change: the current password is checked, other sessions end, the new one works', async () => {
    const account = await register(t());
    const other = await login(t(), account, 'Other/1.0');
    const denied = await call(t(), 'POST', '/auth/password', {
      token: account.accessToken,
      body: { currentPassword: 'not the password', newPassword: 'a brand new passphrase' },
    });
    expectProblem(denied, 403, 'wrong_password');

    const changed = await call(t(), 'POST', '/auth/password', {
      token: account.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(204);
    expect((await call(t(), 'GET', '/me', { token: account.accessToken })).status).toBe(200);
    expectProblem(await call(t(), 'GET', '/me', { token: other.token }), 401, 'session_revoked');
    const old = await call(t(), 'POST', '/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    expectProblem(old, 401, 'invalid_credentials');
    await login(t(), { email: account.email, password: 'a brand new passphrase' });
  });
});
