import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, register } from '../helpers/auth.js';
import { type Delivered, useMailbox } from '../helpers/mailbox.js';

// Issue 10 item 5 ("Verified addresses"): a self-registered address gets one verification email and no
// ticket email until its owner follows the link; the GET page never verifies by itself.
const env = useTestApp();
const mail = useMailbox(env);
let agent: Actor;

beforeAll(async () => {
  agent = await signIn(env.app.http, env.db.database, 'agent');
});

const api = () => env.app.http;
const linkIn = (m: Delivered) => {
  const url = /(http:\/\/\S+\/verify-email\?token=\S+)/.exec(m.text)?.[1];
  if (!url) throw new Error(`no verification link in:\n${m.text}`);
  return new URL(url);
};
const tokenOf = (m: Delivered) => linkIn(m).searchParams.get('token')!;
async function raise(token: string, subject = 'Click here to claim your prize') {
  const res = await api()
    .post('/api/v1/tickets')
    .set('Authorization', `Bearer ${token}`)
    .send({ subject, body: 'http://evil.example/phish' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const to = (mails: Delivered[], email: string) => mails.filter((m) => m.to === email);

describe('registration and verification', () => {
  it('registration sends only the verification email; no ticket email reaches the address until verified', async () => {
    const victim = await register(api(), { name: 'Win a prize at evil.example' });
    expect((victim.user as { emailVerified?: boolean }).emailVerified).toBe(false);
    const first = await mail.deliver();
    const mine = to(first, victim.email);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.subject).toMatch(/confirm your email address/i);
    // The name was typed by whoever registered: the email does not repeat it.
    expect(mine[0]!.text).not.toContain('evil.example');
    expect(mine[0]!.html).not.toContain('evil.example');

    // Unverified: the account works, but no acknowledgement, status change or reply email goes to it.
    const id = await raise(victim.accessToken);
    await api()
      .post(`/api/v1/tickets/${id}/messages`)
      .set(...agent.auth)
      .send({ body: 'Hello there' });
    await api()
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...agent.auth)
      .send({ to: 'pending' });
    expect(to(await mail.deliver(), victim.email)).toEqual([]);

    // Verified through the API form: from now on ticket email flows.
    const verified = await api()
      .post('/api/v1/auth/verify-email')
      .send({ token: tokenOf(mine[0]!) });
    expect(verified.status).toBe(204);
    const me = await api().get('/api/v1/me').set('Authorization', `Bearer ${victim.accessToken}`);
    expect(me.body.emailVerified).toBe(true);
    await raise(victim.accessToken, 'A real question');
    const after = to(await mail.deliver(), victim.email);
    expect(after.map((m) => m.subject)).toEqual([expect.stringContaining('A real question')]);
  });

  it('a used, tampered, expired or foreign token is 400 invalid_token', async () => {
    const account = await register(api());
    const token = tokenOf(to(await mail.deliver(), account.email)[0]!);
    const [head, payload, sig] = token.split('.') as [string, string, string];
    const flipped = `${head}.${payload}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expectProblem(
      await api().post('/api/v1/auth/verify-email').send({ token: flipped }),
      400,
      'invalid_token',
    );
    // An access token is signed with the same secret but is not a verification token.
    expectProblem(
      await api().post('/api/v1/auth/verify-email').send({ token: account.accessToken }),
      400,
      'invalid_token',
    );
    expect((await api().post('/api/v1/auth/verify-email').send({ token })).status).toBe(204);
    expectProblem(await api().post('/api/v1/auth/verify-email').send({ token }), 400, 'invalid_token');

    const late = await register(api());
    const lateToken = tokenOf(to(await mail.deliver(), late.email)[0]!);
    env.app.clock.advance(73 * 3600_000);
    try {
      expectProblem(
        await api().post('/api/v1/auth/verify-email').send({ token: lateToken }),
        400,
        'invalid_token',
      );
    } finally {
      env.app.clock.advance(-73 * 3600_000);
    }
  });

  it('a token for an address the account no longer has is refused', async () => {
    const account = await register(api());
    const token = tokenOf(to(await mail.deliver(), account.email)[0]!);
    await env.db.database.use((db) =>
      db
        .update(users)
        .set({ email: `changed-${account.email}` })
        .where(eq(users.id, Number(account.user.id))),
    );
    expectProblem(await api().post('/api/v1/auth/verify-email').send({ token }), 400, 'invalid_token');
  });

  it('resend: a fresh link for an unverified account, 409 once verified, 401 without a token', async () => {
    const account = await register(api());
    await mail.deliver();
    const auth = ['Authorization', `Bearer ${account.accessToken}`] as const;
    expect(
      (
        await api()
          .post('/api/v1/auth/verify-email/resend')
          .set(...auth)
      ).status,
    ).toBe(202);
    const again = to(await mail.deliver(), account.email);
    expect(again).toHaveLength(1);
    expect(
      (
        await api()
          .post('/api/v1/auth/verify-email')
          .send({ token: tokenOf(again[0]!) })
      ).status,
    ).toBe(204);
    expectProblem(
      await api()
        .post('/api/v1/auth/verify-email/resend')
        .set(...auth),
      409,
      'already_verified',
    );
    expect((await api().post('/api/v1/auth/verify-email/resend')).status).toBe(401);
  });

  it('accounts created by staff are verified', async () => {
    const admin = await signIn(env.app.http, env.db.database, 'admin');
    const res = await api()
      .post('/api/v1/users')
      .set(...admin.auth)
      .send({
        email: `staff-made-${Date.now()}@example.test`,
        name: 'Made by staff',
        role: 'user',
        password: 'correct horse battery',
      });
    expect(res.status).toBe(201);
    expect(res.body.emailVerified).toBe(true);
  });
});

describe('GET/POST /verify-email (the page the link opens)', () => {
  it('GET shows a button and does not verify; the form post verifies; escaped; strict CSP', async () => {
    const account = await register(api());
    const link = linkIn(to(await mail.deliver(), account.email)[0]!);
    expect(link.origin).toBe(env.app.deps.config.appUrl);
    const page = await api().get(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).toContain('<form method="post" action="/verify-email">');
    const [me] = await env.db.database.use((db) =>
      db
        .select()
        .from(users)
        .where(eq(users.id, Number(account.user.id))),
    );
    expect(me!.emailVerified).toBe(false);

    const posted = await api()
      .post('/verify-email')
      .type('form')
      .send({ token: link.searchParams.get('token')! });
    expect(posted.status).toBe(200);
    expect(posted.text).toContain('verified');
    const again = await api()
      .post('/verify-email')
      .type('form')
      .send({ token: link.searchParams.get('token')! });
    expect(again.status).toBe(400);

    const hostile = await api().get(
      `/verify-email?token=${encodeURIComponent('"><script>alert(1)</script>')}`,
    );
    expect(hostile.text).not.toContain('<script>');
    expect(hostile.text).toContain('&quot;&gt;&lt;script&gt;');
  });
});

describe('GET/POST /reset-password (the page the reset link opens without WEB_URL)', () => {
  it('the form post sets the password from the email alone; login works with it; escaped; CSP', async () => {
    const account = await register(api());
    await api().post('/api/v1/auth/password-reset').send({ email: account.email });
    const reset = to(await mail.deliver(), account.email).find((m) => m.subject.startsWith('Reset'))!;
    const url = /(http:\/\/\S+\/reset-password\?token=\S+)/.exec(reset.text)?.[1];
    expect(url).toBeDefined();
    const link = new URL(url!);
    const page = await api().get(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<form method="post" action="/reset-password">');

    const token = link.searchParams.get('token')!;
    const weak = await api().post('/reset-password').type('form').send({ token, newPassword: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('at least 10 characters');
    const done = await api()
      .post('/reset-password')
      .type('form')
      .send({ token, newPassword: 'a brand new passphrase' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Password changed');
    const login = await api()
      .post('/api/v1/auth/login')
      .send({ email: account.email, password: 'a brand new passphrase' });
    expect(login.status).toBe(200);
    const reused = await api()
      .post('/reset-password')
      .type('form')
      .send({ token, newPassword: 'yet another passphrase' });
    expect(reused.status).toBe(400);

    const hostile = await api().get(
      `/reset-password?token=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`,
    );
    expect(hostile.text).not.toContain('<img');
    expect(hostile.text).toContain('&quot;&gt;&lt;img');
  });
});
