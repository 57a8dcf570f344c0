import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
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
    onData(stream, _session, cb) {
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
          });
          store.length = Math.min(store.length, max);
          cb();
        })
        .catch((err: Error) => cb(err));
    },
  });
  // Client disconnects and protocol errors surface here; they must not crash `npm run dev`.
  smtp.on('error', () => {});

  const http = createHttpServer((req, res) => send(res, ...route(req, store)));
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

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The page itself runs no script; email HTML is confined to a sandboxed srcdoc iframe.
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  });
  res.end(body);
}

type Reply = [status: number, type: string, body: string];

function route(req: IncomingMessage, store: readonly InboxMessage[]): Reply {
  // Only local names: a DNS-rebinding page must not read reset links out of the inbox.
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host)) return [403, 'text/plain', 'forbidden host'];
  if (req.method !== 'GET' && req.method !== 'HEAD') return [405, 'text/plain', 'method not allowed'];
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/') return [200, 'text/html', listPage(store)];
  if (path === '/messages.json') return [200, 'application/json', JSON.stringify(store)];
  const m = /^\/messages\/(\d+)$/.exec(path);
  const message = m ? store.find((x) => x.id === Number(m[1])) : undefined;
  if (message) return [200, 'text/html', messagePage(message)];
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

function messagePage(m: InboxMessage): string {
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
      `</dl><h2>Text</h2><pre>${linkify(m.text)}</pre>${html}`,
  );
}
