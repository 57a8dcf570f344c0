import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminAuditLog,
  passwordResetTokens,
  type Role,
  refreshTokens,
  users,
} from '../../db/schema/index.js';
import { type AuditContext, record } from '../../src/modules/admin-audit/index.js';
import { sha256Hex } from '../../src/modules/auth/tokens.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, login, PASSWORD, register, type SignedIn, uniqueEmail } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';

// The admin audit log: every account change writes exactly one row per kind of change, in the change's
// transaction, with the actor, the target, the changed fields (never a secret) and the client address.

const env = useTestApp();

let admin: SignedIn & { password: string };
let agent: SignedIn;
let user: SignedIn;
/** Every password, hash and token these tests use: none may appear in an audit row. */
const secrets = new Set<string>();

const account = async (role: Role) => {
  const a = await env.db.database.use((db) => makeAccount(db, role));
  secrets.add(a.password);
  return { ...(await login(env.app.http, a)), password: a.password };
};
const remember = <S extends SignedIn>(s: S): S => {
  secrets.add(s.accessToken);
  secrets.add(s.refreshToken);
  return s;
};

beforeAll(async () => {
  admin = await account('admin');
  agent = await account('agent');
  user = await account('user');
  for (const s of [admin, agent, user]) remember(s);
});

const bearer = (s: SignedIn) => ['Authorization', `Bearer ${s.accessToken}`] as const;
const auditLog = (query: string, s: SignedIn = admin) =>
  env.app.http.get(`/api/v1/audit-log${query}`).set(...bearer(s));
const patchUser = (id: string | number, s: SignedIn, body: object) =>
  env.app.http
    .patch(`/api/v1/users/${id}`)
    .set(...bearer(s))
    .send(body);
const createUser = (s: SignedIn, body: object) =>
  env.app.http
    .post('/api/v1/users')
    .set(...bearer(s))
    .send(body);

/** The audit entries about one user, through the API, oldest first (the API gives newest first). */
async function entriesFor(userId: string | number) {
  const res = await auditLog(`?targetType=user&targetId=${userId}&limit=100`);
  expect(res.status, res.text).toBe(200);
  return [...res.body.data].reverse() as {
    id: string;
    action: string;
    actor: Record<string, unknown>;
    target: { type: string; id: string };
    changes: Record<string, unknown>;
    ip: string | null;
    createdAt: string;
  }[];
}
const actions = async (userId: string | number) => (await entriesFor(userId)).map((e) => e.action);
const countRows = async () =>
  Number(
    (await env.db.database.use((db) => db.select({ n: sql<number>`count(*)` }).from(adminAuditLog)))[0]!.n,
  );
/** The socket's peer: supertest connects over loopback (IPv4, or IPv4-mapped IPv6). */
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$/;
const adminActor = () => ({ type: 'user', id: admin.user.id, name: admin.user.name });

describe('GET /audit-log: who may read it', () => {
  it('admin 200; agent and user 403; no token 401', async () => {
    const res = await auditLog('');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: expect.any(Array) });
    expectProblem(await auditLog('', agent), 403, 'forbidden');
    expectProblem(await auditLog('', user), 403, 'forbidden');
    expectProblem(await env.app.http.get('/api/v1/audit-log'), 401, 'unauthorized');
  });

  it('is in the OpenAPI document as listAuditLog, with an example page', async () => {
    const doc = (await env.app.http.get('/openapi.json')).body;
    const op = doc.paths['/api/v1/audit-log'].get;
    expect(op.operationId).toBe('listAuditLog');
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '422']));
    expect(op.responses['200'].content['application/json'].example.data[0]).toMatchObject({
      action: 'user.role_changed',
      changes: { role: { from: 'agent', to: 'admin' } },
    });
  });
});

