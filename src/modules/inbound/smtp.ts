import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { inboundRecipient } from '../notifications/index.js';
import { type InboundDoorDeps, receiveAtDoor } from './door.js';

// The Node door: an SMTP listener (INBOUND_SMTP_PORT, off by default) to put behind an MX record. It
// accepts mail only for the inbound address and its signed `+token` variants (never relays), refuses
// a message over INBOUND_MAX_BYTES (SIZE in EHLO, 552 after DATA), and answers 250 only once the mail
// is judged and recorded, 451 (try again later) when the database is away. Imported by the Node entry
// and `npm run dev` only: smtp-server is a Node library the Worker bundle never needs.

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

export interface InboundSmtpOptions {
  port?: number;
  host?: string;
  /** Called after each mail that was applied (the Node entry wakes the outbox with it). */
  afterApply?: () => void;
}

/** SMTP error with a reply code (smtp-server reads `responseCode`). */
function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Starts the listener; resolves once it is listening. */
export function startInboundSmtp(deps: InboundDoorDeps, opts: InboundSmtpOptions = {}): Promise<InboundSmtp> {
  const { config, logger } = deps;
  const address = config.inbound.address;
  const maxBytes = config.inbound.maxBytes;
  const log = logger.child({ component: 'inbound-smtp' });
  const server = new SMTPServer({
    // A receiving MX: no authentication, and no STARTTLS unless a certificate is configured (a TLS
    // terminating proxy or the provider's relay in front is the documented set-up).
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxBytes,
    banner: 'helpdesk inbound',
    logger: false,
    maxClients: 100,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onRcptTo(rcpt, _session, callback) {
      const ok = address !== null && inboundRecipient(rcpt.address, address) !== null;
      if (!ok) return callback(smtpError(550, '5.7.1 Relaying denied: not a mailbox of this helpdesk'));
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit the rest is read and thrown away (the client is still sending it).
        if (size <= maxBytes) chunks.push(chunk);
      });
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > maxBytes) {
          return callback(smtpError(552, `5.3.4 Message too big: at most ${maxBytes} bytes`));
        }
        const raw = Buffer.concat(chunks, size);
        chunks.length = 0;
        const mailFrom = session.envelope.mailFrom;
        const envelope = {
          from: mailFrom === false ? '' : mailFrom.address.toLowerCase(),
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
        };
        receiveAtDoor(deps, raw, envelope, 'smtp', { ip: session.remoteAddress ?? null }).then(
          (result) => {
            if (result.outcome !== 'duplicate' && result.outcome !== 'auto_reply') opts.afterApply?.();
            callback(null, `2.0.0 ${result.outcome} (inbound email ${result.id})`);
          },
          (err: unknown) => {
            log.error({ err }, 'inbound mail could not be processed');
            callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
          },
        );
      });
    },
  });
  server.on('error', (err) => log.error({ err }, 'inbound SMTP listener error'));
  const port = opts.port ?? config.inbound.smtpPort;
  const host = opts.host ?? config.inbound.smtpHost;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = (server.server.address() as AddressInfo).port;
      log.info({ host, port: bound }, 'inbound SMTP listener up');
      resolve({ port: bound, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
