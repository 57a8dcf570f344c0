import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundEmails } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { createTestApp, type TestApp, useTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { postMail, rawMail } from '../helpers/inbound.js';
import { type Delivered, useMailbox } from '../helpers/mailbox.js';

// Bad input at POST /inbound/email (never a 5xx, every mail recorded, nothing on the wrong ticket), and
// two helpdesks answering each other's acknowledgements until the loop stops.

const A = { INBOUND_ADDRESS: 'support@a.example.test', MAIL_FROM: 'Helpdesk A <helpdesk@a.example.test>' };
const B = { INBOUND_ADDRESS: 'support@b.example.test', MAIL_FROM: 'Helpdesk B <helpdesk@b.example.test>' };
const env = useTestApp(A);
const mailA = useMailbox(env);
const envB = {} as { db: TestDatabase; app: TestApp };
const mailB = useMailbox(envB);
let admin: Actor;
let adminB: Actor;

beforeAll(async () => {
  envB.db = await createTestDatabase();
  envB.app = createTestApp(envB.db.database, B);
  [admin, adminB] = await Promise.all([
    signIn(env.app.http, env.db.database, 'admin'),
    signIn(envB.app.http, envB.db.database, 'admin'),
  ]);
});
afterAll(() => envB.db?.drop());

const count = async (db: TestDatabase) =>
  (await db.database.use((d) => d.select({ id: inboundEmails.id }).from(inboundEmails))).length;
const raw = (type: string, body: Buffer | string) =>
  env.app.http
    .post('/api/v1/inbound/email')
    .set(...admin.auth)
    .set('Content-Type', type)
    .send(Buffer.from(body));

describe('bad input at POST /inbound/email', () => {
  it('a 30 MB message is 413 (and the connection is closed), nothing recorded', async () => {
    const before = await count(env.db);
    const big = rawMail({
      from: 'x@c.example.test',
      to: A.INBOUND_ADDRESS,
      body: 'y'.repeat(30 * 1024 * 1024),
    });
    const res = await raw('message/rfc822', big);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    expect(res.headers.connection).toBe('close');
    expect(await count(env.db)).toBe(before);
  });

  it('anything but message/rfc822 is 415', async () => {
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await raw(type, '{"a":1}');
      expect(res.status, type).toBe(415);
      expect(res.body.code).toBe('unsupported_media_type');
    }
  });

  it('malformed MIME, junk bytes, an empty body and a header bomb are recorded as rejected, never a 5xx', async () => {
    const inputs: [string, Buffer | string][] = [
      ['empty', ''],
      ['binary junk', Buffer.from([0, 1, 2, 255, 254, 0, 13, 10, 13, 10])],
      ['no headers, only text', '\r\n\r\njust a body'],
      ['no From', 'To: support@a.example.test\r\nSubject: x\r\n\r\nbody'],
      [
        'header bomb',
        `${Array.from({ length: 20_000 }, (_, i) => `X-J${i}: ${'v'.repeat(20)}`).join('\r\n')}\r\n\r\nx`,
      ],
      [
        'multipart without its boundary',
        'From: m@c.example.test\r\nTo: support@a.example.test\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n--other\r\n\r\ntext',
      ],
      [
        'nesting bomb',
        `From: n@c.example.test\r\nTo: support@a.example.test\r\n${Array.from({ length: 60 }, (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`).join('')}\r\nx`,
      ],
    ];
    for (const [name, body] of inputs) {
      const res = await raw('message/rfc822', body);
      expect(res.status, `${name}: ${res.text}`).toBe(200);
      expect(['rejected', 'created_ticket'], name).toContain(res.body.outcome);
    }
    const log = await env.app.http.get('/api/v1/inbound/emails?limit=10').set(...admin.auth);
    expect(
      log.body.data.filter((e: { outcome: string }) => e.outcome === 'rejected').length,
    ).toBeGreaterThanOrEqual(4);
    expect(
      log.body.data.some((e: { detail: string }) => /malformed MIME.*header size/i.test(e.detail ?? '')),
    ).toBe(true);
  });

  it('hostile text in subject and body is stored sanitised', async () => {
    const result = await postMail(
      env.app.http,
      admin.auth,
      rawMail({
        from: 'hostile@c.example.test',
        to: A.INBOUND_ADDRESS,
        subject: `=?utf-8?B?${Buffer.from('a\u0000b\u202e\u0007c'.repeat(100)).toString('base64')}?=`,
        body: `x\u0000y ${'🙂'.repeat(40_000)}`,
      }),
    );
    expect(result.outcome, result.detail ?? '').toBe('created_ticket');
    const agent = await signIn(env.app.http, env.db.database, 'agent');
    const t = await env.app.http.get(`/api/v1/tickets/${result.ticketId}`).set(...agent.auth);
    expect(t.body.subject.length).toBeLessThanOrEqual(200);
    expect([...t.body.subject].some((ch: string) => ch.charCodeAt(0) < 0x20 || ch === '\u202e')).toBe(false);
    const msgs = await env.app.http.get(`/api/v1/tickets/${result.ticketId}/messages`).set(...agent.auth);
    expect(msgs.body.data[0].body.startsWith('xy ')).toBe(true);
  });
});

describe('two helpdesks answering each other', () => {
  /**
   * The relay between the two: every delivered email addressed to the other instance's domain is handed
   * to that instance as raw mail, headers as sent (`strip`: as a careless relay that drops them would).
   */
  function relay(mail: Delivered, strip: boolean): string {
    const h = mail.raw.parsed.headers;
    const headers: Record<string, string> = {};
    if (!strip) {
      for (const name of ['auto-submitted', 'x-helpdesk-origin', 'x-helpdesk-event']) {
        const v = h.get(name);
        if (typeof v === 'string') headers[name] = v;
      }
    }
    return rawMail({
      from: mail.raw.parsed.from?.value[0]?.address ?? '',
      to: mail.to,
      subject: mail.subject,
      body: mail.text,
      messageId: mail.messageId,
      headers,
    });
  }

  async function exchange(strip: boolean, rounds: number) {
    const applied = { a: 0, b: 0 };
    for (let round = 0; round < rounds; round++) {
      const fromA = (await mailA.deliver()).filter((m) => m.to.endsWith('@b.example.test'));
      const fromB = (await mailB.deliver()).filter((m) => m.to.endsWith('@a.example.test'));
      if (fromA.length === 0 && fromB.length === 0) return { applied, rounds: round };
      for (const m of fromA) {
        const r = await postMail(envB.app.http, adminB.auth, relay(m, strip));
        if (r.outcome === 'created_ticket' || r.outcome === 'replied') applied.b++;
      }
      for (const m of fromB) {
        const r = await postMail(env.app.http, admin.auth, relay(m, strip));
        if (r.outcome === 'created_ticket' || r.outcome === 'replied') applied.a++;
      }
    }
    return { applied, rounds };
  }

  it("each drops the other's acknowledgement (Auto-Submitted, X-Helpdesk-Origin): the loop stops at once", async () => {
    // B's helpdesk address writes to A (say, someone set it up as a customer there).
    await mailA.deliver();
    await mailB.deliver();
    const first = await postMail(
      env.app.http,
      admin.auth,
      rawMail({ from: 'helpdesk@b.example.test', to: A.INBOUND_ADDRESS, subject: 'Hello A' }),
    );
    expect(first.outcome).toBe('created_ticket');
    const result = await exchange(false, 10);
    expect(result.rounds).toBeLessThanOrEqual(2);
    expect(result.applied).toEqual({ a: 0, b: 0 });
  });

  it('even through a relay that strips those headers, the per-sender rate limit stops it', async () => {
    const limit = 4;
    env.app = createTestApp(env.db.database, { ...A, INBOUND_RATE_LIMIT: String(limit) });
    envB.app = createTestApp(envB.db.database, { ...B, INBOUND_RATE_LIMIT: String(limit) });
    await mailA.deliver();
    await mailB.deliver();
    await postMail(
      env.app.http,
      admin.auth,
      rawMail({ from: 'helpdesk@b.example.test', to: A.INBOUND_ADDRESS, subject: 'Hello again' }),
    );
    const result = await exchange(true, 50);
    // Stops by itself well before the 50 rounds allowed, each side having applied at most its limit.
    expect(result.rounds).toBeLessThan(50);
    expect(result.applied.a).toBeLessThanOrEqual(limit);
    expect(result.applied.b).toBeLessThanOrEqual(limit);
  });
});
