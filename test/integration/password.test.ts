import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { notifications, passwordResetTokens, users } from '../../db/schema/index.js';
import { timingDummy } from '../../src/modules/auth/service.js';
import { sha256Hex } from '../../src/modules/auth/tokens.js';
import { createTestApp, useTestApp } from '../helpers/app.js';
import { expectProblem, login, register, type SignedIn, uniqueEmail } from '../helpers/auth.js';
import { useMailbox } from '../helpers/mailbox.js';

// Cost 5 rather than the tests' usual 4, to see BCRYPT_COST reach every hash these routes make.
const env = useTestApp({ BCRYPT_COST: '5' });
const NEW_PASSWORD = 'a brand new passphrase';

const mail = useMailbox(env);

const me = (token: string) => env.app.http.get('/api/v1/me').auth(token, { type: 'bearer' });
const refresh = (s: SignedIn) =>
  env.app.http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken });
const change = (token: string, body: object) =>
  env.app.http.post('/api/v1/auth/password').auth(token, { type: 'bearer' }).send(body);
const requestReset = (email: string) => env.app.http.post('/api/v1/auth/password-reset').send({ email });
const confirm = (token: string, newPassword = NEW_PASSWORD) =>
  env.app.http.post('/api/v1/auth/password-reset/confirm').send({ token, newPassword });
const loginStatus = async (email: string, password: string) =>
  (await env.app.http.post('/api/v1/auth/login').send({ email, password })).status;
const hashOf = async (email: string) =>
  (await env.db.database.use((db) => db.select().from(users).where(eq(users.email, email))))[0]!
    .passwordHash!;

/**
 * Runs the real dispatcher over the outbox, then returns the password-reset emails that reached `email`
 * so far (a registered account also gets its verification email, which these tests do not look at).
 */
async function inbox(email: string) {
  await mail.deliver();
  return mail.sink.messages.filter(
    (m) => m.envelopeTo.includes(email) && !(m.parsed.subject ?? '').startsWith('Confirm your email'),
  );
}

/** The token of the newest reset email to `email` (on a line of its own in the text part). */
async function resetTokenFor(email: string): Promise<string> {
  const mails = await inbox(email);
  const text = mails.at(-1)?.parsed.text ?? '';
  const token = /^([A-Za-z0-9_-]{43})$/m.exec(text)?.[1];
  if (!token) throw new Error(`no reset token in the email to ${email}:\n${text}`);
  return token;
}

