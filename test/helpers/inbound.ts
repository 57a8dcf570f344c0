import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type supertest from 'supertest';
import { expect } from 'vitest';
import type { Delivered } from './mailbox.js';

/** A fresh Message-ID. */
export const newMessageId = (domain = 'mail.example.test') => `<${randomBytes(8).toString('hex')}@${domain}>`;

export interface RawMailOptions {
  from: string;
  to: string;
  subject?: string;
  body?: string;
  messageId?: string;
  headers?: Record<string, string>;
}

/** A minimal plain-text RFC 5322 message (CRLF line ends). */
export function rawMail(o: RawMailOptions): string {
  const headers: Record<string, string> = {
    From: o.from,
    To: o.to,
    Subject: o.subject ?? 'Hello',
    'Message-ID': o.messageId ?? newMessageId(),
    Date: new Date().toUTCString(),
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...o.headers,
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return `${head}\r\n\r\n${(o.body ?? 'Hello there.').replace(/\r?\n/g, '\r\n')}\r\n`;
}

/**
 * A fixture from test/fixtures/email/, with `{{FROM}}`, `{{TO}}`, `{{MESSAGE_ID}}` (and any other
 * `{{NAME}}` given) filled in. Fixtures keep their own line ends (real mail is CRLF; the parser takes both).
 */
export function fixture(name: string, vars: Record<string, string>): Buffer {
  let text = readFileSync(new URL(`../fixtures/email/${name}`, import.meta.url), 'latin1');
  for (const [k, v] of Object.entries({ MESSAGE_ID: newMessageId(), ...vars }))
    text = text.replaceAll(`{{${k}}}`, v);
  return Buffer.from(text, 'latin1');
}

/** POSTs a raw message to /inbound/email as `auth` and returns the recorded outcome. */
export async function postMail(
  http: ReturnType<typeof supertest>,
  auth: [string, string],
  raw: string | Buffer,
) {
  const res = await http
    .post('/api/v1/inbound/email')
    .set(...auth)
    .set('Content-Type', 'message/rfc822')
    .send(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    id: string;
    outcome: string;
    ticketId: string | null;
    detail: string | null;
    messageId: string;
  };
}

/** The signed Reply-To of a delivered email. */
export function replyToOf(mail: Delivered): string {
  const v = mail.raw.parsed.replyTo?.value[0]?.address;
  if (!v) throw new Error(`no Reply-To on "${mail.subject}" to ${mail.to}`);
  return v;
}
