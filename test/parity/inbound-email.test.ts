import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, call, raise, signIn, uniqueEmail } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Email in both directions, the reply and new-ticket rows of the contract's table, on both runtimes:
// on Node through the SMTP listener, on Workers through the Worker's email() handler (Miniflare's
// /cdn-cgi/handler/email, which hands the handler a ForwardableEmailMessage as Email Routing does).

const SUPPORT = 'support@example.com';

function rawMail(o: { from: string; to: string; subject: string; body: string }): string {
  return [
    `From: ${o.from}`,
    `To: ${o.to}`,
    `Subject: ${o.subject}`,
    `Message-ID: <${randomBytes(8).toString('hex')}@mail.example.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...o.body.split('\n'),
    '',
  ].join('\r\n');
}

describe.each(TARGET_NAMES)('inbound email on %s', (name) => {
  const t = useTarget(name);
  let admin: Actor;
  let customer: Actor;
  let agent: Actor;

  beforeAll(async () => {
    [admin, customer, agent] = await Promise.all([
      signIn(t(), 'admin'),
      signIn(t(), 'user'),
      signIn(t(), 'agent'),
    ]);
  });

  const inboundLog = async () => {
    const res = await call(t(), 'GET', '/inbound/emails?limit=5', { token: admin.token });
    expect(res.status).toBe(200);
    return res.body.data as { outcome: string; ticketId: string | null; source: string; from: string }[];
  };

  it('a reply to the signed Reply-To is a public message by its sender, moves the ticket and emails the assignee', async () => {
    const id = await raise(t(), customer, { subject: 'Inbound parity' });
    const [ack] = await t().sink.waitFor(
      (m) => m.envelopeTo.includes(customer.email) && (m.parsed.subject ?? '').includes(`#${id}`),
    );
    const replyTo = ack!.parsed.replyTo?.value[0]?.address ?? '';
    expect(replyTo).toMatch(/^support\+[0-9a-z]+-[0-9a-z]+-[a-z2-7]{16}@example\.com$/);
    expect(ack!.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(
      (await call(t(), 'PATCH', `/tickets/${id}`, { token: agent.token, body: { assigneeId: agent.id } }))
        .status,
    ).toBe(200);
    expect(
      (
        await call(t(), 'POST', `/tickets/${id}/messages`, {
          token: agent.token,
          body: { body: 'Which model?' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await call(t(), 'POST', `/tickets/${id}/transitions`, { token: agent.token, body: { to: 'pending' } }))
        .status,
    ).toBe(200);

    await t().email(
      rawMail({
        from: customer.email,
        to: replyTo,
        subject: `Re: [#${id}] Inbound parity`,
        body: 'The LaserJet 4.\n\nOn Tue, 3 Mar 2026 at 10:00, Helpdesk <helpdesk@example.com> wrote:\n> Which model?',
      }),
      { from: customer.email, to: replyTo },
    );
    const messages = await call(t(), 'GET', `/tickets/${id}/messages`, { token: agent.token });
    expect(messages.body.data.at(-1)).toMatchObject({
      body: 'The LaserJet 4.',
      internal: false,
      author: { id: customer.id },
    });
    expect((await call(t(), 'GET', `/tickets/${id}`, { token: agent.token })).body.status).toBe('open');
    const [notice] = await t().sink.waitFor(
      (m) => m.envelopeTo.includes(agent.email) && (m.parsed.text ?? '').includes('LaserJet 4'),
    );
    expect(notice).toBeDefined();
    expect((await inboundLog())[0]).toMatchObject({
      outcome: 'replied',
      ticketId: id,
      source: name === 'node' ? 'smtp' : 'worker',
    });
  });

  it('mail to the support address opens a ticket: for a known account, and for a new password-less customer', async () => {
    await t().email(rawMail({ from: customer.email, to: SUPPORT, subject: 'Known sender', body: 'Hello.' }), {
      from: customer.email,
      to: SUPPORT,
    });
    const mine = await call(t(), 'GET', '/tickets?limit=50', { token: customer.token });
    expect(mine.body.data.some((x: { subject: string }) => x.subject === 'Known sender')).toBe(true);

    const stranger = uniqueEmail('stranger');
    await t().email(
      rawMail({ from: `New Person <${stranger}>`, to: SUPPORT, subject: 'First contact', body: 'Hi.' }),
      {
        from: stranger,
        to: SUPPORT,
      },
    );
    const [entry] = await inboundLog();
    expect(entry).toMatchObject({ outcome: 'created_ticket', from: stranger });
    const ticket = await call(t(), 'GET', `/tickets/${entry!.ticketId}`, { token: agent.token });
    expect(ticket.body).toMatchObject({
      subject: 'First contact',
      requester: { email: stranger, name: 'New Person' },
    });
    // The acknowledgement goes to the new customer, with a reply address of their own.
    const [ack] = await t().sink.waitFor((m) => m.envelopeTo.includes(stranger));
    expect(ack!.parsed.replyTo?.value[0]?.address).toMatch(/^support\+/);
  });
  it('a file attached to the mail is an attachment of the new ticket’s first message', async () => {
    const b = 'parityB';
    const raw = [
      `From: ${customer.email}`,
      `To: ${SUPPORT}`,
      'Subject: With a file',
      `Message-ID: <${randomBytes(8).toString('hex')}@mail.example.test>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${b}"`,
      '',
      `--${b}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The log is attached.',
      `--${b}`,
      'Content-Type: text/plain; name="app.log"',
      'Content-Disposition: attachment; filename="app.log"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('line one\nline two\n').toString('base64'),
      `--${b}--`,
      '',
    ].join('\r\n');
    await t().email(raw, { from: customer.email, to: SUPPORT });
    const [entry] = await inboundLog();
    expect(entry).toMatchObject({ outcome: 'created_ticket', from: customer.email });
    const msgs = await call(t(), 'GET', `/tickets/${entry!.ticketId}/messages`, { token: customer.token });
    expect(msgs.status).toBe(200);
    const [first] = msgs.body.data as { body: string; attachments: { filename: string; size: number }[] }[];
    expect(first!.body).toBe('The log is attached.');
    expect(first!.attachments).toEqual([expect.objectContaining({ filename: 'app.log', size: 18 })]);
  });
});