describe('what is recorded', () => {
  it('POST /users: one user.created by the admin, with the fields and the address; no password', async () => {
    const email = uniqueEmail('Audit');
    const res = await createUser(admin, { email, name: 'Nora New', role: 'agent', password: PASSWORD });
    expect(res.status, res.text).toBe(201);
    const entries = await entriesFor(res.body.id);
    expect(entries).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        action: 'user.created',
        actor: adminActor(),
        target: { type: 'user', id: res.body.id },
        changes: {
          email: { from: null, to: email.toLowerCase() },
          name: { from: null, to: 'Nora New' },
          role: { from: null, to: 'agent' },
        },
        ip: expect.stringMatching(LOOPBACK),
        createdAt: expect.stringMatching(/Z$/),
      },
    ]);
  });

  it('a refused creation (409 email_taken) writes nothing', async () => {
    const before = await countRows();
    const res = await createUser(admin, {
      email: agent.user.email,
      name: 'Dup',
      role: 'user',
      password: PASSWORD,
    });
    expectProblem(res, 409, 'email_taken');
    expect(await countRows()).toBe(before);
  });

  it('PATCH /users/:id: role, disable, enable, rename each once; a request changing two writes two', async () => {
    const target = await env.db.database.use((db) => makeAccount(db, 'agent', { name: 'Pat' }));
    expect((await patchUser(target.id, admin, { role: 'admin' })).status).toBe(200);
    expect((await patchUser(target.id, admin, { active: false })).status).toBe(200);
    expect((await patchUser(target.id, admin, { active: true })).status).toBe(200);
    expect((await patchUser(target.id, admin, { name: 'Patricia', role: 'agent' })).status).toBe(200);
    // Values the account already has change nothing, so they record nothing.
    expect(
      (await patchUser(target.id, admin, { name: 'Patricia', role: 'agent', active: true })).status,
    ).toBe(200);
    const entries = await entriesFor(target.id);
    expect(entries.map((e) => [e.action, e.changes])).toEqual([
      ['user.role_changed', { role: { from: 'agent', to: 'admin' } }],
      ['user.disabled', { active: { from: true, to: false } }],
      ['user.enabled', { active: { from: false, to: true } }],
      ['user.role_changed', { role: { from: 'admin', to: 'agent' } }],
      ['user.renamed', { name: { from: 'Pat', to: 'Patricia' } }],
    ]);
    for (const e of entries) {
      expect(e.actor).toEqual(adminActor());
      expect(e.ip).toMatch(LOOPBACK);
    }
  });

  it('a refused PATCH (403, 422) writes nothing', async () => {
    const target = await env.db.database.use((db) => makeAccount(db, 'user'));
    const before = await countRows();
    expectProblem(await patchUser(target.id, agent, { role: 'admin' }), 403, 'forbidden');
    expectProblem(await patchUser(target.id, admin, { role: 'root' }), 422, 'validation_failed');
    expect(await countRows()).toBe(before);
  });

  it('self-registration: user.registered, acted by the new user', async () => {
    const reg = remember(await register(env.app.http, { name: 'Reggie' }));
    secrets.add(reg.password);
    const entries = await entriesFor(reg.user.id);
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'user.registered',
        actor: { type: 'user', id: reg.user.id, name: 'Reggie' },
        target: { type: 'user', id: reg.user.id },
        changes: {
          email: { from: null, to: reg.email },
          name: { from: null, to: 'Reggie' },
          role: { from: null, to: 'user' },
        },
        ip: expect.stringMatching(LOOPBACK),
      }),
    ]);
  });

  it('PATCH /me: a rename is recorded, the email preference is not', async () => {
    const me = remember(await register(env.app.http, { name: 'Mia' }));
    const send = (body: object) =>
      env.app.http
        .patch('/api/v1/me')
        .set(...bearer(me))
        .send(body);
    expect((await send({ notifications: { email: false } })).status).toBe(200);
    expect((await send({ name: 'Mia Renamed' })).status).toBe(200);
    const entries = await entriesFor(me.user.id);
    expect(entries.map((e) => e.action)).toEqual(['user.registered', 'user.renamed']);
    expect(entries[1]).toMatchObject({
      actor: { type: 'user', id: me.user.id },
      changes: { name: { from: 'Mia', to: 'Mia Renamed' } },
    });
  });

  it('password changed by its owner: only that it changed; a wrong current password writes nothing', async () => {
    const owner = remember(await register(env.app.http));
    secrets.add(owner.password);
    const change = (currentPassword: string, newPassword: string) =>
      env.app.http
        .post('/api/v1/auth/password')
        .set(...bearer(owner))
        .send({ currentPassword, newPassword });
    const newPassword = `new-${randomBytes(8).toString('hex')}`;
    secrets.add(newPassword);
    expectProblem(await change('not the password', newPassword), 403, 'wrong_password');
    expect((await change(owner.password, newPassword)).status).toBe(204);
    const entries = await entriesFor(owner.user.id);
    expect(entries.map((e) => e.action)).toEqual(['user.registered', 'user.password_changed']);
    expect(entries[1]).toMatchObject({
      actor: { type: 'user', id: owner.user.id },
      changes: { password: { changed: true } },
      ip: expect.stringMatching(LOOPBACK),
    });
  });

  it('password reset confirmed: user.password_reset, acted by the token holder; a spent token writes nothing', async () => {
    const owner = remember(await register(env.app.http));
    // A reset token as the request route stores it (the email only carries it to the owner).
    const token = randomBytes(32).toString('base64url');
    secrets.add(token);
    await env.db.database.use(async (db) =>
      db.insert(passwordResetTokens).values({
        userId: Number(owner.user.id),
        tokenHash: await sha256Hex(token),
        expiresAt: new Date(Date.now() + 600_000),
      }),
    );
    const newPassword = `reset-${randomBytes(8).toString('hex')}`;
    secrets.add(newPassword);
    const confirm = () =>
      env.app.http.post('/api/v1/auth/password-reset/confirm').send({ token, newPassword });
    expect((await confirm()).status).toBe(204);
    expectProblem(await confirm(), 400, 'invalid_token');
    const entries = await entriesFor(owner.user.id);
    expect(entries.map((e) => [e.action, e.actor, e.changes])).toEqual([
      ['user.registered', expect.anything(), expect.anything()],
      [
        'user.password_reset',
        { type: 'user', id: owner.user.id, name: 'Ada Lovelace' },
        { password: { changed: true } },
      ],
    ]);
  });

  it('record() commits and rolls back with the transaction it is given', async () => {
    const ctx: AuditContext = {
      actor: { type: 'user', id: Number(admin.user.id), role: 'admin', sessionId: 1 },
      clock: env.app.clock,
      client: { ip: '198.51.100.9' },
    };
    const entry = { action: 'user.renamed', target: { type: 'user', id: 'rollback-probe' } } as const;
    await expect(
      env.db.database.use((db) =>
        db.transaction(async (tx) => {
          await record(tx, ctx, entry);
          throw new Error('the change failed after its audit row was written');
        }),
      ),
    ).rejects.toThrow('the change failed');
    expect(await entriesFor('rollback-probe')).toEqual([]);
    await env.db.database.use((db) => db.transaction((tx) => record(tx, ctx, entry)));
    expect(await entriesFor('rollback-probe')).toEqual([
      expect.objectContaining({ action: 'user.renamed', ip: '198.51.100.9', changes: {} }),
    ]);
  });

  it('record() stores only that a secret-named field changed, whatever the caller passes', async () => {
    const ctx: AuditContext = { actor: null, clock: env.app.clock, client: { ip: null } };
    await env.db.database.use((db) =>
      record(db, ctx, {
        action: 'user.updated',
        actor: { type: 'system', job: 'test' },
        target: { type: 'user', id: 'scrub-probe' },
        changes: {
          passwordHash: { from: 'old-hash-value', to: 'new-hash-value' },
          webhookSecret: { from: null, to: 'whsec_abc' },
          name: { from: 'a', to: 'b' },
        },
      }),
    );
    const [entry] = await entriesFor('scrub-probe');
    expect(entry).toMatchObject({
      actor: { type: 'system', job: 'test' },
      ip: null,
      changes: {
        passwordHash: { changed: true },
        webhookSecret: { changed: true },
        name: { from: 'a', to: 'b' },
      },
    });
  });
});

