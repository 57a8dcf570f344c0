import nodemailer from 'nodemailer';

/** One email ready to go over SMTP. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** The signed reply address of a ticket email (reply-address.ts). */
  replyTo?: string;
  /** Extra headers: `Auto-Submitted` and `X-Helpdesk-*`, which let inbound mail recognise ours. */
  headers?: Record<string, string>;
}

/** Delivers an email or throws; the dispatcher owns retries. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/** SMTP timeouts (config `SMTP_CONNECT_TIMEOUT_MS`, `SMTP_SOCKET_TIMEOUT_MS`). */
export interface SmtpTimeouts {
  /** For the TCP (and TLS) connection, and again for the server's greeting. */
  connectTimeoutMs: number;
  /** For any later silence on the socket (the DATA phase of a large message included). */
  socketTimeoutMs: number;
}

export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectTimeoutMs: 5000, socketTimeoutMs: 20_000 };

/** Where the mailer runs: workerd's `node:tls` implements fewer options than Node's. */
export type SmtpRuntime = 'node' | 'workers';

/**
 * The TLS options for `smtpUrl`'s `tls_reject_unauthorized` query option. On Node, `false` accepts a
 * self-signed certificate (local sinks, Mailpit with TLS). workerd's `node:tls` throws for any value of
 * `rejectUnauthorized` (it does not support the option), which failed every email: on Workers the option
 * is never passed, and certificates are always verified (README, "Email on Workers").
 */
export function tlsOptions(url: URL, runtime: SmtpRuntime): { tls?: { rejectUnauthorized: boolean } } {
  if (runtime === 'workers') return {};
  return { tls: { rejectUnauthorized: url.searchParams.get('tls_reject_unauthorized') !== 'false' } };
}

/**
 * An SMTP mailer for any Mailtrap-compatible server (`smtp://user:pass@host:port`, or `smtps://` for
 * implicit TLS). A real relay greets within a second; a relay that accepts TCP and never greets would
 * otherwise hold a send slot for nodemailer's default 30 s (our old 15 s cut delivery to ~16 emails a
 * minute), so the connect and greeting timeouts are short. All of them together stay well inside the
 * dispatcher's claim lease, which is renewed while sending anyway.
 */
export function createSmtpMailer(
  smtpUrl: string,
  timeouts: SmtpTimeouts = DEFAULT_SMTP_TIMEOUTS,
  runtime: SmtpRuntime = 'node',
): Mailer {
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    // Reuse connections across a batch: a fresh one costs a TCP (and TLS) handshake and the server's
    // greeting delay per email, about 10x the cost of the send itself (see `npm run bench`).
    pool: true,
    // One per email the dispatcher sends at once (SEND_CONCURRENCY).
    maxConnections: 4,
    maxMessages: 1000,
    connectionTimeout: timeouts.connectTimeoutMs,
    greetingTimeout: timeouts.connectTimeoutMs,
    socketTimeout: timeouts.socketTimeoutMs,
    ...tlsOptions(url, runtime),
  });
  return {
    async send(email) {
      await transport.sendMail({
        from: email.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
        inReplyTo: email.inReplyTo,
        references: email.references,
        replyTo: email.replyTo,
        headers: email.headers,
      });
    },
    close: () => transport.close(),
  };
}
