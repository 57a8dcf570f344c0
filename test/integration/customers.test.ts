import { createAdaptorServer } from '@hono/node-server';
import { and, eq } from 'drizzle-orm';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { adminAuditLog, users } from '../../db/schema/index.js';
import { createApp } from '../../src/app.js';
import { timingDummy } from '../../src/modules/auth/service.js';
import { findOrCreateCustomer } from '../../src/modules/users/index.js';
import { inlineHasher, type PasswordHasher } from '../../src/passwords.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, uniqueEmail } from '../helpers/auth.js';
import { makeAccount, makeUser } from '../helpers/factories.js';
import { useMailbox } from '../helpers/mailbox.js';

// Password-less customer accounts (`findOrCreateCustomer`): made from an address by a key, an agent or an
// inbound email; verified, audited, race-safe; they cannot log in until a password reset sets one.

const env = useTestApp();
const mail = useMailbox(env);

const adminActor = (id: number) => ({ type: 'user', id, role: 'admin', sessionId: 1 }) as const;
const ctxOf = (actorId: number) => ({
  actor: adminActor(actorId),
  clock: env.app.clock,
  client: { ip: '203.0.113.9' },
});

/** Runs findOrCreateCustomer in its own transaction, as a route would. */
const call = (actorId: number, input: { email: string; name?: string }) =>
  env.db.database.use((db) => db.transaction((tx) => findOrCreateCustomer(tx, ctxOf(actorId), input)));

const mk = (opts: Parameters<typeof makeUser>[1]) => env.db.database.use((db) => makeUser(db, opts));
const acct = (...args: [Parameters<typeof makeAccount>[1]?, Parameters<typeof makeAccount>[2]?]) =>
  env.db.database.use((db) => makeAccount(db, ...args));
const userRow = async (id: number) =>
  (await env.db.database.use((db) => db.select().from(users).where(eq(users.id, id))))[0]!;
const createdRows = (id: number) =>
  env.db.database.use((db) =>
    db
      .select()
      .from(adminAuditLog)
      .where(and(eq(adminAuditLog.targetType, 'user'), eq(adminAuditLog.targetId, String(id)))),
  );

describe('findOrCreateCustomer', () => {
  it('creates a password-less, verified user named after the local part, with one audit row', async () => {
    const admin = await mk({ role: 'admin' });
    const local = `Cust.${Date.now()}`;
    const res = await call(admin.id, { email: `  ${local}@Example.TEST ` });
    expect(res.created).toBe(true);
    const row = await userRow(res.id);
    expect(row).toMatchObject({
      email: `${local.toLowerCase()}@example.test`,
      name: local.toLowerCase(),
      role: 'user',
      passwordHash: null,
      emailVerified: true,
      active: true,
    });
    const audit = await createdRows(res.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'user.created',
        actorType: 'user',
        actorId: admin.id,
        ip: '203.0.113.9',
        changes: {
          email: { from: null, to: row.email },
          name: { from: null, to: row.name },
          role: { from: null, to: 'user' },
        },
      }),
    ]);
  });

  it('finds an existing account however the address is spelled, writing nothing', async () => {
    const admin = await mk({ role: 'admin' });
    const existing = await acct('user', { name: 'Has A Password' });
    const res = await call(admin.id, { email: ` ${existing.email.toUpperCase()}\t`, name: 'Other Name' });
    expect(res).toEqual({ id: existing.id, created: false });
    const row = await userRow(existing.id);
    expect(row.name).toBe('Has A Password');
    expect(row.passwordHash).not.toBeNull();
    expect(await createdRows(existing.id)).toEqual([]);
  });

  it('returns a disabled account as found (the caller decides)', async () => {
    const admin = await mk({ role: 'admin' });
    const disabled = await acct('user', { active: false });
    expect(await call(admin.id, { email: disabled.email })).toEqual({ id: disabled.id, created: false });
  });

  it('uses a given name (trimmed), and the local part when the name is blank', async () => {
    const admin = await mk({ role: 'admin' });
    const named = await call(admin.id, { email: uniqueEmail('named'), name: '  Zoë Ü  ' });
    expect((await userRow(named.id)).name).toBe('Zoë Ü');
    const email = uniqueEmail('blank');
    const blank = await call(admin.id, { email, name: '   ' });
    expect((await userRow(blank.id)).name).toBe(email.split('@')[0]);
  });

  it('an unusually long local part still makes a name the column holds', async () => {
    const admin = await mk({ role: 'admin' });
    const res = await call(admin.id, { email: `${'x'.repeat(250)}@example.test` });
    expect((await userRow(res.id)).name).toBe('x'.repeat(200));
  });

  it('10 concurrent calls for one new address make one account and one audit row', async () => {
    const admin = await mk({ role: 'admin' });
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(admin.id, { email: i % 2 ? email.toUpperCase() : email })),
    );
    const ids = new Set(results.map((r) => r.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const rows = await env.db.database.use((db) => db.select().from(users).where(eq(users.email, email)));
    expect(rows).toHaveLength(1);
    expect(await createdRows(rows[0]!.id)).toHaveLength(1);
  });

  it('rolls back with the caller: no account and no audit row when the transaction fails', async () => {
    const admin = await mk({ role: 'admin' });
    const email = uniqueEmail('rollback');
    await expect(
      env.db.database.use((db) =>
        db.transaction(async (tx) => {
          await findOrCreateCustomer(tx, ctxOf(admin.id), { email });
          throw new Error('the change that needed the account failed');
        }),
      ),
    ).rejects.toThrow('failed');
    expect(await env.db.database.use((db) => db.select().from(users).where(eq(users.email, email)))).toEqual(
      [],
    );
  });
});

