import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevInbox, startDevInbox } from '../../scripts/lib/dev-inbox.js';
import { type InboundSmtp, startInboundSmtp } from '../../src/modules/inbound/smtp.js';
import { drainOutbox, outboxSettings } from '../../src/modules/notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../../src/modules/notifications/mailer.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

// The loop `npm run dev` offers by hand: a ticket email in the dev inbox, its Reply form, the reply over
// SMTP into the inbound listener, the message on the ticket, and the emails that follow.

const env = useTestApp({ INBOUND_ADDRESS: 'support@localhost', MAIL_FROM: 'Helpdesk <helpdesk@localhost>' });
let listener: InboundSmtp;
let inbox: DevInbox;
let mailer: Mailer;
let customer: Actor;
let agent: Actor;

beforeAll(async () => {
  const { deps } = env.app;
  listener = await startInboundSmtp(
    { database: env.db.database, clock: deps.clock, config: deps.config, logger: deps.logger },
    { port: 0, host: '127.0.0.1' },
  );
  inbox = await startDevInbox({ smtpPort: 0, httpPort: 0, replySmtpPort: listener.port });
  mailer = createSmtpMailer(inbox.smtpUrl);
  [customer, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});
afterAll(async () => {
  mailer?.close();
  await inbox?.stop();
  await listener?.close();
});

const deliver = () =>
  drainOutbox({
    database: env.db.database,
    mailer,
    clock: env.app.deps.clock,
    logger: env.app.deps.logger,
    ...outboxSettings(env.app.deps.config),
  });

describe('the dev inbox Reply form', () => {
  it('sends the reply through the inbound listener onto the ticket, which notifies the right people', async () => {
    const created = await env.app.http
      .post('/api/v1/tickets')
      .set(...customer.auth)
      .send({ subject: 'Dev loop', body: 'x' });
    const id = created.body.id as string;
    await env.app.http
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .send({ assigneeId: agent.id });
    await env.app.http
      .post(`/api/v1/tickets/${id}/transitions`)
      .set(...agent.auth)
      .send({ to: 'pending' });
    await deliver();
    const ack = inbox
      .messages()
      .find((m) => m.envelopeTo === customer.email && m.subject.includes(`#${id}`))!;
    expect(ack.replyTo).toMatch(/^support\+/);
    const page = await fetch(`${inbox.httpUrl}/messages/${ack.id}`);
    expect(await page.text()).toContain(`action="/messages/${ack.id}/reply"`);

    const res = await fetch(`${inbox.httpUrl}/messages/${ack.id}/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: inbox.httpUrl },
      body: new URLSearchParams({ body: 'Replying from the dev inbox.' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const messages = await env.app.http.get(`/api/v1/tickets/${id}/messages`).set(...agent.auth);
    expect(messages.body.data.at(-1)).toMatchObject({
      body: 'Replying from the dev inbox.',
      author: { id: customer.id },
    });
    expect((await env.app.http.get(`/api/v1/tickets/${id}`).set(...agent.auth)).body.status).toBe('open');
    await deliver();
    expect(
      inbox
        .messages()
        .some((m) => m.envelopeTo === agent.email && m.text.includes('Replying from the dev inbox.')),
    ).toBe(true);
  });

  it('refuses a cross-site form post', async () => {
    const [m] = inbox.messages();
    const res = await fetch(`${inbox.httpUrl}/messages/${m!.id}/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'body=hi',
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
  });
});
