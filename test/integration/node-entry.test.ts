import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/private-mariadb.js';
import { systemClock } from '../../src/deps.js';
import { enqueue } from '../../src/modules/notifications/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { makeUser } from '../helpers/factories.js';
import { type Running, startEntry, waitForHttp } from '../helpers/node-process.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

// These tests run the real Node entry (src/entry/node.ts) as a child process, as Render would.

describe('start-up configuration errors', () => {
  it('exits 1 with one message naming every bad key and no stack trace', async () => {
    const run = startEntry({
      NODE_ENV: 'production',
      PORT: 'abc',
      SMTP_URL: 'smtp://user:hunter2@:bad',
      JWT_SECRET: 'short',
    });
    expect(await run.exit).toBe(1);
    const out = run.output();
    for (const key of ['DATABASE_URL', 'SMTP_URL', 'JWT_SECRET', 'PORT']) expect(out).toContain(key);
    expect(out).toMatch(/^Invalid configuration:/m);
    expect(out).not.toMatch(/\n\s+at [\w.<]+ \(|hunter2/);
  });
});

describe('a running Node server', () => {
  let tdb: TestDatabase;
  let sink: SmtpSink;
  let run: Running;
  let base: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    sink = await startSmtpSink();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    run = startEntry({
      NODE_ENV: 'production',
      DATABASE_URL: tdb.url,
      SMTP_URL: sink.url,
      JWT_SECRET: 'x'.repeat(40),
      APP_URL: base,
      PORT: String(port),
      OUTBOX_POLL_MS: '100',
      LOG_LEVEL: 'info',
    });
    await waitForHttp(`${base}/health`);
  });
  afterAll(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await sink.stop();
    await tdb.drop();
  });

  it('serves /ready and delivers outbox rows in the background', async () => {
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const user = await makeUser(await tdb.database.use(async (d) => d));
    await tdb.database.use((db) =>
      db.transaction((tx) =>
        enqueue(tx, systemClock, 'helpdesk.test', [
          {
            event: 'auth.password_reset',
            template: 'password_reset',
            to: { email: 'bg@example.test', userId: user.id },
            payload: {
              recipient: { name: 'Bea' },
              token: 'abc',
              resetTokenUrl: 'https://h.test/reset-password?token=x',
              resetPageUrl: 'https://h.test/reset-password',
              expiresInMinutes: 30,
            },
          },
        ]),
      ),
    );
    const [mail] = await sink.waitFor((m) => m.envelopeTo.includes('bg@example.test'));
    expect(mail!.parsed.subject).toBe('Reset your Helpdesk password');
    expect(mail!.parsed.text).toContain('abc');
  });

  it('logs JSON lines without secrets', () => {
    const lines = run.output().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(run.output()).not.toContain('sink-secret-password');
  });

  it('on SIGTERM finishes the in-flight request, refuses new ones, and exits 0', async () => {
    // An in-flight request: its body is still being streamed when the signal arrives.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('{"hello":'));
        await gate;
        controller.enqueue(new TextEncoder().encode('"world"}'));
        controller.close();
      },
    });
    const inFlight = fetch(`${base}/api/v1/echo-nothing`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 200));

    run.child.kill('SIGTERM');
    // New connections are refused once the listener is closed.
    const deadline = Date.now() + 5000;
    let refused = false;
    while (!refused && Date.now() < deadline) {
      refused = await fetch(`${base}/health`).then(
        () => false,
        () => true,
      );
      if (!refused) await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused).toBe(true);

    release();
    const res = await inFlight;
    expect(res.status).toBe(404); // the request completed normally (no such route), it was not cut off
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain('shutdown complete');
  });
});