describe('filters and pages', () => {
  let subject: { id: number };
  let second: SignedIn;
  beforeAll(async () => {
    second = remember(await account('admin'));
    subject = await env.db.database.use((db) => makeAccount(db, 'user', { name: 'Filter Subject' }));
    // Alternate actors over one target, each change a row.
    for (let i = 0; i < 6; i++) {
      expect((await patchUser(subject.id, i % 2 ? second : admin, { name: `Filter ${i}` })).status).toBe(200);
    }
  });

  it('targetType+targetId, actorId and both together; newest first', async () => {
    const all = await auditLog(`?targetType=user&targetId=${subject.id}`);
    expect(all.body.data.map((e: { changes: { name: { to: string } } }) => e.changes.name.to)).toEqual(
      [5, 4, 3, 2, 1, 0].map((i) => `Filter ${i}`),
    );
    const bySecond = await auditLog(`?actorId=${second.user.id}`);
    expect(bySecond.body.data).toHaveLength(3);
    expect(bySecond.body.data.every((e: { actor: { id: string } }) => e.actor.id === second.user.id)).toBe(
      true,
    );
    const both = await auditLog(
      `?actorType=user&actorId=${admin.user.id}&targetType=user&targetId=${subject.id}`,
    );
    expect(both.body.data.map((e: { changes: { name: { to: string } } }) => e.changes.name.to)).toEqual([
      'Filter 4',
      'Filter 2',
      'Filter 0',
    ]);
    expect((await auditLog(`?actorType=api_key&actorId=${admin.user.id}`)).body.data).toEqual([]);
    expect((await auditLog(`?targetType=webhook`)).body).toEqual({ data: [], nextCursor: null });
  });

  it('after: only changes strictly after the instant', async () => {
    const all = (await auditLog(`?targetType=user&targetId=${subject.id}`)).body.data;
    const pivot = all[2].createdAt as string;
    const later = (await auditLog(`?targetType=user&targetId=${subject.id}&after=${pivot}`)).body.data;
    expect(later.every((e: { createdAt: string }) => e.createdAt > pivot)).toBe(true);
    expect(later.map((e: { id: string }) => e.id)).toEqual(
      all.filter((e: { createdAt: string }) => e.createdAt > pivot).map((e: { id: string }) => e.id),
    );
    expect(later.length).toBeGreaterThanOrEqual(2);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await auditLog(`?after=${future}`)).body.data).toEqual([]);
  });

  it('pages through everything with the cursor: no row twice, none missed, ties on the time broken by id', async () => {
    // Five rows with the very same timestamp, so only the id tells them apart.
    const frozen = new Date('2026-01-02T03:04:05.678Z');
    const ctx: AuditContext = { actor: null, clock: { now: () => frozen }, client: { ip: null } };
    await env.db.database.use((db) =>
      db.transaction(async (tx) => {
        for (let i = 0; i < 5; i++) {
          await record(tx, ctx, {
            action: 'user.renamed',
            actor: { type: 'system', job: 'test' },
            target: { type: 'user', id: 'tie-probe' },
            changes: { name: { from: i, to: i + 1 } },
          });
        }
      }),
    );
    const everything = (await auditLog('?limit=100')).body.data.map((e: { id: string }) => e.id);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await auditLog(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      sizes.push(res.body.data.length);
      seen.push(...res.body.data.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(everything.length).toBeLessThan(100);
    expect(seen).toEqual(everything);
    expect(sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
    const ties = (await auditLog('?targetType=user&targetId=tie-probe&limit=2')).body;
    const rest = (await auditLog(`?targetType=user&targetId=tie-probe&limit=10&cursor=${ties.nextCursor}`))
      .body;
    const ids = [...ties.data, ...rest.data].map((e: { id: string }) => Number(e.id));
    expect(ids).toHaveLength(5);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('bad filters are 422, a bad cursor 400, never a 500', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'actorId=abc',
      'actorId=0',
      'actorType=robot',
      'actorType=system&actorId=3',
      'targetType=planet',
      'targetId=5',
      `targetType=user&targetId=${'x'.repeat(65)}`,
      'after=yesterday',
    ]) {
      expectProblem(await auditLog(`?${query}`), 422, 'validation_failed');
    }
    expectProblem(await auditLog('?cursor=not-a-cursor'), 400, 'invalid_cursor');
    const wrongShape = Buffer.from(JSON.stringify(['not a date', 5])).toString('base64url');
    expectProblem(await auditLog(`?cursor=${wrongShape}`), 400, 'invalid_cursor');
  });
});

