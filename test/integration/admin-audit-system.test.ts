import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, users } from '../../db/schema/index.js';
import { systemClock } from '../../src/deps.js';
import { ensureFirstAdmin } from '../../src/modules/users/bootstrap.js';
import { insertUser } from '../../src/modules/users/repo.js';
import { hashPassword } from '../../src/passwords.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// Accounts made outside a request have no signed-in actor: the audit log names the system job that
// made them (`bootstrap` for ADMIN_EMAIL at start, `admin_cli` for `npm run admin:create`).

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

const rowsAbout = (userId: number) =>
  tdb.database.use((db) =>
    db
      .select()
      .from(adminAuditLog)
      .where(eq(adminAuditLog.targetId, String(userId)))
      .orderBy(asc(adminAuditLog.id)),
  );
const system = (job: string) => ({ actorType: 'system', actorId: null, actorLabel: job, ip: null });

describe('the first admin from ADMIN_EMAIL (bootstrap)', () => {
  it('writes one user.created by the system job `bootstrap`, and nothing when an admin exists', async () => {
    const admin = { email: 'First@Example.test', password: 'bootstrap-secret-1' };
    expect(await tdb.database.use((db) => ensureFirstAdmin(db, systemClock, admin, 4))).toBe('created');
    expect(await tdb.database.use((db) => ensureFirstAdmin(db, systemClock, admin, 4))).toBe('exists');
    const [row] = await tdb.database.use((db) =>
      db.select().from(users).where(eq(users.email, 'first@example.test')),
    );
    const audit = await rowsAbout(row!.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'user.created',
        ...system('bootstrap'),
        targetType: 'user',
        changes: {
          email: { from: null, to: 'first@example.test' },
          name: { from: null, to: 'Administrator' },
          role: { from: null, to: 'admin' },
        },
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(admin.password);
    expect(JSON.stringify(audit)).not.toContain(row!.passwordHash);
  });
});

describe('npm run admin:create', () => {
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
  const adminCreate = (args: string[]) =>
    new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [tsxCli, 'scripts/admin-create.ts', ...args],
        { env: { ...process.env, DATABASE_URL: tdb.url, BCRYPT_COST: '4' }, timeout: 20_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, output: `${stdout}\n${stderr}` });
        },
      );
    });

  it('a new admin: one user.created by `admin_cli`', async () => {
    const password = 'cli-created-secret';
    const res = await adminCreate(['--email', 'cli@example.test', '--password', password, '--name', 'Cli']);
    expect(res.code, res.output).toBe(0);
    const id = Number(/\(id (\d+)\)/.exec(res.output)?.[1]);
    const audit = await rowsAbout(id);
    expect(audit.map((r) => [r.action, r.actorType, r.actorLabel, r.changes])).toEqual([
      [
        'user.created',
        'system',
        'admin_cli',
        {
          email: { from: null, to: 'cli@example.test' },
          name: { from: null, to: 'Cli' },
          role: { from: null, to: 'admin' },
        },
      ],
    ]);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('promoting a disabled user: role_changed, enabled and password_reset, each once, no secret', async () => {
    const id = await tdb.database.use(async (db) => {
      const userId = await insertUser(db, systemClock, {
        email: 'promote@example.test',
        name: 'Pro',
        role: 'user',
        passwordHash: await hashPassword('old-password-1', 4),
      });
      await db.update(users).set({ active: false }).where(eq(users.id, userId));
      return userId;
    });
    const password = 'cli-promoted-secret';
    const res = await adminCreate(['--email', 'promote@example.test', '--password', password]);
    expect(res.code, res.output).toBe(0);
    const audit = await rowsAbout(id);
    expect(audit.map((r) => [r.action, r.changes])).toEqual([
      ['user.role_changed', { role: { from: 'user', to: 'admin' } }],
      ['user.enabled', { active: { from: false, to: true } }],
      ['user.password_reset', { password: { changed: true } }],
    ]);
    for (const r of audit) expect(r).toMatchObject(system('admin_cli'));
    const [row] = await tdb.database.use((db) => db.select().from(users).where(eq(users.id, id)));
    expect(JSON.stringify(audit)).not.toContain(password);
    expect(JSON.stringify(audit)).not.toContain(row!.passwordHash);
  });
});
