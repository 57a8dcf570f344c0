import { describe, expect, it } from 'vitest';
import { type Actor, call, raise, settle, uniqueEmail } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Verified addresses on both runtimes: registration → verification email → the page and the verify
// call → the ticket acknowledgement arrives (and none before).

describe.each(TARGET_NAMES)('verified addresses on %s', (name) => {
  const t = useTarget(name);

  it('registration → verification email → verify → ticket email arrives', async () => {
    await settle(t());
    const email = uniqueEmail('verify');
    const reg = await call(t(), 'POST', '/auth/register', {
      body: { email, password: 'correct horse battery', name: 'Vera Fied' },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user.emailVerified).toBe(false);
    const user: Actor = {
      id: reg.body.user.id,
      email,
      name: 'Vera Fied',
      role: 'user',
      password: 'correct horse battery',
      token: reg.body.accessToken,
      refreshToken: reg.body.refreshToken,
    };

    // Unverified: only the verification email, and no acknowledgement for a ticket.
    await raise(t(), user, { subject: 'Before verifying' });
    const first = (await settle(t())).filter((m) => m.to === email);
    expect(first.map((m) => m.subject)).toEqual([expect.stringMatching(/^Confirm your email address/)]);
    const link = new URL(/(https?:\/\/\S+\/verify-email\?token=\S+)/.exec(first[0]!.text)![1]!);

    const page = await t().fetch(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    await page.text();

    const verified = await call(t(), 'POST', '/auth/verify-email', {
      body: { token: link.searchParams.get('token') },
    });
    expect(verified.status).toBe(204);
    await raise(t(), user, { subject: 'After verifying' });
    const after = (await settle(t())).filter((m) => m.to === email);
    expect(after.map((m) => m.subject)).toEqual([expect.stringContaining('After verifying')]);
  });
});
