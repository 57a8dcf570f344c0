import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { queueResetEmail, startWorkerd, type Workerd } from '../helpers/workerd.js';

// SMTP over TLS from the Worker bundle in workerd: a relay that offers STARTTLS (port 587 style) and one
// that speaks TLS from the first byte (smtps, port 465 style), both with a self-signed certificate, and
// SMTP_URL asking not to verify it (`tls_reject_unauthorized=false`, which works on Node). workerd's
// node:tls cannot take that option: it used to fail every email with "options.rejectUnauthorized is not
// implemented". Now the Worker never passes it, so workerd verifies the certificate, and an untrusted one
// fails the TLS handshake (README, "Email on Workers"). A relay with a publicly trusted certificate cannot
// be stood up offline, so the successful handshake is not tested here.

let dir: string;
let tdb: TestDatabase;
let workerd: Workerd;
const servers: SMTPServer[] = [];

async function listen(secure: boolean, key: Buffer, cert: Buffer): Promise<number> {
  const server = new SMTPServer({ secure, key, cert, authOptional: true, logger: false, closeTimeout: 100 });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'helpdesk-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'key.pem'));
  const cert = readFileSync(join(dir, 'cert.pem'));
  const starttls = await listen(false, key, cert);
  const implicit = await listen(true, key, cert);
  tdb = await createTestDatabase();
  const secret = { JWT_SECRET: 'worker-tls-test-secret-at-least-32-bytes' };
  workerd = await startWorkerd({
    databaseName: tdb.name,
    workers: [
      {
        name: 'starttls',
        bindings: { ...secret, SMTP_URL: `smtp://127.0.0.1:${starttls}?tls_reject_unauthorized=false` },
      },
      {
        name: 'implicit',
        bindings: { ...secret, SMTP_URL: `smtps://127.0.0.1:${implicit}?tls_reject_unauthorized=false` },
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await workerd?.dispose();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  await tdb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Queues one email, runs the named Worker's cron handler, and returns that email's row. */
async function deliverThrough(name: string) {
  const recipient = await queueResetEmail(tdb.database, 'tls');
  const result = await (await workerd.worker(name)).scheduled({ cron: '* * * * *' });
  expect(result.outcome).toBe('ok');
  const [row] = await tdb.database.use((db) =>
    db.select().from(notifications).where(eq(notifications.recipient, recipient)),
  );
  return row!;
}

describe('SMTP over TLS from workerd', () => {
  it.each(['starttls', 'implicit'])(
    '%s: the option is not passed; an untrusted certificate fails verification, not the transport',
    { timeout: 60_000 },
    async (name) => {
      const row = await deliverThrough(name);
      expect(row.attempts).toBe(1);
      // workerd refused the option itself ("options.rejectUnauthorized is …"); now only the certificate fails.
      expect(row.lastError ?? '').not.toMatch(/rejectUnauthorized/i);
      // workerd reports the refused certificate opaquely ("internal error; reference = …" after STARTTLS,
      // "proxy request failed, cannot connect …" for implicit TLS); the row is kept for a retry.
      expect(row.status).toBe('queued');
      expect(row.lastError).toMatch(/internal error|cannot connect/i);
    },
  );
});