describe('no secret in any row', () => {
  it('holds none of the passwords, hashes and tokens the tests used, nor any stored hash', async () => {
    const stored = await env.db.database.use(async (db) => ({
      hashes: (await db.select({ h: users.passwordHash }).from(users)).flatMap((r) => (r.h ? [r.h] : [])),
      refresh: (await db.select({ h: refreshTokens.tokenHash }).from(refreshTokens)).map((r) => r.h),
      reset: (await db.select({ h: passwordResetTokens.tokenHash }).from(passwordResetTokens)).map(
        (r) => r.h,
      ),
      rows: await db.select().from(adminAuditLog),
    }));
    expect(stored.rows.length).toBeGreaterThan(10);
    const haystack = JSON.stringify(stored.rows);
    const apiPage = JSON.stringify((await auditLog('?limit=100')).body);
    const needles = [...secrets, PASSWORD, ...stored.hashes, ...stored.refresh, ...stored.reset];
    expect(needles.length).toBeGreaterThan(20);
    for (const needle of needles) {
      expect(haystack.includes(needle), 'an audit row holds a secret').toBe(false);
      expect(apiPage.includes(needle), 'the audit page holds a secret').toBe(false);
    }
    // Every password entry is the bare fact.
    for (const row of stored.rows) {
      const pw = row.changes?.password;
      if (pw) expect(pw).toEqual({ changed: true });
    }
  });
});

