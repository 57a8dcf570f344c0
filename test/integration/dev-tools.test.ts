import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../../db/schema/index.js';
import { DEMO_ACCOUNTS, seedDemo } from '../../db/seed.js';
import { type DevInbox, startDevInbox } from '../../scripts/lib/dev-inbox.js';
import { freePort } from '../../scripts/lib/private-mariadb.js';
import { systemClock } from '../../src/deps.js';
import { createSmtpMailer } from '../../src/modules/notifications/mailer.js';
import { findUserByEmail, insertUser } from '../../src/modules/users/repo.js';
import { hashPassword, verifyPassword } from '../../src/passwords.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('seedDemo', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(() => tdb.drop());

  it('creates the three demo accounts once, however often it runs', async () => {
    const first = await tdb.database.use((db) => seedDemo(db, systemClock, 4));
    const second = await tdb.database.use((db) => seedDemo(db, systemClock, 4));
    expect(first.map((o) => o.result)).toEqual(['created', 'created', 'created']);
    expect(second.map((o) => o.result)).toEqual(['exists', 'exists', 'exists']);

    const rows = await tdb.database.use((db) => db.select().from(users).orderBy(users.id));
    expect(rows.map((r) => [r.email, r.role, r.active])).toEqual([
      ['admin@example.com', 'admin', true],
      ['agent@example.com', 'agent', true],
      ['user@example.com', 'user', true],
    ]);
    for (const account of DEMO_ACCOUNTS) {
      expect(account.password.length).toBeGreaterThanOrEqual(10);
      const row = rows.find((r) => r.email === account.email)!;
      expect(await verifyPassword(account.password, row.passwordHash!)).toBe(true);
      // Hashed at the cost it was given (bcrypt records it in the hash: $2b$04$…).
      expect(row.passwordHash!.startsWith('$2b$04$')).toBe(true);
    }
  });
});

describe('npm run admin:create', () => {
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(() => tdb.drop());

  /** Runs the real script in a child process, as `npm run admin:create -- …` does. */
  const adminCreate = (args: string[], stdin = '') =>
    new Promise<{ code: number; output: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [tsxCli, 'scripts/admin-create.ts', ...args],
        { env: { ...process.env, DATABASE_URL: tdb.url, BCRYPT_COST: '5' }, timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, output: `${stdout}\n${stderr}` });
        },
      );
      child.stdin?.end(stdin);
    });
  const user = (email: string) => tdb.database.use((db) => findUserByEmail(db, email));

  it('creates an admin without ever printing the password', async () => {
    const password = 'first-admin-secret-1';
    const res = await adminCreate([
      '--email',
      ' Ann@Example.com ',
      '--password',
      password,
      '--name',
      'Ann Admin',
    ]);
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain('Created admin ann@example.com');
    expect(res.output).not.toContain(password);
    const row = await user('ann@example.com');
    expect(row).toMatchObject({ role: 'admin', name: 'Ann Admin', active: true });
    expect(await verifyPassword(password, row!.passwordHash!)).toBe(true);
    expect(row!.passwordHash!.startsWith('$2b$05$'), 'hashed at BCRYPT_COST').toBe(true);
  });

  it('reads the password from stdin with --password-stdin, keeping it off the command line', async () => {
    const res = await adminCreate(['--email', 'pipe@example.com', '--password-stdin'], 'piped-password-1\n');
    expect(res.code, res.output).toBe(0);
    expect(res.output).not.toContain('piped-password-1');
    const row = await user('pipe@example.com');
    expect(await verifyPassword('piped-password-1', row!.passwordHash!)).toBe(true);
  });

  it('promotes an existing account, reactivates it, replaces its password and revokes its sessions', async () => {
    const id = await tdb.database.use(async (db) => {
      const userId = await insertUser(db, systemClock, {
        email: 'bob@example.com',
        name: 'Bob',
        role: 'user',
        passwordHash: await hashPassword('old-password-1', 4),
      });
      await db.update(users).set({ active: false }).where(eq(users.id, userId));
      const later = new Date(Date.now() + 86_400_000);
      await db.insert(sessions).values({ userId, lastUsedAt: new Date(), expiresAt: later });
      return userId;
    });
    const password = 'bobs-new-admin-pass';
    const res = await adminCreate(['--email', 'BOB@example.com', '--password', password]);
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain('was user');
    expect(res.output).not.toContain(password);

    const rows = await tdb.database.use((db) =>
      db.select().from(users).where(eq(users.email, 'bob@example.com')),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id, role: 'admin', active: true, name: 'Bob' });
    expect(await verifyPassword(password, rows[0]!.passwordHash!)).toBe(true);
    expect(await verifyPassword('old-password-1', rows[0]!.passwordHash!)).toBe(false);
    const open = await tdb.database.use((db) => db.select().from(sessions).where(eq(sessions.userId, id)));
    expect(open.every((s) => s.revokedAt !== null)).toBe(true);
  });

  // Three cold tsx starts at once: on a loaded 2-core machine (the subprocess project runs beside workerd
  // suites) they took over 20 s, and a killed child printed nothing, which failed for the wrong reason.
  it('rejects bad arguments with a clear message, a non-zero exit and no echo of secrets', {
    timeout: 90_000,
  }, async () => {
    // Three independent runs at once keep the file fast. A stray value (say, a password typed without
    // its option) must not be quoted back either.
    const [short, badEmail, stray] = await Promise.all([
      adminCreate(['--email', 'carol@example.com', '--password', 'short9']),
      adminCreate(['--email', 'not-an-email', '--password', 'long-enough-pass']),
      adminCreate(['--email', 'dan@example.com', '--password', 'long-enough-pass', 'stray-secret']),
    ]);
    expect(short.code).not.toBe(0);
    expect(short.output).toContain('--password must be at least 10 characters');
    expect(short.output).not.toContain('short9');
    expect(await user('carol@example.com')).toBeNull();

    expect(badEmail.code).not.toBe(0);
    expect(badEmail.output).toContain('--email must be an email address');
    expect(badEmail.output).not.toContain('long-enough-pass');

    expect(stray.code).not.toBe(0);
    expect(stray.output).toContain('unexpected argument');
    expect(stray.output).not.toMatch(/stray-secret|long-enough-pass/);
  });
});

