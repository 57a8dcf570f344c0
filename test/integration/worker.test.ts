import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, users } from '../../db/schema/index.js';
import { findDocsBundle } from '../../src/entry/docs-asset.js';
import { DOCS_CSP, DOCS_SCRIPT_PATH } from '../../src/http/docs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { SINK_PASS, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { queueResetEmail, startWorkerd, type Workerd } from '../helpers/workerd.js';

// Workers smoke test: the bundle `npm run build` produces (scripts/build-worker.mjs), run in workerd by
// Miniflare with the bindings wrangler.toml declares, against the private test MariaDB via a Hyperdrive
// binding and against the SMTP sink for the cron-driven outbox. The full API on Workers is covered by
// the parity suite (test/parity/), which runs the same scenarios on Node and on this bundle.

const JWT_SECRET = 'worker-test-secret-that-is-at-least-32-bytes';

let tdb: TestDatabase;
let sink: SmtpSink;
let workerd: Workerd;

beforeAll(async () => {
  tdb = await createTestDatabase();
  sink = await startSmtpSink();
  workerd = await startWorkerd({
    databaseName: tdb.name,
    workers: [
      // The secrets `wrangler secret put` would provide.
      {
        name: 'helpdesk',
        bindings: {
          LOG_LEVEL: 'info',
          JWT_SECRET,
          SMTP_URL: sink.url,
          // Ignored on Workers (with a warning): the first admin is made with `npm run admin:create`.
          ADMIN_EMAIL: 'first-admin@example.test',
          ADMIN_PASSWORD: 'first-admin-password',
        },
      },
      // Same bundle, but NODE_ENV=production without JWT_SECRET: must fail cleanly, not crash.
      { name: 'misconfigured', bindings: { SMTP_URL: sink.url } },
    ],
  });
}, 60_000);

afterAll(async () => {
  await workerd?.dispose();
  await sink?.stop();
  await tdb?.drop();
});

const worker = (name = 'helpdesk') => workerd.worker(name);
const logEntries = () => workerd.logEntries();

const call = async (path: string, name = 'helpdesk', init?: RequestInit) =>
  (await worker(name)).fetch(`http://worker.test${path}`, init);
const postJson = (path: string, body: unknown) =>
  call(path, 'helpdesk', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('Workers bundle in workerd', () => {
  it('GET /health answers ok', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const reqId = res.headers.get('x-request-id');
    expect(reqId).toMatch(/^[\w-]{8,}$/);
    // The console logger works in workerd: one JSON line per request, carrying the request id.
    await expect
      .poll(logEntries, { timeout: 5000 })
      .toContainEqual(expect.objectContaining({ msg: 'request', path: '/health', status: 200, reqId }));
  });

  it('GET /ready reaches the database through the Hyperdrive binding', async () => {
    const res = await call('/ready');
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.status).toBe(200);
  });

  it('GET /openapi.json serves the OpenAPI 3.1 document', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
  });

  it('GET /docs loads only same-origin scripts, and the bundle comes from the static assets', async () => {
    const res = await call('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP);
    const html = await res.text();
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]/i);
    const srcs = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"/gi)].map((m) => m[1]);
    expect(srcs).toEqual([DOCS_SCRIPT_PATH]);

    const js = await call(DOCS_SCRIPT_PATH);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = new Uint8Array(await js.arrayBuffer());
    const bundle = findDocsBundle();
    expect(bundle).not.toBeNull();
    expect(Buffer.compare(bytes, readFileSync(bundle!))).toBe(0);
  });

  it('register, login and GET /me write and read the database (bcrypt and jose in workerd)', async () => {
    const email = `w-${randomBytes(4).toString('hex')}@example.test`;
    const registered = await postJson('/api/v1/auth/register', {
      email,
      password: 'worker-password-1',
      name: 'Wanda',
    });
    expect(registered.status).toBe(201);
    const login = await postJson('/api/v1/auth/login', { email, password: 'worker-password-1' });
    expect(login.status).toBe(200);
    const { accessToken, user } = (await login.json()) as { accessToken: string; user: { id: string } };
    const me = await call('/api/v1/me', 'helpdesk', { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id, email, name: 'Wanda', role: 'user' });
    // The row really is in the test database, written through the Hyperdrive connection.
    const rows = await tdb.database.use((db) => db.select().from(users).where(eq(users.email, email)));
    expect(rows.map((r) => String(r.id))).toEqual([user.id]);
    const wrong = await postJson('/api/v1/auth/login', { email, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
  });

  it('does not create the first admin from ADMIN_EMAIL, and says so in the log', async () => {
    expect((await call('/health')).status).toBe(200);
    await expect
      .poll(logEntries, { timeout: 5000 })
      .toContainEqual(
        expect.objectContaining({ level: 'warn', msg: expect.stringContaining('npm run admin:create') }),
      );
    const admins = await tdb.database.use((db) =>
      db.select().from(users).where(eq(users.email, 'first-admin@example.test')),
    );
    expect(admins).toEqual([]);
    expect(workerd.output()).not.toContain('first-admin-password');
  });

  it('an unknown route is a 404 problem+json', async () => {
    for (const path of ['/nothing-here', '/api/v1/nothing-here']) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  it('a bad configuration answers a 500 problem and is logged once, without a stack trace', async () => {
    const first = await call('/health', 'misconfigured');
    expect(first.status).toBe(500);
    expect(first.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await first.text();
    expect(JSON.parse(body)).toMatchObject({ status: 500, code: 'misconfigured' });
    expect(body).not.toContain('JWT_SECRET');

    const second = await call('/ready', 'misconfigured');
    expect(second.status).toBe(500);
    await second.text();
    await expect
      .poll(() => workerd.output(), { timeout: 5000 })
      .toContain('JWT_SECRET is required in production');
    await new Promise((r) => setTimeout(r, 200));
    expect(workerd.output().match(/Invalid configuration/g)).toHaveLength(1);
    expect(workerd.output()).not.toMatch(/\n\s+at /);
  });
});

describe('scheduled (cron) handler', () => {
  it('drains the outbox through the database binding and delivers over SMTP', async () => {
    const recipient = await queueResetEmail(tdb.database, 'cron');

    const result = await (await worker()).scheduled({ cron: '* * * * *' });
    expect(result.outcome).toBe('ok');

    // The invocation ends only when the work handed to ctx.waitUntil has settled, so by now the worker
    // has claimed the row, sent it and recorded that through its own Hyperdrive connection.
    const rows = await tdb.database.use((db) =>
      db.select().from(notifications).where(eq(notifications.recipient, recipient)),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', attempts: 1, claimToken: null, lastError: null });
    // The reset token was needed only to send the email; the sent row no longer holds it.
    expect(rows[0]!.payload).toMatchObject({ token: '[REDACTED]', recipient: { name: 'Cron Tester' } });

    const [mail] = await sink.waitFor((m) => m.envelopeTo.includes(recipient), 1, 5000);
    expect(mail!.parsed.subject).toBe('Reset your Helpdesk password');
    expect(mail!.parsed.text).toContain('tok-123456');
    expect(mail!.parsed.from?.text).toContain('helpdesk@example.com');
    expect(mail!.parsed.messageId).toBe(rows[0]!.messageId);

    await expect
      .poll(logEntries, { timeout: 5000 })
      .toContainEqual(expect.objectContaining({ msg: 'outbox drained', claimed: 1, sent: 1 }));
    expect(workerd.output()).not.toContain(SINK_PASS);
    expect(workerd.output()).not.toContain(JWT_SECRET);
  });
});
