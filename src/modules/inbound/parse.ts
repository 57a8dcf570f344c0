import PostalMime, { type Email } from 'postal-mime';
import { htmlToText } from './html-text.js';
import { stripReply } from './strip.js';

/** An inbound mail reduced to what the pipeline decides on. Built from postal-mime's parse. */
export interface InboundMail {
  /** The Message-ID with its angle brackets, or a stand-in derived from the raw bytes when it has none. */
  messageId: string;
  from: string | null;
  fromName: string;
  /** Every address the mail is for: To, Cc, Delivered-To (lower-cased). */
  recipients: string[];
  subject: string;
  /** What the sender wrote: quoted history and signature stripped; HTML-only mail converted to text. */
  body: string;
  inReplyTo: string[];
  references: string[];
  attachmentNames: string[];
  /**
   * The attachments themselves, in the order of `attachmentNames` (what was parsed: the first PARSE_BYTES
   * of the mail). `cut`: the part reached the end of what was parsed, so its content is incomplete.
   */
  attachments: InboundAttachment[];
  /** Lower-cased header names to their (first) value. */
  headers: Map<string, string>;
  /** The raw Content-Type of the top part (multipart/report marks a delivery report). */
  contentType: string;
  /** Bytes past PARSE_BYTES that were not parsed (0 for almost every mail). */
  truncatedBytes: number;
}

export interface InboundAttachment {
  /** As named (cleaned like a subject line), or a stand-in. */
  filename: string;
  /** As the sender claimed it; the attachments module keeps it only when on its allow-list. */
  contentType: string;
  content: Uint8Array;
  cut: boolean;
}

/** Header limits: a "header bomb" (thousands of headers, megabytes of them) is refused, not parsed. */
export const MAX_HEADER_BYTES = 256 * 1024;
const MAX_NESTING = 20;
/** Message ids read from In-Reply-To/References: a long thread has dozens, a hostile one thousands. */
const MAX_REFERENCES = 50;

/** How much of a raw message is parsed (see `parseMail`). */
export const PARSE_BYTES = 4 * 1024 * 1024;

/** How much of a text part is looked at (the stored body is capped at 65,535 characters). */
const TEXT_SCAN = 256 * 1024;

export class MalformedMailError extends Error {}

async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export { sha256Hex };

/** `<a@b> <c@d>` → [`<a@b>`, `<c@d>`], bounded. */
function messageIds(value: string | undefined): string[] {
  if (!value) return [];
  const ids: string[] = [];
  let i = 0;
  while (ids.length < MAX_REFERENCES) {
    const open = value.indexOf('<', i);
    if (open < 0) break;
    const close = value.indexOf('>', open + 1);
    if (close < 0) break;
    if (close - open <= 250) ids.push(value.slice(open, close + 1).toLowerCase());
    i = close + 1;
  }
  return ids;
}

function addresses(list: Email['to']): string[] {
  const out: string[] = [];
  for (const a of list ?? []) {
    if (a.address) out.push(a.address.toLowerCase());
    for (const m of a.group ?? []) if (m.address) out.push(m.address.toLowerCase());
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Mail is cleaned, not refused, where the API would answer 422 (src/http/text.ts): a person's reply must
 * not be lost over an invisible character. One line (subject, name): no controls, separators or format
 * characters but ZWNJ/ZWJ. Body: no controls but tab and line feed, no bidi embeddings, overrides or
 * isolates. Lone surrogates become U+FFFD. Each pattern is a character class: one linear pass.
 */
const NOT_IN_LINE = /[\p{Cc}\p{Zl}\p{Zp}]|(?![\u200C\u200D])\p{Cf}/gu;
const NOT_IN_BODY = /(?![\t\n])\p{Cc}|[\u202A-\u202E\u2066-\u2069]/gu;

const cleanLine = (text: string) => text.replace(LONE_SURROGATE, '\uFFFD').replace(NOT_IN_LINE, '');
const cleanBody = (text: string) => text.replace(LONE_SURROGATE, '\uFFFD').replace(NOT_IN_BODY, '');

/** Parses a raw RFC 5322 message. Throws `MalformedMailError` for what cannot be read as mail at all. */
export async function parseMail(raw: Uint8Array | string): Promise<InboundMail> {
  // postal-mime is not linear in a big text part (25 MB of text: ~23 s and 1.2 GB here): only the first
  // PARSE_BYTES are parsed. The headers and what the person wrote come first; what is cut is the tail of
  // a huge body or attachment (named in `truncated`).
  const size = typeof raw === 'string' ? raw.length : raw.byteLength;
  const truncated = size > PARSE_BYTES;
  const head = truncated ? raw.slice(0, PARSE_BYTES) : raw;
  let email: Email;
  try {
    email = await PostalMime.parse(head, {
      attachmentEncoding: 'arraybuffer',
      maxHeadersSize: MAX_HEADER_BYTES,
      maxNestingDepth: MAX_NESTING,
      maxRfc822NestingDepth: 2,
    });
  } catch (err) {
    throw new MalformedMailError(err instanceof Error ? err.message : String(err));
  }
  if (email.headers.length === 0) throw new MalformedMailError('no headers');
  const headers = new Map<string, string>();
  for (const h of email.headers) if (!headers.has(h.key)) headers.set(h.key, h.value);
  const from = email.from && 'address' in email.from && email.from.address ? email.from : null;
  const ownId = messageIds(email.messageId)[0];
  const recipients = [...addresses(email.to), ...addresses(email.cc)];
  if (email.deliveredTo) recipients.push(email.deliveredTo.toLowerCase());
  // What a person writes comes first and the stored body holds at most 64 KiB: only the head of a huge
  // text (or HTML) part is worth stripping and cleaning (a 25 MB mail otherwise costs seconds here).
  const text = email.text?.trim()
    ? email.text.slice(0, TEXT_SCAN)
    : email.html
      ? htmlToText(email.html.slice(0, 4 * TEXT_SCAN))
      : '';
  const parts = email.attachments.filter((a) => a.disposition !== 'inline' || a.filename).slice(0, 100);
  const attachments: InboundAttachment[] = parts.map((a, i) => ({
    filename: cleanLine(a.filename ?? `(unnamed ${a.mimeType})`).slice(0, 255),
    contentType: a.mimeType,
    content: typeof a.content === 'string' ? new TextEncoder().encode(a.content) : new Uint8Array(a.content),
    // Parsing stopped at PARSE_BYTES: the last part seen may have been cut there.
    cut: truncated && i === parts.length - 1,
  }));
  const rawBytes = typeof raw === 'string' ? raw : raw.subarray(0, Math.min(raw.length, 1024 * 1024));
  return {
    messageId: ownId ?? `<sha256.${await sha256Hex(rawBytes)}@inbound.invalid>`,
    from: from?.address?.toLowerCase().slice(0, 320) ?? null,
    fromName: cleanLine(from?.name ?? '').slice(0, 200),
    recipients: [...new Set(recipients)].slice(0, 100),
    subject: cleanLine((email.subject ?? '').replace(/\s+/g, ' ')).trim(),
    body: cleanBody(stripReply(text)),
    inReplyTo: messageIds(email.inReplyTo),
    references: messageIds(email.references),
    attachmentNames: attachments.map((a) => a.filename),
    attachments,
    headers,
    contentType: (headers.get('content-type') ?? '').toLowerCase(),
    truncatedBytes: truncated ? size - PARSE_BYTES : 0,
  };
}