describe('dev inbox', () => {
  let inbox: DevInbox;
  beforeAll(async () => {
    inbox = await startDevInbox({ smtpPort: 0, httpPort: 0, maxMessages: 2 });
  });
  afterAll(() => inbox.stop());

  const get = (path: string, host = `127.0.0.1:${inbox.httpPort}`) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: inbox.httpPort, path, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('receives mail over SMTP from the app mailer and lists it newest first, escaped', async () => {
    // The same mailer and URL shape the API uses when `npm run dev` sets SMTP_URL.
    const mailer = createSmtpMailer(inbox.smtpUrl);
    const send = (subject: string, html: string) =>
      mailer.send({
        from: 'Helpdesk <helpdesk@localhost>',
        to: 'ann@example.com',
        subject,
        text: 'Reset: https://example.com/reset?token=abc&x=1',
        html,
        messageId: `<${subject.length}-${Date.now()}@test>`,
      });
    await send('Dropped, the inbox keeps 2', '<p>old</p>');
    await send('First', '<p>first</p>');
    await send('<b>Reset</b> & "you"', '<p>Hi "there"</p><script>alert(1)</script>');
    mailer.close();

    const list = await get('/');
    expect(list.status).toBe(200);
    expect(list.body).toContain('&lt;b&gt;Reset&lt;/b&gt; &amp; &quot;you&quot;');
    expect(list.body).not.toContain('<b>Reset</b>');
    expect(list.body).not.toContain('Dropped');
    expect(list.body.indexOf('Reset')).toBeLessThan(list.body.indexOf('First'));

    const newest = inbox.messages()[0]!;
    const detail = await get(`/messages/${newest.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toContain('ann@example.com');
    expect(detail.body).toMatch(
      /<iframe sandbox="" [^>]*srcdoc="[^"]*&lt;script&gt;alert\(1\)&lt;\/script&gt;/,
    );
    expect(detail.body).not.toContain('<script>');
    expect(detail.body).toContain('<a href="https://example.com/reset?token=abc&amp;x=1"');
  });

  it('answers only to local host names', async () => {
    expect((await get('/', 'evil.example:8025')).status).toBe(403);
    expect((await get('/messages/999999')).status).toBe(404);
  });
});

describe('npm run dev on a machine without a database server', () => {
  it('prints how to get one (apt, brew, docker compose) and exits non-zero', async () => {
    const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
    const port = await freePort();
    const { DATABASE_URL: _db, SMTP_URL: _smtp, ...env } = process.env;
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [tsxCli, 'scripts/dev.ts'],
        // An empty search list: as if neither mariadbd nor mysqld were installed anywhere.
        {
          env: { ...env, NODE_ENV: 'development', PORT: String(port), HELPDESK_DB_BIN_DIRS: '' },
          timeout: 30_000,
        },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
            output: `${stdout}\n${stderr}`,
          }),
      );
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('No MariaDB or MySQL server binary');
    expect(result.output).toMatch(/apt-get install -y mariadb-server-core/);
    expect(result.output).toMatch(/brew install mariadb/);
    expect(result.output).toMatch(/docker compose up/);
  });
});