describe('the last active admin (its own database)', () => {
  const iso = useTestApp();
  const isoAdmin = async () => {
    const a = await iso.db.database.use((db) => makeAccount(db, 'admin'));
    return { ...(await login(iso.app.http, a)), id: a.id };
  };
  const isoPatch = (id: number, s: SignedIn, body: object) =>
    iso.app.http
      .patch(`/api/v1/users/${id}`)
      .set(...bearer(s))
      .send(body);
  const roleRows = () =>
    iso.db.database.use((db) =>
      db.select().from(adminAuditLog).where(eq(adminAuditLog.action, 'user.role_changed')),
    );

  it('two admins demoting each other at once: one change, one row; the refused one writes none', async () => {
    const a = await isoAdmin();
    const b = await isoAdmin();
    const [ab, ba] = await Promise.all([
      isoPatch(b.id, a, { role: 'agent' }),
      isoPatch(a.id, b, { role: 'agent' }),
    ]);
    const statuses = [ab.status, ba.status].sort();
    expect(statuses[0]).toBe(200);
    expect([401, 403, 409]).toContain(statuses[1]);
    const rows = await roleRows();
    expect(rows).toHaveLength(1);
    const winner = ab.status === 200 ? a : b;
    const loser = winner === a ? b : a;
    expect(rows[0]).toMatchObject({
      actorType: 'user',
      actorId: winner.id,
      targetId: String(loser.id),
      changes: { role: { from: 'admin', to: 'agent' } },
    });

    // The survivor is the last admin: demoting or disabling itself is refused and leaves no trace.
    expectProblem(await isoPatch(winner.id, winner, { role: 'user' }), 409, 'last_admin');
    expectProblem(await isoPatch(winner.id, winner, { active: false }), 409, 'last_admin');
    const all = await iso.db.database.use((db) => db.select().from(adminAuditLog));
    expect(all).toHaveLength(1);
  });
});
