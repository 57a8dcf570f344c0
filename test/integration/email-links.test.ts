import { describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { register } from '../helpers/auth.js';
import { useMailbox } from '../helpers/mailbox.js';

// Issue 10 item 23: with WEB_URL set, every link in an email opens the front end's pages, never the
// JSON API.
const env = useTestApp({ WEB_URL: 'https://support.example.test/' });
const mail = useMailbox(env);

describe('WEB_URL', () => {
  it('ticket, verification and reset links point at the front end', async () => {
    const account = await register(env.app.http);
    const staff: Actor = await signIn(env.app.http, env.db.database, 'agent');
    const created = await env.app.http
      .post('/api/v1/tickets')
      .set(...staff.auth)
      .send({ subject: 'Desk lamp', body: 'Flickers.' });
    expect(created.status).toBe(201);
    await env.app.http.post('/api/v1/auth/password-reset').send({ email: account.email });
    const mails = await mail.deliver();
    const verify = mails.find((m) => m.to === account.email && m.subject.startsWith('Confirm'))!;
    expect(verify.text).toMatch(/https:\/\/support\.example\.test\/verify-email\?token=\S+/);
    const reset = mails.find((m) => m.to === account.email && m.subject.startsWith('Reset'))!;
    expect(reset.text).toMatch(/https:\/\/support\.example\.test\/reset-password\?token=\S+/);
    for (const m of mails) expect(m.text).not.toContain('/api/v1/');
  });
});