describe('POST /auth/password', () => {
  it('changes the password and revokes every other session; this one stays usable', async () => {
    const account = await register(env.app.http);
    const other = await login(env.app.http, account, 'Other/1.0');
    const res = await change(account.accessToken, {
      currentPassword: account.password,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    expect((await me(account.accessToken)).status).toBe(200);
    expect((await refresh(account)).status).toBe(200);
    expectProblem(await me(other.accessToken), 401, 'session_revoked');
    expectProblem(await refresh(other), 401, 'invalid_refresh_token');
    expect(await loginStatus(account.email, account.password)).toBe(401);
    expect(await loginStatus(account.email, NEW_PASSWORD)).toBe(200);
    expect((await hashOf(account.email)).startsWith('$2b$05$')).toBe(true);
  });

  it('403 wrong_password for a wrong current password, and nothing changes', async () => {
    const account = await register(env.app.http);
    const other = await login(env.app.http, account, 'Other/1.0');
    const res = await change(account.accessToken, {
      currentPassword: 'not my password',
      newPassword: NEW_PASSWORD,
    });
    expectProblem(res, 403, 'wrong_password');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect((await me(other.accessToken)).status).toBe(200);
    expect(await loginStatus(account.email, account.password)).toBe(200);
  });

  it('422 for a weak or over-long new password, or a missing current one', async () => {
    const account = await register(env.app.http);
    const short = await change(account.accessToken, {
      currentPassword: account.password,
      newPassword: 'short',
    });
    expectProblem(short, 422, 'validation_failed');
    expect(short.body.errors).toEqual([{ path: 'newPassword', message: 'must be at least 10 characters' }]);
    const long = await change(account.accessToken, {
      currentPassword: account.password,
      newPassword: 'é'.repeat(37), // 74 bytes: bcrypt would silently ignore the tail
    });
    expect(long.body.errors).toEqual([{ path: 'newPassword', message: 'must be at most 72 bytes' }]);
    const missing = await change(account.accessToken, { newPassword: NEW_PASSWORD });
    expect(missing.body.errors[0].path).toBe('currentPassword');
    expect(await loginStatus(account.email, account.password)).toBe(200);
  });

  it('401 without a token', async () => {
    const res = await env.app.http
      .post('/api/v1/auth/password')
      .send({ currentPassword: 'whatever-it-is', newPassword: NEW_PASSWORD });
    expectProblem(res, 401, 'unauthorized');
  });

  it('is rate limited per user, from any address, even with the right password', async () => {
    const limited = createTestApp(env.db.database, { AUTH_RATE_LIMIT_PER_EMAIL: '3', BCRYPT_COST: '4' });
    const account = await register(limited.http);
    const attempt = (ip: string, currentPassword: string) =>
      limited.http
        .post('/api/v1/auth/password')
        .set('X-Forwarded-For', ip)
        .auth(account.accessToken, { type: 'bearer' })
        .send({ currentPassword, newPassword: NEW_PASSWORD });
    for (let i = 1; i <= 3; i++) expect((await attempt(`192.0.2.${i}`, 'guess-number-1')).status).toBe(403);
    const blocked = await attempt('192.0.2.99', account.password);
    expectProblem(blocked, 429, 'rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await loginStatus(account.email, account.password)).toBe(200);
  });
});

describe('POST /auth/password-reset and /confirm', () => {
  it('emails a single-use token; confirming sets the password and revokes every session', async () => {
    const account = await register(env.app.http);
    const other = await login(env.app.http, account, 'Other/1.0');
    const res = await requestReset(account.email.toUpperCase());
    expect(res.status).toBe(202);
    expect(res.text).toBe('');

    const [mail] = await inbox(account.email);
    expect(mail!.parsed.subject).toBe('Reset your Helpdesk password');
    expect(mail!.parsed.text).toContain('within 30 minutes');
    const token = await resetTokenFor(account.email);
    // A link a person can open (the API's own reset page without WEB_URL), not the JSON route.
    expect(mail!.parsed.text).toContain(`http://localhost:8787/reset-password?token=${token}`);
    expect(mail!.parsed.text).not.toContain('/api/v1/');
    expect(mail!.parsed.html).toContain(token);
    // Stored only as a hash.
    const stored = await env.db.database.use((db) => db.select().from(passwordResetTokens));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.map((r) => r.tokenHash)).toContain(await sha256Hex(token));

    expect((await confirm(token)).status).toBe(204);
    for (const s of [account, other]) {
      expectProblem(await me(s.accessToken), 401, 'session_revoked');
      expectProblem(await refresh(s), 401, 'invalid_refresh_token');
    }
    expect(await loginStatus(account.email, account.password)).toBe(401);
    expect(await loginStatus(account.email, NEW_PASSWORD)).toBe(200);
    expect((await hashOf(account.email)).startsWith('$2b$05$')).toBe(true);
    // Single use.
    expectProblem(await confirm(token, 'yet another passphrase'), 400, 'invalid_token');
    expect(await loginStatus(account.email, NEW_PASSWORD)).toBe(200);
  });

  it('answers an unknown or disabled account exactly like a real one, and sends nothing', async () => {
    const real = await register(env.app.http);
    const disabled = await register(env.app.http);
    await env.db.database.use((db) =>
      db.update(users).set({ active: false }).where(eq(users.email, disabled.email)),
    );
    const unknown = uniqueEmail('nobody');
    const answers = await Promise.all([real.email, unknown, disabled.email].map(requestReset));
    const shape = (r: (typeof answers)[number]) => ({
      status: r.status,
      text: r.text,
      type: r.headers['content-type'],
      length: r.headers['content-length'],
    });
    expect(shape(answers[1]!)).toEqual(shape(answers[0]!));
    expect(shape(answers[2]!)).toEqual(shape(answers[0]!));
    expect(answers[0]!.status).toBe(202);

    expect(await inbox(real.email)).toHaveLength(1);
    expect(await inbox(unknown)).toEqual([]);
    expect(await inbox(disabled.email)).toEqual([]);
    const queued = await env.db.database.use((db) =>
      db.select().from(notifications).where(eq(notifications.recipient, unknown)),
    );
    expect(queued).toEqual([]);
  });

  it('is sent even to a user who opted out of email notifications', async () => {
    const account = await register(env.app.http);
    const patched = await env.app.http
      .patch('/api/v1/me')
      .auth(account.accessToken, { type: 'bearer' })
      .send({ notifications: { email: false } });
    expect(patched.body.notifications).toEqual({ email: false });
    expect((await requestReset(account.email)).status).toBe(202);
    expect(await inbox(account.email)).toHaveLength(1);
  });

  it('400 invalid_token for an expired token (30 minutes)', async () => {
    const account = await register(env.app.http);
    await requestReset(account.email);
    const token = await resetTokenFor(account.email);
    env.app.clock.advance(30 * 60_000 + 1000);
    try {
      expectProblem(await confirm(token), 400, 'invalid_token');
    } finally {
      env.app.clock.advance(-(30 * 60_000 + 1000));
    }
    expect(await loginStatus(account.email, account.password)).toBe(200);
  });

  it('400 invalid_token for an unknown token; 422 for a weak new password', async () => {
    expectProblem(await confirm('made-up-token'), 400, 'invalid_token');
    const account = await register(env.app.http);
    await requestReset(account.email);
    const token = await resetTokenFor(account.email);
    const weak = await confirm(token, 'short');
    expectProblem(weak, 422, 'validation_failed');
    expect(weak.body.errors[0].path).toBe('newPassword');
    // A rejected attempt does not spend the token.
    expect((await confirm(token)).status).toBe(204);
  });

  it('one token, many concurrent confirmations: exactly one succeeds', async () => {
    const account = await register(env.app.http);
    await requestReset(account.email);
    const token = await resetTokenFor(account.email);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => confirm(token, `concurrent passphrase ${i}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    const winner = statuses.indexOf(204);
    expect(await loginStatus(account.email, `concurrent passphrase ${winner}`)).toBe(200);
  });

  it("confirming one token voids the account's other tokens; so does changing the password", async () => {
    const account = await register(env.app.http);
    await requestReset(account.email);
    const first = await resetTokenFor(account.email);
    await requestReset(account.email);
    const second = await resetTokenFor(account.email);
    expect(second).not.toBe(first);
    expect((await confirm(second)).status).toBe(204);
    expectProblem(await confirm(first, 'sneaky passphrase'), 400, 'invalid_token');

    const session = await login(env.app.http, { email: account.email, password: NEW_PASSWORD });
    await requestReset(account.email);
    const third = await resetTokenFor(account.email);
    const changed = await change(session.accessToken, {
      currentPassword: NEW_PASSWORD,
      newPassword: 'changed by hand!',
    });
    expect(changed.status).toBe(204);
    expectProblem(await confirm(third), 400, 'invalid_token');
  });

  it('422 for a malformed email', async () => {
    const res = await requestReset('not-an-email');
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors[0].path).toBe('email');
  });

  it('is rate limited per email and per client address', async () => {
    const limited = createTestApp(env.db.database, {
      AUTH_RATE_LIMIT_PER_IP: '4',
      AUTH_RATE_LIMIT_PER_EMAIL: '2',
      // One trusted proxy: X-Forwarded-For's last entry is the client (each request names its own).
      TRUST_PROXY: '1',
    });
    const email = uniqueEmail('rl');
    const from = (ip: string, address = email) =>
      limited.http.post('/api/v1/auth/password-reset').set('X-Forwarded-For', ip).send({ email: address });
    expect((await from('198.51.100.1')).status).toBe(202);
    expect((await from('198.51.100.2')).status).toBe(202);
    expectProblem(await from('198.51.100.3'), 429, 'rate_limited');

    const ip = '198.51.100.50';
    for (let i = 0; i < 4; i++) expect((await from(ip, uniqueEmail('rl'))).status).toBe(202);
    const blocked = await from(ip, uniqueEmail('rl'));
    expectProblem(blocked, 429, 'rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('bcrypt cost', () => {
  it('the login timing dummy is hashed at the configured cost', async () => {
    expect((await timingDummy(env.app.deps.config.bcryptCost)).startsWith('$2b$05$')).toBe(true);
    const account = await register(env.app.http);
    expect((await hashOf(account.email)).startsWith('$2b$05$')).toBe(true);
  });
});
