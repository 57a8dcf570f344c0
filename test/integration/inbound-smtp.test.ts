import { eq } from 'drizzle-orm';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundEmails } from '../../db/schema/index.js';
import { type InboundSmtp, startInboundSmtp } from '../../src/modules/inbound/smtp.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { fixture, newMessageId, rawMail, replyToOf } from '../helpers/inbound.js';
import { useMailbox } from '../helpers/mailbox.js';

// Real SMTP to the listener (a nodemailer client over a socket), and the real-world mail shapes of
// test/fixtures/email/ through it.

const SUPPORT = 'support@help.example.test';
const env = useTestApp({ INBOUND_ADDRESS: SUPPORT, MAIL_FROM: 'Helpdesk <helpdesk@help.example.test>' });
const mail = useMailbox(env);
let listener: InboundSmtp;
let client: Transporter;
let customer: Actor;
let agent: Actor;

beforeAll(async () => {
  const { deps } = env.app;
  listener = await startInboundSmtp(
    {
      database: env.db.database,
      clock: deps.clock,
      config: deps.config,
      logger: deps.logger,
      storage: deps.storage,
    },
    { port: 0, host: '127.0.0.1' },
  );
  client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: listener.port,
    secure: false,
    ignoreTLS: true,
  });
  [customer, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});
afterAll(async () => {
  client?.close();
  await listener?.close();
});

/** Sends raw bytes over SMTP with this envelope; resolves with the server's final reply. */
async function smtp(raw: string | Buffer, envelope: { from: string; to: string[] }) {
  const info = await client.sendMail({ envelope, raw });
  return String(info.response);
}
async function recorded(messageIdOrResponse: string) {
  const id = /inbound email (\d+)/.exec(messageIdOrResponse)?.[1];
  if (!id) throw new Error(`no inbound id in "${messageIdOrResponse}"`);
  const [row] = await env.db.database.use((db) =>
    db
      .select()
      .from(inboundEmails)
      .where(eq(inboundEmails.id, Number(id))),
  );
  return row!;
}
async function lastMessage(ticketId: number) {
  const res = await env.app.http.get(`/api/v1/tickets/${ticketId}/messages`).set(...agent.auth);
  return res.body.data.at(-1) as { body: string; author: { id: string } };
}

