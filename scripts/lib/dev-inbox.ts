import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { escapeHtml } from '../../src/modules/notifications/render.js';

/**
 * The local mail inbox of `npm run dev`: an SMTP server the API's outbox delivers to, and a small web page
 * listing what arrived. Messages live in memory only. Both listen on 127.0.0.1: the inbox shows password-
 * reset links, so it must not be reachable from the network.
 */
export interface InboxMessage {
  id: number;
  receivedAt: Date;
  subject: string;
  from: string;
  to: string;
  date: Date | null;
  text: string;
  html: string | null;
  /** The signed reply address of a ticket email (the Reply form answers to it). */
  replyTo: string | null;
  messageId: string | null;
  /** Who it was delivered to (the envelope): the person replying from the form. */
  envelopeTo: string;
}

export interface DevInbox {
  smtpPort: number;
  httpPort: number;
  /** What to put in SMTP_URL: no credentials, no TLS. */
  smtpUrl: string;
  httpUrl: string;
  /** Newest first. */
  messages(): readonly InboxMessage[];
  stop(): Promise<void>;
}

export interface DevInboxOptions {
  /** Preferred ports; when one is taken a free port is used instead. 0 always picks a free one. */
  smtpPort?: number;
  httpPort?: number;
  /** Oldest messages are dropped beyond this many. */
  maxMessages?: number;
  /**
   * The API's inbound SMTP listener (INBOUND_SMTP_PORT): when set, a ticket email's page has a Reply form
   * that sends the reply there, from the email's recipient to its signed Reply-To, as a mail client would.
   */
  replySmtpPort?: number;
}

const HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

function addresses(a: AddressObject | AddressObject[] | undefined): string {
  return (Array.isArray(a) ? a : a ? [a] : []).map((x) => x.text).join(', ');
}

async function listen(server: Server, port: number): Promise<number> {
  const attempt = (p: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(p, HOST, () => {
        server.off('error', onError);
        resolve();
      });
    });
  try {
    await attempt(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    await attempt(0);
  }
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

/** Starts the SMTP server and the web page; resolves once both accept connections. */
export async function startDevInbox(opts: DevInboxOptions = {}): Promise<DevInbox> {
  const max = opts.maxMessages ?? 500;
  const store: InboxMessage[] = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    logger: false,
    banner: 'helpdesk dev inbox',
    // No reverse DNS of the (always local) client: it costs a lookup per connection.
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    // Plain SMTP without TLS; any credentials are accepted, so an SMTP_URL with a user works too.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    closeTimeout: 1000,
    onAuth: (auth, _session, cb) => cb(null, { user: auth.username ?? 'dev' }),
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          if (stream.sizeExceeded) return cb(new Error('message exceeds the 10 MB limit'));
          store.unshift({
            id: nextId++,
            receivedAt: new Date(),
            subject: mail.subject ?? '(no subject)',
            from: addresses(mail.from),
            to: addresses(mail.to),
            date: mail.date ?? null,
            text: mail.text ?? '',
            html: mail.html || null,
            replyTo: mail.replyTo?.value[0]?.address ?? null,
            messageId: mail.messageId ?? null,
            envelopeTo: session.envelope.rcptTo[0]?.address ?? addresses(mail.to),
          });
          store.length = Math.min(store.length, max);
          cb();
        })
        .catch((err: Error) => cb(err));
    },
  });
  // Client disconnects and protocol errors surface here; they must not crash `npm run dev`.
  smtp.on('error', () => {});

  const replyPort = opts.replySmtpPort;
  const http = createHttpServer((req, res) => {
    const m = /^\/messages\/(\d+)\/reply$/.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (req.method === 'POST' && m && replyPort) {
      void reply(req, store, Number(m[1]), replyPort).then((r) => sendReply(res, r));
      return;
    }
    send(res, ...route(req, store, replyPort !== undefined));
  });
  const smtpPort = await listen(smtp.server, opts.smtpPort ?? 1025);
  const httpPort = await listen(http, opts.httpPort ?? 8025);

  return {
    smtpPort,
    httpPort,
    smtpUrl: `smtp://${HOST}:${smtpPort}`,
    httpUrl: `http://localhost:${httpPort}`,
    messages: () => store,
    stop: async () => {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => http.close(() => resolve())),
        new Promise<void>((resolve) => smtp.close(() => resolve())),
      ]);
    },
  };
}

function sendReply(res: ServerResponse, r: Reply | { redirect: string }): void {
  if ('redirect' in r) {
    res.writeHead(303, { location: r.redirect, 'cache-control': 'no-store' });
    res.end();
  } else send(res, ...r);
}

const localHost = (req: IncomingMessage) =>
  ['localhost', '127.0.0.1', '[::1]'].includes((req.headers.host ?? '').replace(/:\d+$/, ''));

/**
 * POST /messages/:id/reply (form field `body`): sends the reply through the API's inbound SMTP listener,
 * from the email's recipient to its Reply-To, quoting the original under an attribution line as mail
 * clients do (the pipeline strips it again). Local pages only: the Host and Origin must be local.
 */