describe('logging in to a password-less account', () => {
  const loginAs = (http: ReturnType<typeof supertest>, email: string, password: string) =>
    http.post('/api/v1/auth/login').send({ email, password });

  it('answers 401 invalid_credentials exactly like a wrong password, after the same single bcrypt', async () => {
    // A hasher that records what each verify compared against, to see every path do one bcrypt.
    const verified: string[] = [];
    const counting: PasswordHasher = {
      hash: inlineHasher.hash,
      verify: (password, hash) => {
        verified.push(hash);
        return inlineHasher.verify(password, hash);
      },
    };
    const app = createApp({ ...env.app.deps, passwords: counting });
    const http = supertest(createAdaptorServer({ fetch: app.fetch }));
    const admin = await mk({ role: 'admin' });
    const email = uniqueEmail('nopw');
    await call(admin.id, { email });
    const withPassword = await acct();
    const dummy = await timingDummy(env.app.deps.config.bcryptCost);

    const answers = [];
    for (const [who, password] of [
      [email, 'any password at all'],
      // The dummy's own password must not open a password-less account.
      [email, 'not-a-real-password'],
      [withPassword.email, 'the wrong password'],
      [uniqueEmail('nobody'), 'not-a-real-password'],
    ] as const) {
      verified.length = 0;
      const res = await loginAs(http, who, password);
      expectProblem(res, 401, 'invalid_credentials');
      expect(verified).toHaveLength(1);
      // Everything but the per-request id.
      const { requestId: _id, instance: _instance, ...answer } = res.body;
      answers.push(answer);
    }
    expect(new Set(answers.map((b) => JSON.stringify(b))).size, JSON.stringify(answers)).toBe(1);
    // Null hash and unknown address compare against the dummy; a wrong password against the real hash.
    verified.length = 0;
    await loginAs(http, email, 'x-password');
    expect(verified).toEqual([dummy]);
  });

  it('a password reset sets a password, and then login works', async () => {
    const admin = await mk({ role: 'admin' });
    const email = uniqueEmail('reset');
    const { id } = await call(admin.id, { email });
    expect((await env.app.http.post('/api/v1/auth/password-reset').send({ email })).status).toBe(202);
    await mail.deliver();
    const text = mail.sink.messages.filter((m) => m.envelopeTo.includes(email)).at(-1)?.parsed.text ?? '';
    const token = /^([A-Za-z0-9_-]{43})$/m.exec(text)?.[1];
    expect(token, text).toBeDefined();
    const confirm = await env.app.http
      .post('/api/v1/auth/password-reset/confirm')
      .send({ token, newPassword: 'customer chose this one' });
    expect(confirm.status).toBe(204);
    expect((await userRow(id)).passwordHash).toMatch(/^\$2b\$/);
    expect((await loginAs(env.app.http, email, 'customer chose this one')).status).toBe(200);
  });
});