describe('the SMTP listener', () => {
  it('applies a reply to a signed address and wakes nothing it should not', async () => {
    const res = await env.app.http
      .post('/api/v1/tickets')
      .set(...customer.auth)
      .send({ subject: 'Over SMTP', body: 'x' });
    const ack = (await mail.deliver()).find(
      (m) => m.to === customer.email && m.subject.includes(`#${res.body.id}`),
    )!;
    const to = replyToOf(ack);
    const response = await smtp(rawMail({ from: customer.email, to, body: 'Sent by SMTP.' }), {
      from: customer.email,
      to: [to],
    });
    expect(response).toMatch(/^250 .*replied/);
    const row = await recorded(response);
    expect(row).toMatchObject({ outcome: 'replied', ticketId: Number(res.body.id), source: 'smtp' });
    expect((await lastMessage(row.ticketId!)).body).toBe('Sent by SMTP.');
  });

  it('refuses recipients outside the inbound domain: no relaying', async () => {
    for (const to of [
      'victim@elsewhere.example.test',
      'support@help.example.test.evil.test',
      'other@help.example.test',
    ]) {
      await expect(
        smtp(rawMail({ from: customer.email, to }), { from: customer.email, to: [to] }),
      ).rejects.toMatchObject({
        responseCode: 550,
      });
    }
  });

  it('refuses a message over INBOUND_MAX_BYTES (a 30 MB one) and records nothing', async () => {
    const before = await env.db.database.use((db) => db.select({ id: inboundEmails.id }).from(inboundEmails));
    const big = rawMail({ from: customer.email, to: SUPPORT, body: `${'x'.repeat(76)}\n`.repeat(400_000) });
    expect(big.length).toBeGreaterThan(30_000_000);
    const err = await smtp(big, { from: customer.email, to: [SUPPORT] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // nodemailer refuses before DATA when the server's SIZE says so; a client that sends anyway gets 552.
    expect(String((err as Error).message)).toMatch(/552|size|too big/i);
    const after = await env.db.database.use((db) => db.select({ id: inboundEmails.id }).from(inboundEmails));
    expect(after).toHaveLength(before.length);
  });

  it('drops a bounce with a null envelope sender', async () => {
    const response = await smtp(rawMail({ from: customer.email, to: SUPPORT }), { from: '', to: [SUPPORT] });
    expect((await recorded(response)).outcome).toBe('auto_reply');
  });
});

describe('real-world mail through SMTP (test/fixtures/email)', () => {
  const send = async (name: string, from = customer.email, to = SUPPORT) => {
    const response = await smtp(fixture(name, { FROM: from, TO: to }), { from, to: [to] });
    return recorded(response);
  };

  it('Gmail, Outlook and Apple Mail replies keep only the new text', async () => {
    const expected: Record<string, string> = {
      'gmail-reply.eml': 'Thanks, that fixed it — the tray was empty.',
      'outlook-reply.eml': 'Still smoking after the reboot. Photo to follow.\n\nKind regards,\nCharles',
      'apple-reply.eml': 'Found the moth. Café is fine now.',
    };
    for (const [name, body] of Object.entries(expected)) {
      const row = await send(name);
      expect(row.outcome, name).toBe('created_ticket');
      expect((await lastMessage(row.ticketId!)).body, name).toBe(body);
    }
  });

  it('HTML-only mail becomes text without markup, scripts or styles', async () => {
    const row = await send('html-only.eml');
    expect((await lastMessage(row.ticketId!)).body).toBe(
      'My screen & keyboard flicker.\n\nSince Monday — help!\n\nLine three',
    );
  });

  it('a non-UTF-8 charset and encoded-word subjects are decoded', async () => {
    const latin = await send('latin1.eml');
    expect(latin.subject).toBe('Drücker kaputt');
    expect((await lastMessage(latin.ticketId!)).body).toBe('Der Drucker in Büro 3 druckt nur noch Müll.');
    const encoded = await send('encoded-subject.eml');
    expect(encoded.subject).toBe('プリンターが動かない — urgent');
    const t = await env.app.http.get(`/api/v1/tickets/${encoded.ticketId}`).set(...agent.auth);
    expect(t.body.subject).toBe('プリンターが動かない — urgent');
  });

  it('multipart/alternative with an attachment: the text part is the body, the file name is recorded', async () => {
    const row = await send('multipart-attachment.eml');
    expect(row.attachments).toEqual(['invoice-2026.pdf']);
    const body = (await lastMessage(row.ticketId!)).body;
    expect(body).toBe('Please see the attached invoice.');
    expect(body).not.toContain('JVBERi');
    // The file itself is an attachment of the new ticket's first message, with its bytes.
    const [first] = (await env.app.http.get(`/api/v1/tickets/${row.ticketId}/messages`).set(...agent.auth))
      .body.data as { attachments: { id: string; filename: string; contentType: string; size: number }[] }[];
    expect(first!.attachments).toEqual([
      expect.objectContaining({ filename: 'invoice-2026.pdf', contentType: 'application/pdf' }),
    ]);
    const file = await env.app.http
      .get(`/api/v1/attachments/${first!.attachments[0]!.id}`)
      .set(...agent.auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(file.status).toBe(200);
    expect((file.body as Buffer).subarray(0, 8).toString()).toBe('%PDF-1.4');
    expect((file.body as Buffer).length).toBe(first!.attachments[0]!.size);
  });

  it('a DSN bounce and an out-of-office reply are dropped and never answered', async () => {
    await mail.deliver();
    const bounce = await send('dsn-bounce.eml', 'MAILER-DAEMON@mx.example.test');
    const away = await send('out-of-office.eml');
    expect([bounce.outcome, away.outcome]).toEqual(['auto_reply', 'auto_reply']);
    expect(await mail.deliver()).toHaveLength(0);
  });

  it('the same fixture twice over SMTP is a duplicate', async () => {
    const messageId = newMessageId();
    const raw = fixture('apple-reply.eml', { FROM: customer.email, TO: SUPPORT, MESSAGE_ID: messageId });
    const first = await recorded(await smtp(raw, { from: customer.email, to: [SUPPORT] }));
    const second = await recorded(await smtp(raw, { from: customer.email, to: [SUPPORT] }));
    expect([first.outcome, second.outcome]).toEqual(['created_ticket', 'duplicate']);
    expect(second.ticketId).toBe(first.ticketId);
  });
});
