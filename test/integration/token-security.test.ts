import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TOKEN_AUDIENCE } from '../../src/modules/auth/tokens.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, register, type SignedIn } from '../helpers/auth.js';

// Covered in auth.test.ts and not repeated here: a missing or malformed header, a token signed with another
// secret, expiry (token_expired), a disabled user's token, logout, and reuse of a rotated refresh token.
const env = useTestApp();

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const me = (token: string) => env.app.http.get('/api/v1/me').auth(token, { type: 'bearer' });

/** Signs claims with the app's real key: what only the server (or a thief of JWT_SECRET) can do. */
function sign(
  s: SignedIn,
  opts: { alg?: string; aud?: string; iss?: string; sub?: string; sid?: string } = {},
): Promise<string> {
  const { config } = env.app.deps;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: s.user.role, sid: opts.sid ?? String(claimsOf(s.accessToken).sid) })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(opts.sub ?? s.user.id)
    .setIssuer(opts.iss ?? config.appUrl)
    .setAudience(opts.aud ?? TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .setJti('test-jti')
    .sign(new TextEncoder().encode(config.jwtSecret));
}

describe('forged and altered access tokens are refused with 401', () => {
  it('the control: a token signed here with the right claims is accepted', async () => {
    const s = await register(env.app.http);
    expect((await me(await sign(s))).status).toBe(200);
  });

  it('a tampered payload (role raised to admin, or another subject) with the original signature', async () => {
    const s = await register(env.app.http);
    const victim = await register(env.app.http);
    const [header, , signature] = s.accessToken.split('.');
    for (const change of [{ role: 'admin' }, { sub: victim.user.id }]) {
      const forged = `${header}.${b64({ ...claimsOf(s.accessToken), ...change })}.${signature}`;
      expectProblem(await me(forged), 401, 'invalid_token');
    }
  });

  it('alg "none" (unsigned), with or without a signature part', async () => {
    const s = await register(env.app.http);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf(s.accessToken))}`;
    for (const token of [`${unsigned}.`, `${unsigned}.${s.accessToken.split('.')[2]}`]) {
      expectProblem(await me(token), 401, 'invalid_token');
    }
  });

  it('another HMAC algorithm with the right key (the algorithm is pinned to HS256)', async () => {
    const s = await register(env.app.http);
    expectProblem(await me(await sign(s, { alg: 'HS384' })), 401, 'invalid_token');
    expectProblem(await me(await sign(s, { alg: 'HS512' })), 401, 'invalid_token');
  });

  it('the wrong audience or issuer, even when correctly signed', async () => {
    const s = await register(env.app.http);
    expectProblem(await me(await sign(s, { aud: 'some-other-api' })), 401, 'invalid_token');
    expectProblem(await me(await sign(s, { iss: 'https://evil.example' })), 401, 'invalid_token');
  });

  it("a subject paired with someone else's session id", async () => {
    const s = await register(env.app.http);
    const other = await register(env.app.http);
    const mixed = await sign(s, { sid: String(claimsOf(other.accessToken).sid) });
    expectProblem(await me(mixed), 401, 'session_revoked');
  });

  it('every refusal carries WWW-Authenticate: Bearer and no hint of the cause beyond the code', async () => {
    const s = await register(env.app.http);
    const res = await me(await sign(s, { aud: 'x' }));
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body.detail).toBe('The access token is not valid.');
  });
});

describe('refresh-token rotation under concurrency', () => {
  it('ten concurrent refreshes of one token: exactly one 200, the rest 401, then the whole family is dead', async () => {
    const s = await register(env.app.http);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(9);
    // Every loser presented a token that had been rotated (by the winner): that is reuse, whether it
    // arrived before or after the first reuse revoked the session.
    for (const r of losers) expectProblem(r, 401, 'refresh_token_reused');

    // The reuse revoked the session: the winner's new tokens die with it, as does the original access token.
    const winner = winners[0]!.body as SignedIn;
    const next = await env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: winner.refreshToken });
    expectProblem(next, 401, 'invalid_refresh_token');
    expectProblem(await me(winner.accessToken), 401, 'session_revoked');
    expectProblem(await me(s.accessToken), 401, 'session_revoked');
  });
});
