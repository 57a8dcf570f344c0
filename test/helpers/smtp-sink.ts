import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  envelopeTo: string[];
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  /** `smtp://user:secret@127.0.0.1:<port>`: the sink requires these credentials, as Mailtrap does. */
  url: string;
  messages: CapturedMail[];
  /** Milliseconds the sink waits before accepting each message (a slow relay); 0 by default. */
  delayMs: number;
  /** Resolves with the first `count` messages matching `filter`, or rejects after `timeoutMs`. */
  waitFor(filter: (m: CapturedMail) => boolean, count?: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /** Stops listening (to simulate an outage); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export const SINK_USER = 'sink-user';
export const SINK_PASS = 'sink-secret-password';

/** A real SMTP server in the test process: messages arrive over a socket and are parsed with mailparser. */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  let server: SMTPServer | undefined;
  let boundPort = port;

  const create = () =>
    new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // stop() is an outage: open connections are cut after 100 ms rather than waited for.
      closeTimeout: 100,
      onAuth(auth, _session, cb) {
        if (auth.username === SINK_USER && auth.password === SINK_PASS) cb(null, { user: auth.username });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        simpleParser(stream)
          .then(async (parsed) => {
            if (sink.delayMs > 0) await new Promise((r) => setTimeout(r, sink.delayMs));
            messages.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
            for (const w of waiters) w();
            cb();
          })
          .catch(cb);
      },
    });

  const sink: SmtpSink = {
    port: 0,
    url: '',
    messages,
    delayMs: 0,
    async start() {
      server = create();
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(boundPort, '127.0.0.1', () => resolve());
      });
      const addr = server.server.address();
      boundPort = typeof addr === 'object' && addr ? addr.port : boundPort;
      sink.port = boundPort;
      sink.url = `smtp://${SINK_USER}:${SINK_PASS}@127.0.0.1:${boundPort}`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
    waitFor(filter, count = 1, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.filter(filter);
          if (found.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found.slice(0, count));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `expected ${count} matching email(s) within ${timeoutMs} ms, got ${messages.filter(filter).length}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  await sink.start();
  return sink;
}
