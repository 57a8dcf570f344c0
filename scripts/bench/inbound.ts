import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { type Measured, sampleRss } from './load.js';

// Inbound email scenarios (README, "Email in both directions"): mails applied per second through the
// SMTP listener and through POST /inbound/email, each mail's time from the client's last byte to the
// server's answer (which comes after the commit: 250 / 200 are sent once the mail is recorded), and the
// server's peak RSS while it takes one 25 MB message.

const mail = (from: string, to: string, body: string) =>
  [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: Bench inbound ${randomBytes(3).toString('hex')}`,
    `Message-ID: <${randomBytes(10).toString('hex')}@bench.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** Runs `connections` lanes of `send` for `seconds`; one mail per call, each from the next sender. */
async function lanes(
  seconds: number,
  connections: number,
  send: (lane: number, raw: string) => Promise<boolean>,
  senders: string[],
  to: string,
  pid?: number,
): Promise<Measured> {
  const rss = sampleRss(pid);
  const times: number[] = [];
  let errors = 0;
  let n = 0;
  const started = Date.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, lane) => {
      while (Date.now() < end) {
        const raw = mail(senders[n++ % senders.length]!, to, 'The printer is on fire again.');
        const t = performance.now();
        const ok = await send(lane, raw).catch(() => false);
        if (ok) times.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return {
    rps: Math.round(times.length / elapsed),
    p50: Math.round(pct(times, 0.5)),
    p99: Math.round(pct(times, 0.99)),
    requests: times.length,
    errors,
    rssMb: rss.stop(),
  };
}

/** New-ticket mails from `senders` over SMTP to the listener on `port`, one pooled connection per lane. */
export async function inboundOverSmtp(opts: {
  port: number;
  seconds: number;
  connections: number;
  senders: string[];
  to: string;
  pid?: number;
}): Promise<Measured> {
  const transports = Array.from({ length: opts.connections }, () =>
    nodemailer.createTransport({
      host: '127.0.0.1',
      port: opts.port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 1,
    }),
  );
  try {
    return await lanes(
      opts.seconds,
      opts.connections,
      async (lane, raw) => {
        const info = await transports[lane]!.sendMail({
          envelope: { from: 'bench@bench.test', to: [opts.to] },
          raw,
        });
        return /created_ticket|replied/.test(String(info.response));
      },
      opts.senders,
      opts.to,
      opts.pid,
    );
  } finally {
    for (const t of transports) t.close();
  }
}

/** The same mails posted raw to POST /inbound/email. */
export function inboundOverRoute(opts: {
  api: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
  senders: string[];
  to: string;
  pid?: number;
}): Promise<Measured> {
  return lanes(
    opts.seconds,
    opts.connections,
    async (_lane, raw) => {
      const res = await fetch(`${opts.api}/inbound/email`, {
        method: 'POST',
        headers: { ...opts.headers, 'content-type': 'message/rfc822' },
        body: raw,
      });
      const body = (await res.json()) as { outcome?: string };
      return res.status === 200 && (body.outcome === 'created_ticket' || body.outcome === 'replied');
    },
    opts.senders,
    opts.to,
    opts.pid,
  );
}

/** One 25 MB message (text, mostly body) through the route: the server's peak RSS while it is handled. */
export async function inboundBigMessage(opts: {
  api: string;
  headers: Record<string, string>;
  from: string;
  to: string;
  pid?: number;
}): Promise<Measured> {
  const body = `${'All work and no play makes a long mail. '.repeat(1)}\r\n`
    .repeat(600_000)
    .slice(0, 25 * 1024 * 1024);
  const raw = mail(opts.from, opts.to, body);
  const rss = sampleRss(opts.pid);
  const t = performance.now();
  const res = await fetch(`${opts.api}/inbound/email`, {
    method: 'POST',
    headers: { ...opts.headers, 'content-type': 'message/rfc822' },
    body: raw,
  });
  await res.arrayBuffer();
  const ms = Math.round(performance.now() - t);
  return { rps: 0, p50: ms, p99: ms, requests: 1, errors: res.status === 200 ? 0 : 1, rssMb: rss.stop() };
}
