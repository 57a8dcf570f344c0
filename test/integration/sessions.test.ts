import { describe, expect, it } from 'vitest';
import { sessions } from '../../db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, login, register, type SignedIn } from '../helpers/auth.js';

const env = useTestApp();

const listSessions = (token: string) =>
  env.app.http.get('/api/v1/auth/sessions').auth(token, { type: 'bearer' });
const me = (token: string) => env.app.http.get('/api/v1/me').auth(token, { type: 'bearer' });
const refresh = (s: SignedIn) =>
  env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken });
const sid = (s: SignedIn) =>
  JSON.parse(Buffer.from(s.accessToken.split('.')[1]!, 'base64url').toString()).sid as string;

describe('GET /auth/sessions', () => {
  it("lists the caller's live sessions only, newest first, marking the current one", async () => {
    const account = await register(env.app.http);
    const first = account; // the registration's session
    env.app.clock.advance(1000);
    const phone = await login(env.app.http, account, 'Phone/1.0');
    env.app.clock.advance(1000);
    const laptop = await login(env.app.http, account, 'Laptop/2.0');
    env.app.clock.advance(1000);
    const ended = await login(env.app.http, account, 'Ended/1.0');
    await env.app.http.post('/api/v1/auth/logout').send({ refreshToken: ended.refreshToken });
    // An expired session (not revoked) is not listed either.
    await env.db.database.use((db) =>
      db.insert(sessions).values({
        userId: Number(account.user.id),
        lastUsedAt: new Date(Date.now() - 86_400_000),
        expiresAt: new Date(Date.now() - 1000),
        userAgent: 'Expired/1.0',
      }),
    );
    // Someone else's session never shows up.
    await register(env.app.http);

    const res = await listSessions(phone.accessToken);
    expect(res.status).toBe(200);
    expect(res.body.data.map((s: { id: string }) => s.id)).toEqual([sid(laptop), sid(phone), sid(first)]);
    expect(res.body.data.map((s: { current: boolean }) => s.current)).toEqual([false, true, false]);
    const [newest] = res.body.data;
    expect(newest).toEqual({
      id: sid(laptop),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastUsedAt: expect.stringMatching(/Z$/),
      userAgent: 'Laptop/2.0',
      ip: expect.any(String),
      current: false,
    });
  });

  it('401 problem without a token', async () => {
    expectProblem(await env.app.http.get('/api/v1/auth/sessions'), 401, 'unauthorized');
  });
});

describe('DELETE /auth/sessions/:id', () => {
  it('revokes one of my other sessions at once; the current one keeps working', async () => {
    const account = await register(env.app.http);
    const other = await login(env.app.http, account, 'Other/1.0');
    const res = await env.app.http
      .delete(`/api/v1/auth/sessions/${sid(other)}`)
      .auth(account.accessToken, { type: 'bearer' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectProblem(await me(other.accessToken), 401, 'session_revoked');
    expectProblem(await refresh(other), 401, 'invalid_refresh_token');
    expect((await me(account.accessToken)).status).toBe(200);
    const listed = await listSessions(account.accessToken);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toEqual([sid(account)]);
    // Revoking it again changes nothing.
    const again = await env.app.http
      .delete(`/api/v1/auth/sessions/${sid(other)}`)
      .auth(account.accessToken, { type: 'bearer' });
    expect(again.status).toBe(204);
  });

  it('revoking the current session logs this client out', async () => {
    const account = await register(env.app.http);
    const res = await env.app.http
      .delete(`/api/v1/auth/sessions/${sid(account)}`)
      .auth(account.accessToken, { type: 'bearer' });
    expect(res.status).toBe(204);
    expectProblem(await me(account.accessToken), 401, 'session_revoked');
  });

  it("404, not 403, for another user's session, which keeps working", async () => {
    const mallory = await register(env.app.http);
    const victim = await register(env.app.http);
    const res = await env.app.http
      .delete(`/api/v1/auth/sessions/${sid(victim)}`)
      .auth(mallory.accessToken, { type: 'bearer' });
    expectProblem(res, 404, 'not_found');
    expect((await me(victim.accessToken)).status).toBe(200);
    expect((await refresh(victim)).status).toBe(200);
  });

  it.each(['999999999', 'abc', '0', '01', '007', '-1', '1.5', '99999999999999999'])(
    '404 for session id %j',
    async (id) => {
      const account = await register(env.app.http);
      const res = await env.app.http
        .delete(`/api/v1/auth/sessions/${id}`)
        .auth(account.accessToken, { type: 'bearer' });
      expectProblem(res, 404, 'not_found');
    },
  );

  it('401 without a token', async () => {
    const account = await register(env.app.http);
    expectProblem(await env.app.http.delete(`/api/v1/auth/sessions/${sid(account)}`), 401, 'unauthorized');
    expect((await me(account.accessToken)).status).toBe(200);
  });
});

describe('POST /auth/logout-all', () => {
  it("revokes every session of the caller, this one included, and nobody else's", async () => {
    const account = await register(env.app.http);
    const second = await login(env.app.http, account, 'Second/1.0');
    const bystander = await register(env.app.http);

    const res = await env.app.http
      .post('/api/v1/auth/logout-all')
      .auth(second.accessToken, { type: 'bearer' });
    expect(res.status).toBe(204);
    for (const s of [account, second]) {
      expectProblem(await me(s.accessToken), 401, 'session_revoked');
      expectProblem(await refresh(s), 401, 'invalid_refresh_token');
    }
    expect((await me(bystander.accessToken)).status).toBe(200);

    // Logging in again starts afresh: one session.
    const fresh = await login(env.app.http, account, 'Fresh/1.0');
    const listed = await listSessions(fresh.accessToken);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: sid(fresh), current: true })]);
  });

  it('401 without a token', async () => {
    expectProblem(await env.app.http.post('/api/v1/auth/logout-all'), 401, 'unauthorized');
  });
});
