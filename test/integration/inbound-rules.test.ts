import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { inboundEmails, tickets, users } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { createTestApp, useTestApp } from '../helpers/app.js';
import { fixture, newMessageId, postMail, rawMail, replyToOf } from '../helpers/inbound.js';
import { type Delivered, useMailbox } from '../helpers/mailbox.js';

// The contract's table ("Email in both directions"), one test per row, through POST /inbound/email.
// The SMTP listener and the Worker's email() feed the same pipeline (inbound-smtp.test.ts, parity).

const SUPPORT = 'support@help.example.test';
const INBOUND = {
  INBOUND_ADDRESS: SUPPORT,
  MAIL_FROM: 'Helpdesk <helpdesk@help.example.test>',
};
const env = useTestApp(INBOUND);
const mail = useMailbox(env);
let admin: Actor;
let customer: Actor;
let agent: Actor;

beforeAll(async () => {
  [admin, customer, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'admin'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
const post = (raw: string | Buffer) => postMail(api(), admin.auth, raw);

async function raise(by: Actor, subject = 'Printer on fire') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject, body: 'It smokes.' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
async function ticket(id: string, by: Actor = agent) {
  const res = await api()
    .get(`/api/v1/tickets/${id}`)
    .set(...by.auth);
  return res;
}
async function messages(id: string) {
  const res = await api()
    .get(`/api/v1/tickets/${id}/messages`)
    .set(...agent.auth);
  expect(res.status).toBe(200);
  return res.body.data as { body: string; author: { id: string }; internal: boolean }[];
}
async function events(id: string) {
  const res = await api()
    .get(`/api/v1/tickets/${id}/events`)
    .set(...agent.auth);
  expect(res.status).toBe(200);
  return res.body.data as { type: string; data: Record<string, unknown> }[];
}
/** The ticket email to `who` (delivered now), and its signed Reply-To. */
async function emailTo(who: Actor, ticketId: string): Promise<{ email: Delivered; replyTo: string }> {
  const delivered = await mail.deliver();
  const email = delivered.filter((m) => m.to === who.email && m.subject.includes(`#${ticketId}`)).at(-1);
  if (!email) throw new Error(`no email to ${who.email} about #${ticketId}`);
  return { email, replyTo: replyToOf(email) };
}

describe('outgoing ticket email', () => {
  it('carries a signed Reply-To per recipient, Auto-Submitted and X-Helpdesk-Origin', async () => {
    const id = await raise(customer);
    const delivered = await mail.deliver();
    const ack = delivered.find((m) => m.to === customer.email)!;
    const staff = delivered.find((m) => m.to === agent.email)!;
    expect(replyToOf(ack)).toMatch(/^support\+[0-9a-z]+-[0-9a-z]+-[a-z2-7]{16}@help\.example\.test$/);
    expect(replyToOf(staff)).not.toBe(replyToOf(ack));
    expect(ack.raw.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(ack.raw.parsed.headers.get('x-helpdesk-origin')).toBe('help.example.test');
    expect(ack.subject).toContain(`#${id}`);
  });

  it('has no Reply-To when INBOUND_ADDRESS is unset', async () => {
    const plain = createTestApp(env.db.database, { MAIL_FROM: INBOUND.MAIL_FROM });
    const res = await plain.http
      .post('/api/v1/tickets')
      .set(...customer.auth)
      .send({ subject: 'x', body: 'y' });
    expect(res.status).toBe(201);
    // This mailbox drains the shared outbox with env's settings; the dispatcher of an instance without
    // INBOUND_ADDRESS is the one to ask.
    const { outboxSettings } = await import('../../src/modules/notifications/dispatcher.js');
    expect(outboxSettings(plain.deps.config).replyTo).toBeNull();
    await mail.deliver();
  });
});

describe('reply with a valid token from its recipient', () => {
  it('is a public message by that person, quoted history stripped, with the lifecycle move and emails', async () => {
    const id = await raise(customer);
    await mail.deliver();
    // The agent answers and asks for more (pending).
    expect(
      (
        await api()
          .post(`/api/v1/tickets/${id}/messages`)
          .set(...agent.auth)
          .send({ body: 'Which model?' })
      ).status,
    ).toBe(201);
    expect(
      (
        await api()
          .patch(`/api/v1/tickets/${id}`)
          .set(...agent.auth)
          .send({ assigneeId: agent.id })
      ).status,
    ).toBe(200);
    expect(
      (
        await api()
          .post(`/api/v1/tickets/${id}/transitions`)
          .set(...agent.auth)
          .send({ to: 'pending' })
      ).status,
    ).toBe(200);
    const { replyTo } = await emailTo(customer, id);
    const result = await post(
      rawMail({
        from: `Customer <${customer.email}>`,
        to: replyTo,
        subject: `Re: [#${id}] Printer on fire`,
        body: 'It is the LaserJet 4.\n\nOn Tue, 3 Mar 2026 at 10:00, Helpdesk <helpdesk@help.example.test> wrote:\n> Which model?\n',
      }),
    );
    expect(result).toMatchObject({ outcome: 'replied', ticketId: id });
    const last = (await messages(id)).at(-1)!;
    expect(last).toMatchObject({
      body: 'It is the LaserJet 4.',
      internal: false,
      author: { id: customer.id },
    });
    // The requester's reply reopens a pending ticket, exactly as POST …/messages does.
    expect((await ticket(id)).body.status).toBe('open');
    const after = await mail.deliver();
    expect(after.some((m) => m.to === agent.email && m.text.includes('LaserJet 4'))).toBe(true);
    expect(after.some((m) => m.to === customer.email && m.text.includes('LaserJet 4'))).toBe(false);
  });

  it("an agent's emailed reply counts as the first response, as through the API", async () => {
    const id = await raise(customer);
    const { replyTo } = await emailTo(agent, id);
    const result = await post(rawMail({ from: agent.email, to: replyTo, body: 'Turn it off and on.' }));
    expect(result).toMatchObject({ outcome: 'replied', ticketId: id });
    const t = (await ticket(id)).body;
    expect(t.status).toBe('open');
    expect(t.firstResponseAt).not.toBeNull();
    expect(
      (await mail.deliver()).some((m) => m.to === customer.email && m.text.includes('Turn it off')),
    ).toBe(true);
  });
});

describe('a bad or foreign token, or the wrong sender', () => {
  it('a valid token sent by someone else never lands on that ticket: a new ticket of their own', async () => {
    const id = await raise(customer);
    const { replyTo } = await emailTo(customer, id);
    const stranger = await signIn(api(), env.db.database, 'user');
    const before = (await messages(id)).length;
    const result = await post(rawMail({ from: stranger.email, to: replyTo, body: 'Let me in.' }));
    expect(result.outcome).toBe('created_ticket');
    expect(result.ticketId).not.toBe(id);
    expect(result.detail).toContain('issued to someone else');
    expect(await messages(id)).toHaveLength(before);
    expect((await ticket(result.ticketId!, stranger)).body.requester.id).toBe(stranger.id);
  });

  it('a forged or altered token is handled as mail without a token', async () => {
    const id = await raise(customer);
    const { replyTo } = await emailTo(customer, id);
    const before = (await messages(id)).length;
    const [local, domain] = replyTo.split('@') as [string, string];
    const flipped = `${local.slice(0, -1)}${local.endsWith('a') ? 'b' : 'a'}@${domain}`;
    // Another ticket's id with this token's signature.
    const parts = local.split('+')[1]!.split('-');
    const otherTicket = `support+${(Number.parseInt(parts[0]!, 36) + 1).toString(36)}-${parts[1]}-${parts[2]}@${domain}`;
    for (const to of [
      flipped,
      otherTicket,
      `support+garbage@${domain}`,
      `support+${'x'.repeat(200)}@${domain}`,
    ]) {
      const result = await post(rawMail({ from: customer.email, to, body: 'forged' }));
      expect(result.outcome).toBe('created_ticket');
      expect(result.ticketId).not.toBe(id);
    }
    expect(await messages(id)).toHaveLength(before);
  });
});

describe('a reply to a closed ticket', () => {
  it('opens a follow-up ticket linked to the old one', async () => {
    const id = await raise(customer);
    const { replyTo } = await emailTo(customer, id);
    await env.db.database.use((db) =>
      db
        .update(tickets)
        .set({ status: 'closed', closedAt: new Date() })
        .where(eq(tickets.id, Number(id))),
    );
    const result = await post(
      rawMail({ from: customer.email, to: replyTo, subject: 'Re: again', body: 'It is back.' }),
    );
    expect(result.outcome).toBe('follow_up');
    expect(result.ticketId).not.toBe(id);
    expect(result.detail).toContain(`closed ticket ${id}`);
    const created = (await events(result.ticketId!)).find((e) => e.type === 'ticket.created')!;
    expect(created.data.followUpOf).toBe(id);
    expect((await ticket(result.ticketId!, customer)).body).toMatchObject({
      subject: 'Re: again',
      status: 'new',
    });
    expect((await ticket(id)).body.status).toBe('closed');
  });
});

describe('a reply to a merged ticket', () => {
  it('lands on the ticket it was merged into, by its sender', async () => {
    // A customer of its own: the per-sender inbound limit counts every mail the shared one sends.
    const customer = await signIn(env.app.http, env.db.database, 'user');
    const target = await raise(agent, 'The real ticket');
    const source = await raise(customer, 'A duplicate');
    const { replyTo } = await emailTo(customer, source);
    const merged = await api()
      .post(`/api/v1/tickets/${target}/merge`)
      .set(...agent.auth)
      .send({ sourceIds: [source] });
    expect(merged.status, merged.text).toBe(200);
    const before = (await messages(target)).length;
    const result = await post(
      rawMail({ from: customer.email, to: replyTo, subject: 'Re: A duplicate', body: 'Any news on this?' }),
    );
    expect(result.outcome).toBe('replied');
    expect(result.ticketId).toBe(target);
    expect(result.detail).toContain(`ticket ${source} was merged into ${target}`);
    const after = await messages(target);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ body: 'Any news on this?', author: { id: customer.id } });
    expect((await ticket(source)).body.status).toBe('closed');
  });
});

describe('mail to the support address without a token', () => {
  it('from a known active account: a new ticket by that account', async () => {
    const result = await post(
      rawMail({
        from: `"Me" <${customer.email.toUpperCase()}>`,
        to: SUPPORT,
        subject: 'New problem',
        body: 'Help.',
      }),
    );
    expect(result.outcome).toBe('created_ticket');
    const t = (await ticket(result.ticketId!, customer)).body;
    expect(t).toMatchObject({ subject: 'New problem', requester: { id: customer.id } });
    // Acknowledged like an API-raised ticket, with a reply address for the next round.
    const ack = (await mail.deliver()).find(
      (m) => m.to === customer.email && m.subject.includes(`#${t.id}`),
    )!;
    expect(replyToOf(ack)).toContain('support+');
  });

  it('from an unknown address: a password-less customer account and a ticket', async () => {
    const address = `new-${Date.now()}@customer.example.test`;
    const result = await post(
      rawMail({ from: `Grace Hopper <${address}>`, to: SUPPORT, subject: 'Hi', body: 'First time.' }),
    );
    expect(result.outcome).toBe('created_ticket');
    const [account] = await env.db.database.use((db) =>
      db.select().from(users).where(eq(users.email, address)),
    );
    expect(account).toMatchObject({ role: 'user', name: 'Grace Hopper', passwordHash: null, active: true });
    const t = (await ticket(result.ticketId!)).body;
    expect(t.requester.id).toBe(String(account!.id));
  });

  it('INBOUND_NEW_CUSTOMERS=false: mail from an unknown address is rejected, no account made', async () => {
    const closed = createTestApp(env.db.database, { ...INBOUND, INBOUND_NEW_CUSTOMERS: 'false' });
    const address = `nobody-${Date.now()}@customer.example.test`;
    const result = await postMail(closed.http, admin.auth, rawMail({ from: address, to: SUPPORT }));
    expect(result).toMatchObject({ outcome: 'rejected', ticketId: null });
    expect(result.detail).toContain('INBOUND_NEW_CUSTOMERS');
    const rows = await env.db.database.use((db) => db.select().from(users).where(eq(users.email, address)));
    expect(rows).toHaveLength(0);
  });

  it("a disabled account's mail is rejected", async () => {
    const gone = await signIn(api(), env.db.database, 'user');
    await env.db.database.use((db) =>
      db
        .update(users)
        .set({ active: false })
        .where(eq(users.id, Number(gone.id))),
    );
    const result = await post(rawMail({ from: gone.email, to: SUPPORT }));
    expect(result).toMatchObject({ outcome: 'rejected', ticketId: null });
    expect(result.detail).toContain('disabled');
  });
});

describe('the same Message-ID again', () => {
  it('is ignored, also when the copies arrive at once', async () => {
    const messageId = newMessageId();
    const raw = rawMail({ from: customer.email, to: SUPPORT, subject: 'Once', messageId });
    const first = await post(raw);
    expect(first.outcome).toBe('created_ticket');
    const again = await post(raw);
    expect(again).toMatchObject({ outcome: 'duplicate', ticketId: first.ticketId });

    const racing = rawMail({
      from: customer.email,
      to: SUPPORT,
      subject: 'Racing',
      messageId: newMessageId(),
    });
    const results = await Promise.all(Array.from({ length: 6 }, () => post(racing)));
    const outcomes = results.map((r) => r.outcome).sort();
    expect(outcomes.filter((o) => o === 'created_ticket')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(5);
    const list = await api()
      .get('/api/v1/tickets?limit=100')
      .set(...customer.auth);
    expect(list.body.data.filter((t: { subject: string }) => t.subject === 'Racing')).toHaveLength(1);
  });
});

describe('auto-replies and bounces', () => {
  const cases: [string, Record<string, string>, string?][] = [
    ['Auto-Submitted: auto-replied', { 'Auto-Submitted': 'auto-replied' }],
    ['Auto-Submitted: auto-generated', { 'Auto-Submitted': 'auto-generated' }],
    ['Precedence: bulk', { Precedence: 'bulk' }],
    ['Precedence: junk', { Precedence: 'junk' }],
    ['Precedence: list', { Precedence: 'list' }],
    ['a null sender (Return-Path: <>)', { 'Return-Path': '<>' }],
    ['X-Helpdesk-Origin (another helpdesk)', { 'X-Helpdesk-Origin': 'other.example.test' }],
    ['mailer-daemon', {}, 'MAILER-DAEMON@mx.example.test'],
    ['postmaster', {}, 'postmaster@mx.example.test'],
  ];
  for (const [name, headers, from] of cases) {
    it(`${name}: dropped, recorded, never answered`, async () => {
      const queued = await mail.deliver();
      expect(queued).toBeDefined();
      const result = await post(rawMail({ from: from ?? customer.email, to: SUPPORT, headers }));
      expect(result).toMatchObject({ outcome: 'auto_reply', ticketId: null });
      expect(await mail.deliver()).toHaveLength(0);
    });
  }

  it('Auto-Submitted: no is a person', async () => {
    const result = await post(
      rawMail({ from: customer.email, to: SUPPORT, headers: { 'Auto-Submitted': 'no' } }),
    );
    expect(result.outcome).toBe('created_ticket');
  });

  it('our own Message-ID coming back is dropped', async () => {
    const id = await raise(customer);
    const { email } = await emailTo(customer, id);
    const result = await post(rawMail({ from: customer.email, to: SUPPORT, messageId: email.messageId }));
    expect(result).toMatchObject({ outcome: 'auto_reply' });
    expect(result.detail).toContain('own Message-ID');
  });
});

describe('In-Reply-To / References as a fallback', () => {
  it('threads a token-less reply from a participant onto the ticket', async () => {
    const id = await raise(customer);
    const { email } = await emailTo(customer, id);
    const result = await post(
      rawMail({
        from: customer.email,
        to: SUPPORT,
        body: 'Via a plain reply.',
        headers: { 'In-Reply-To': email.messageId, References: email.references.join(' ') },
      }),
    );
    expect(result).toMatchObject({ outcome: 'replied', ticketId: id });
    expect(result.detail).toContain('In-Reply-To');
  });

  it('never for a sender who is not part of that ticket (who cannot see it): a new ticket instead', async () => {
    const id = await raise(customer);
    const { email } = await emailTo(customer, id);
    const stranger = await signIn(api(), env.db.database, 'user');
    const before = (await messages(id)).length;
    const result = await post(
      rawMail({
        from: stranger.email,
        to: SUPPORT,
        headers: { 'In-Reply-To': email.messageId, References: `<ticket-${id}@help.example.test>` },
      }),
    );
    expect(result.outcome).toBe('created_ticket');
    expect(result.detail).toContain('not part of');
    expect(await messages(id)).toHaveLength(before);
  });

  it('a token of an agent since demoted to user: never on the ticket they can no longer see', async () => {
    const temp = await signIn(api(), env.db.database, 'agent');
    const id = await raise(customer);
    const { replyTo } = await emailTo(temp, id);
    await env.db.database.use((db) =>
      db
        .update(users)
        .set({ role: 'user' })
        .where(eq(users.id, Number(temp.id))),
    );
    const before = (await messages(id)).length;
    const result = await post(rawMail({ from: temp.email, to: replyTo, body: 'Still here?' }));
    expect(result.outcome).toBe('created_ticket');
    expect(result.detail).toContain('not visible');
    expect(await messages(id)).toHaveLength(before);
  });
});

describe('per-sender rate limit', () => {
  it('stops a runaway sender after INBOUND_RATE_LIMIT mails per window', async () => {
    const limited = createTestApp(env.db.database, { ...INBOUND, INBOUND_RATE_LIMIT: '3' });
    const sender = await signIn(api(), env.db.database, 'user');
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        (await postMail(limited.http, admin.auth, rawMail({ from: sender.email, to: SUPPORT }))).outcome,
      );
    }
    expect(outcomes).toEqual(['created_ticket', 'created_ticket', 'created_ticket', 'rejected', 'rejected']);
  });
});

describe('GET /inbound/emails and who may post', () => {
  it('records every mail for admins, newest first, with a cursor', async () => {
    const res = await api()
      .get('/api/v1/inbound/emails?limit=2')
      .set(...admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    expect(Number(res.body.data[0].id)).toBeGreaterThan(Number(res.body.data[1].id));
    expect(res.body.data[0]).toMatchObject({
      outcome: expect.any(String),
      source: 'http',
      receivedAt: expect.stringMatching(/Z$/),
    });
    const next = await api()
      .get(`/api/v1/inbound/emails?limit=2&cursor=${res.body.nextCursor}`)
      .set(...admin.auth);
    expect(Number(next.body.data[0].id)).toBeLessThan(Number(res.body.data[1].id));
    const total = await env.db.database.use((db) => db.select({ id: inboundEmails.id }).from(inboundEmails));
    expect(total.length).toBeGreaterThan(20);
  });

  it('agents and users get 403 on both routes; nothing is recorded', async () => {
    for (const who of [agent, customer]) {
      expect(
        (
          await api()
            .get('/api/v1/inbound/emails')
            .set(...who.auth)
        ).status,
      ).toBe(403);
      const res = await api()
        .post('/api/v1/inbound/email')
        .set(...who.auth)
        .set('Content-Type', 'message/rfc822')
        .send(Buffer.from(rawMail({ from: who.email, to: SUPPORT })));
      expect(res.status).toBe(403);
    }
  });
});

describe('attachments of inbound mail', () => {
  /** A multipart/mixed mail: a text part, then each file (base64). */
  function withFiles(o: {
    from: string;
    to: string;
    subject?: string;
    text: string;
    files: { name: string; type: string; bytes: Buffer }[];
  }): Buffer {
    const b = 'b0undary-files';
    const lines = [
      `From: ${o.from}`,
      `To: ${o.to}`,
      `Subject: ${o.subject ?? 'Files'}`,
      `Message-ID: ${newMessageId()}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${b}"`,
      '',
      `--${b}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      o.text,
    ];
    for (const f of o.files) {
      lines.push(
        `--${b}`,
        `Content-Type: ${f.type}; name="${f.name}"`,
        `Content-Disposition: attachment; filename="${f.name}"`,
        'Content-Transfer-Encoding: base64',
        '',
        ...(f.bytes.toString('base64').match(/.{1,76}/g) ?? []),
      );
    }
    lines.push(`--${b}--`, '');
    return Buffer.from(lines.join('\r\n'));
  }
  const files = async (ticketId: string, by: Actor = agent) => {
    const res = await api()
      .get(`/api/v1/tickets/${ticketId}/messages`)
      .set(...by.auth);
    expect(res.status).toBe(200);
    return res.body.data as { body: string; attachments: { id: string; filename: string; size: number }[] }[];
  };
  const download = (id: string, by: Actor) =>
    api()
      .get(`/api/v1/attachments/${id}`)
      .set(...by.auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });

  it('a new ticket by mail (the fixture): the PDF is an attachment of its first message, downloadable', async () => {
    const result = await post(fixture('multipart-attachment.eml', { FROM: customer.email, TO: SUPPORT }));
    expect(result).toMatchObject({ outcome: 'created_ticket', detail: null });
    const [first] = await files(result.ticketId!, customer);
    expect(first!.body).toBe('Please see the attached invoice.');
    expect(first!.attachments).toEqual([
      expect.objectContaining({ filename: 'invoice-2026.pdf', contentType: 'application/pdf' }),
    ]);
    const got = await download(first!.attachments[0]!.id, customer);
    expect(got.status).toBe(200);
    expect((got.body as Buffer).subarray(0, 8).toString()).toBe('%PDF-1.4');
    expect(got.body.length).toBe(first!.attachments[0]!.size);
  });

  it('a reply by mail binds its files to the reply; the agent’s email lists them', async () => {
    const id = await raise(customer, 'Screens');
    const { replyTo } = await emailTo(customer, id);
    // Assigned: the agent hears of the reply.
    expect(
      (
        await api()
          .patch(`/api/v1/tickets/${id}`)
          .set(...agent.auth)
          .send({ assigneeId: agent.id })
      ).status,
    ).toBe(200);
    await mail.deliver();
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(300)]);
    const result = await post(
      withFiles({
        from: customer.email,
        to: replyTo,
        subject: `Re: [#${id}] Screens`,
        text: 'Two screenshots.',
        files: [
          { name: 'one.png', type: 'image/png', bytes: png },
          { name: 'two.txt', type: 'text/plain', bytes: Buffer.from('second file') },
        ],
      }),
    );
    expect(result).toMatchObject({ outcome: 'replied', ticketId: id });
    const last = (await files(id)).at(-1)!;
    expect(last.body).toBe('Two screenshots.');
    expect(last.attachments.map((a) => [a.filename, a.size])).toEqual([
      ['one.png', png.length],
      ['two.txt', 11],
    ]);
    expect((await download(last.attachments[0]!.id, agent)).body).toEqual(png);
    // Another customer cannot read them.
    const stranger = await signIn(api(), env.db.database, 'user');
    expect((await download(last.attachments[0]!.id, stranger)).status).toBe(404);
    const delivered = await mail.deliver();
    expect(delivered.some((m) => m.to === agent.email && m.text.includes('one.png'))).toBe(true);
  });

  it('files over ATTACHMENT_MAX_BYTES, past the parse limit, or empty are skipped and named in detail', async () => {
    const small = createTestApp(env.db.database, { ...INBOUND, ATTACHMENT_MAX_BYTES: '1000' });
    const result = await postMail(
      small.http,
      admin.auth,
      withFiles({
        from: customer.email,
        to: SUPPORT,
        text: 'Mixed sizes.',
        files: [
          { name: 'ok.txt', type: 'text/plain', bytes: Buffer.from('fits') },
          { name: 'big.bin', type: 'application/octet-stream', bytes: randomBytes(2000) },
          { name: 'empty.txt', type: 'text/plain', bytes: Buffer.alloc(0) },
          // Base64 makes this ~6 MiB of mail: parsing stops at 4 MiB, inside it.
          { name: 'huge.zip', type: 'application/zip', bytes: randomBytes(4_500_000) },
        ],
      }),
    );
    expect(result.outcome).toBe('created_ticket');
    expect(result.detail).toContain('big.bin (over 1000 bytes)');
    expect(result.detail).toContain('empty.txt (empty)');
    expect(result.detail).toContain('huge.zip (cut by the');
    const [first] = await files(result.ticketId!);
    expect(first!.attachments.map((a) => a.filename)).toEqual(['ok.txt']);
  });
});