async function reply(
  req: IncomingMessage,
  store: readonly InboxMessage[],
  id: number,
  port: number,
): Promise<Reply | { redirect: string }> {
  const origin = req.headers.origin;
  if (
    !localHost(req) ||
    (origin !== undefined && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(origin))
  ) {
    return [403, 'text/plain', 'forbidden origin'];
  }
  const m = store.find((x) => x.id === id);
  if (!m?.replyTo) return [404, 'text/plain', 'no such message, or it has no Reply-To'];
  let raw = '';
  for await (const chunk of req) {
    raw += String(chunk);
    if (raw.length > 64 * 1024) return [413, 'text/plain', 'reply too long'];
  }
  const body = new URLSearchParams(raw).get('body')?.trim() ?? '';
  if (!body) return [422, 'text/plain', 'write something to reply'];
  const quoted = m.text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  const transport = nodemailer.createTransport({ host: HOST, port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({
      from: m.envelopeTo,
      to: m.replyTo,
      subject: /^re:/i.test(m.subject) ? m.subject : `Re: ${m.subject}`,
      text: `${body}\n\nOn ${(m.date ?? m.receivedAt).toUTCString()}, ${m.from} wrote:\n${quoted}\n`,
      ...(m.messageId ? { inReplyTo: m.messageId, references: [m.messageId] } : {}),
    });
  } catch (err) {
    return [502, 'text/plain', `the inbound listener refused the reply: ${(err as Error).message}`];
  } finally {
    transport.close();
  }
  return { redirect: '/?replied=1' };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The page itself runs no script; email HTML is confined to a sandboxed srcdoc iframe.
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  });
  res.end(body);
}

type Reply = [status: number, type: string, body: string];

function route(req: IncomingMessage, store: readonly InboxMessage[], canReply: boolean): Reply {
  // Only local names: a DNS-rebinding page must not read reset links out of the inbox.
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host)) return [403, 'text/plain', 'forbidden host'];
  if (req.method !== 'GET' && req.method !== 'HEAD') return [405, 'text/plain', 'method not allowed'];
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/') return [200, 'text/html', listPage(store)];
  if (path === '/messages.json') return [200, 'application/json', JSON.stringify(store)];
  const m = /^\/messages\/(\d+)$/.exec(path);
  const message = m ? store.find((x) => x.id === Number(m[1])) : undefined;
  if (message) return [200, 'text/html', messagePage(message, canReply)];
  return [404, 'text/html', page('Not found', '<p>No such message. <a href="/">Back to the inbox</a></p>')];
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}a{color:#0645ad}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.8rem}iframe{width:100%;height:32rem;border:1px solid #ccc}`;

function page(title: string, body: string, refresh = false): string {
  const meta = refresh ? '<meta http-equiv="refresh" content="5">' : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${meta}<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function listPage(store: readonly InboxMessage[]): string {
  // (A reply sent from a message page lands back here: the API's emails about it appear within seconds.)
  const rows = store
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.receivedAt.toISOString())}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to)}</td>` +
        `<td><a href="/messages/${m.id}">${escapeHtml(m.subject)}</a></td></tr>`,
    )
    .join('');
  const table = rows
    ? `<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No messages yet. Emails the API sends appear here (this page refreshes every 5 s).</p>';
  return page(`Dev inbox (${store.length})`, `<h1>Dev inbox</h1>${table}`, true);
}

/** Escapes the text part and turns http(s) links in it into anchors (reset links are the usual reason to look). */
function linkify(text: string): string {
  return escapeHtml(text).replace(
    /https?:\/\/[^\s<>"']+/g,
    (url) => `<a href="${url}" rel="noopener noreferrer" target="_blank">${url}</a>`,
  );
}

function messagePage(m: InboxMessage, canReply: boolean): string {
  const field = (k: string, v: string) => `<dt>${k}</dt><dd>${escapeHtml(v)}</dd>`;
  const html = m.html
    ? `<h2>HTML</h2><iframe sandbox="" referrerpolicy="no-referrer" srcdoc="${escapeHtml(m.html)}"></iframe>`
    : '';
  return page(
    m.subject,
    `<p><a href="/">&larr; Inbox</a></p><h1>${escapeHtml(m.subject)}</h1><dl>` +
      field('From', m.from) +
      field('To', m.to) +
      field('Date', (m.date ?? m.receivedAt).toISOString()) +
      `</dl>${canReply && m.replyTo ? replyForm(m) : ''}<h2>Text</h2><pre>${linkify(m.text)}</pre>${html}`,
  );
}

/** The Reply form of a ticket email: what its recipient would type in their mail client. */
function replyForm(m: InboxMessage): string {
  return (
    `<h2>Reply as ${escapeHtml(m.envelopeTo)}</h2><form method="post" action="/messages/${m.id}/reply">` +
    `<p>To <code>${escapeHtml(m.replyTo ?? '')}</code>, through the API's inbound SMTP listener.</p>` +
    '<textarea name="body" rows="5" style="width:100%" required></textarea><p><button>Send reply</button></p></form>'
  );
}
