import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, users } from '../../db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, login, PASSWORD, register, type SignedIn, uniqueEmail } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';

const env = useTestApp();

type Account = Awaited<ReturnType<typeof makeAccount>>;
const account = (role: Role, opts: { name?: string; active?: boolean } = {}) =>
  env.db.database.use((db) => makeAccount(db, role, opts));

let admin: SignedIn;
let agent: SignedIn;
let user: SignedIn;
beforeAll(async () => {
  admin = await login(env.app.http, await account('admin'));
  agent = await login(env.app.http, await account('agent'));
  user = await login(env.app.http, await account('user'));
});

const get = (path: string, s: SignedIn) =>
  env.app.http.get(`/api/v1${path}`).auth(s.accessToken, { type: 'bearer' });
const patch = (id: string | number, s: SignedIn, body: object) =>
  env.app.http.patch(`/api/v1/users/${id}`).auth(s.accessToken, { type: 'bearer' }).send(body);
const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((u) => u.id);

/** Accounts named `<tag> …` for one test, so list assertions see exactly them. */
async function tagged(roles: Role[], opts: { active?: boolean } = {}) {
  const tag = `T${randomBytes(4).toString('hex')}`;
  const made: Account[] = [];
  for (const [i, role] of roles.entries()) made.push(await account(role, { name: `${tag} ${i}`, ...opts }));
  return { tag, made };
}

describe('GET /users', () => {
  it('pages an admin through every account in id order', async () => {
    const { tag, made } = await tagged(['user', 'agent', 'admin', 'user', 'user']);
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const res = await get(`/users?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin);
      expect(res.status).toBe(200);
      sizes.push(res.body.data.length);
      seen.push(...ids(res));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(made.map((a) => String(a.id)));
  });

  it('filters by role, active and a substring of name or email (case-insensitive, wildcards literal)', async () => {
    const { tag, made } = await tagged(['user', 'agent', 'admin']);
    const { made: off } = await tagged(['agent'], { active: false });
    expect(ids(await get(`/users?q=${tag}&role=agent`, admin))).toEqual([String(made[1]!.id)]);
    const inactive = await get(`/users?active=false&role=agent&limit=100`, admin);
    expect(ids(inactive)).toContain(String(off[0]!.id));
    expect(inactive.body.data.every((u: { active: boolean }) => !u.active)).toBe(true);
    expect(ids(await get(`/users?q=${tag.toLowerCase()}&active=true`, admin))).toHaveLength(3);
    const byEmail = made[2]!.email.slice(0, 12).toUpperCase();
    expect(ids(await get(`/users?q=${byEmail}`, admin))).toEqual([String(made[2]!.id)]);

    const literal = await account('user', { name: `${tag}_%x` });
    await account('user', { name: `${tag}abx` }); // would match if _ and % were wildcards
    expect(ids(await get(`/users?q=${encodeURIComponent(`${tag}_%`)}`, admin))).toEqual([String(literal.id)]);
  });

  it('shows an agent staff only', async () => {
    const { tag, made } = await tagged(['user', 'agent', 'admin']);
    const res = await get(`/users?q=${tag}`, agent);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([String(made[1]!.id), String(made[2]!.id)]);
    expect((await get(`/users?q=${tag}&role=user`, agent)).body).toEqual({ data: [], nextCursor: null });
  });

  it('403 for a plain user, 401 without a token', async () => {
    expectProblem(await get('/users', user), 403, 'forbidden');
    expectProblem(await env.app.http.get('/api/v1/users'), 401, 'unauthorized');
  });

  it('400 invalid_cursor, 422 for bad filters', async () => {
    expectProblem(await get('/users?cursor=not-a-cursor', admin), 400, 'invalid_cursor');
    for (const query of ['limit=0', 'limit=101', 'role=boss', 'active=maybe', 'q=']) {
      expectProblem(await get(`/users?${query}`, admin), 422, 'validation_failed');
    }
  });
});

describe('GET /users/:id', () => {
  it('staff read any account; a user reads only their own', async () => {
    const target = await account('user', { name: 'Target' });
    for (const caller of [admin, agent]) {
      const res = await get(`/users/${target.id}`, caller);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: String(target.id),
        email: target.email,
        name: 'Target',
        role: 'user',
        active: true,
        emailVerified: true,
        notifications: { email: true },
        createdAt: expect.stringMatching(/Z$/),
      });
    }
    expect((await get(`/users/${user.user.id}`, user)).body.id).toBe(user.user.id);
    expectProblem(await get(`/users/${target.id}`, user), 403, 'forbidden');
  });

  it('404 for staff on an unknown id; a user gets the same 403 as for any other id', async () => {
    expectProblem(await get('/users/999999999', admin), 404, 'not_found');
    expectProblem(await get('/users/999999999', user), 403, 'forbidden');
  });

  it('404 for everyone on an id that cannot exist (parsed at the edge, before any permission check)', async () => {
    for (const id of ['abc', '0', '007', '99999999999999999']) {
      expectProblem(await get(`/users/${id}`, admin), 404, 'not_found');
      expectProblem(await get(`/users/${id}`, user), 404, 'not_found');
    }
  });
});

describe('POST /users', () => {
  const create = (s: SignedIn, body: object) =>
    env.app.http.post('/api/v1/users').auth(s.accessToken, { type: 'bearer' }).send(body);

  it('an admin creates a staff account that can log in at once', async () => {
    const email = uniqueEmail('Staff');
    const res = await create(admin, { email, name: 'New Agent', role: 'agent', password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: email.toLowerCase(),
      name: 'New Agent',
      role: 'agent',
      active: true,
    });
    expect(res.headers.location).toBe(`/api/v1/users/${res.body.id}`);
    const fetched = await env.app.http.get(res.headers.location!).auth(admin.accessToken, { type: 'bearer' });
    expect(fetched.body).toEqual(res.body);
    const session = await login(env.app.http, { email, password: PASSWORD });
    expect(session.user.role).toBe('agent');
  });

  it('409 email_taken, whatever the case', async () => {
    const existing = await account('user');
    const res = await create(admin, {
      email: existing.email.toUpperCase(),
      name: 'Dup',
      role: 'user',
      password: PASSWORD,
    });
    expectProblem(res, 409, 'email_taken');
  });

  it('422 for a weak password, an unknown role or a missing name', async () => {
    const base = { email: uniqueEmail(), name: 'N', role: 'agent', password: PASSWORD };
    const cases: [object, string][] = [
      [{ ...base, password: 'short' }, 'password'],
      [{ ...base, role: 'root' }, 'role'],
      [{ ...base, name: '   ' }, 'name'],
    ];
    for (const [body, path] of cases) {
      const res = await create(admin, body);
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
  });

  it('403 for an agent or a user, and nothing is created', async () => {
    const email = uniqueEmail();
    for (const caller of [agent, user]) {
      expectProblem(
        await create(caller, { email, name: 'X', role: 'admin', password: PASSWORD }),
        403,
        'forbidden',
      );
    }
    const rows = await env.db.database.use((db) => db.select().from(users).where(eq(users.email, email)));
    expect(rows).toEqual([]);
  });
});

describe('PATCH /users/:id', () => {
  it('an admin renames and promotes; the new role applies to tokens already issued', async () => {
    const target = await register(env.app.http);
    expectProblem(await get('/users', target), 403, 'forbidden');
    const res = await patch(target.user.id, admin, { name: ' Promoted ', role: 'agent' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: target.user.id, name: 'Promoted', role: 'agent', active: true });
    expect((await get('/users', target)).status).toBe(200);
  });

  it('disabling revokes every session at once; re-enabling lets the user log in again', async () => {
    const target = await register(env.app.http);
    const second = await login(env.app.http, target, 'Second/1.0');
    const res = await patch(target.user.id, admin, { active: false });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    for (const s of [target, second]) {
      expect((await get('/me', s)).status).toBe(401);
      const refreshed = await env.app.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: s.refreshToken });
      expect(refreshed.status).toBe(401);
    }
    const blocked = await env.app.http
      .post('/api/v1/auth/login')
      .send({ email: target.email, password: PASSWORD });
    expectProblem(blocked, 403, 'account_disabled');

    expect((await patch(target.user.id, admin, { active: true })).body.active).toBe(true);
    expect((await login(env.app.http, target)).user.id).toBe(target.user.id);
    // The old sessions stay ended.
    expect((await get('/me', second)).status).toBe(401);
  });

  it('403 for an agent, for a user on another account, and for a user changing their own role', async () => {
    const target = await account('user');
    expectProblem(await patch(target.id, agent, { name: 'Nope' }), 403, 'forbidden');
    expectProblem(await patch(target.id, user, { name: 'Nope' }), 403, 'forbidden');
    expectProblem(await patch(user.user.id, user, { role: 'admin' }), 403, 'forbidden');
    expectProblem(await patch(agent.user.id, agent, { active: false }), 403, 'forbidden');
    expect((await get(`/users/${user.user.id}`, admin)).body.role).toBe('user');
    expect((await get(`/users/${target.id}`, admin)).body.name).toBe(target.name);
  });

  it('404 for an unknown id; 422 for unknown fields or a bad value', async () => {
    expectProblem(await patch(999999999, admin, { name: 'X' }), 404, 'not_found');
    expectProblem(await patch('abc', admin, { name: 'X' }), 404, 'not_found');
    const target = await account('user');
    const unknown = await patch(target.id, admin, { email: 'new@example.test' });
    expectProblem(unknown, 422, 'validation_failed');
    expectProblem(await patch(target.id, admin, { active: 'no' }), 422, 'validation_failed');
    expectProblem(await patch(target.id, admin, { role: 'root' }), 422, 'validation_failed');
  });
});

describe('the last active admin', () => {
  // Its own database: these tests need to know every admin there is.
  const iso = useTestApp();
  const admins = async (n: number) => {
    const sessions: (SignedIn & { id: number })[] = [];
    for (let i = 0; i < n; i++) {
      const a = await iso.db.database.use((db) => makeAccount(db, 'admin'));
      sessions.push({ ...(await login(iso.app.http, a)), id: a.id });
    }
    return sessions;
  };
  const patchIso = (id: number, s: SignedIn, body: object) =>
    iso.app.http.patch(`/api/v1/users/${id}`).auth(s.accessToken, { type: 'bearer' }).send(body);
  const activeAdmins = async () =>
    (await iso.db.database.use((db) => db.select().from(users))).filter(
      (u) => u.role === 'admin' && u.active,
    );

  it('cannot be demoted or disabled (409 last_admin); with two, one may go', async () => {
    const [a, b] = await admins(2);
    expect((await patchIso(b!.id, a!, { role: 'agent' })).status).toBe(200);
    expectProblem(await patchIso(a!.id, a!, { role: 'user' }), 409, 'last_admin');
    expectProblem(await patchIso(a!.id, a!, { active: false }), 409, 'last_admin');
    // Renaming the last admin, or "changing" the role to admin, is fine.
    expect((await patchIso(a!.id, a!, { name: 'Still here', role: 'admin', active: true })).status).toBe(200);
    expect((await activeAdmins()).map((u) => u.id)).toEqual([a!.id]);
    // Clean up for the next test: only ever one active admin left behind, and it is demoted via SQL.
    await iso.db.database.use((db) => db.update(users).set({ role: 'user' }).where(eq(users.id, a!.id)));
  });

  it('two admins demoting each other at the same moment: exactly one succeeds', async () => {
    let raced = 0;
    for (let round = 0; round < 8; round++) {
      const [a, b] = await admins(2);
      const [ab, ba] = await Promise.all([
        patchIso(b!.id, a!, round % 2 ? { active: false } : { role: 'agent' }),
        patchIso(a!.id, b!, { role: 'user' }),
      ]);
      const statuses = [ab!.status, ba!.status].sort();
      // The loser gets 409 when both requests were past authentication when the first committed; a loser
      // that arrived later is already demoted (403) or signed out (401). Never both 200.
      expect(statuses[0]).toBe(200);
      expect([401, 403, 409]).toContain(statuses[1]);
      if (statuses[1] === 409) raced++;
      expect(await activeAdmins()).toHaveLength(1);
      await iso.db.database.use((db) =>
        db.update(users).set({ role: 'user' }).where(eq(users.role, 'admin')),
      );
    }
    expect(raced, 'no round actually raced').toBeGreaterThan(0);
  });
});

describe('PATCH /me', () => {
  const patchMe = (s: SignedIn, body: object) =>
    env.app.http.patch('/api/v1/me').auth(s.accessToken, { type: 'bearer' }).send(body);

  it('changes name and email preference; omitted fields stay', async () => {
    const s = await register(env.app.http);
    const named = await patchMe(s, { name: ' Grace ' });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ name: 'Grace', notifications: { email: true } });
    const optOut = await patchMe(s, { notifications: { email: false } });
    expect(optOut.body).toMatchObject({ name: 'Grace', notifications: { email: false } });
    expect((await get('/me', s)).body).toEqual(optOut.body);
    const row = await env.db.database.use((db) =>
      db
        .select()
        .from(users)
        .where(eq(users.id, Number(s.user.id))),
    );
    expect(row[0]!.notifyByEmail).toBe(false);
  });

  it('an empty body changes nothing', async () => {
    const s = await register(env.app.http);
    const res = await patchMe(s, {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual((await get('/me', s)).body);
  });

  it('422 for unknown fields (no self-promotion by PATCH /me) or bad values, and nothing changes', async () => {
    const s = await register(env.app.http);
    for (const body of [
      { role: 'admin' },
      { email: 'x@example.test' },
      { notifications: { email: 'no' } },
      { name: '' },
    ]) {
      expectProblem(await patchMe(s, body), 422, 'validation_failed');
    }
    expect((await get('/me', s)).body).toMatchObject({ role: 'user', name: 'Ada Lovelace', email: s.email });
  });

  it('401 without a token', async () => {
    expectProblem(await env.app.http.patch('/api/v1/me').send({ name: 'X' }), 401, 'unauthorized');
  });
});

describe('OpenAPI', () => {
  it('documents every accounts and users route, with bearer security and its error responses', async () => {
    const doc = (await env.app.http.get('/openapi.json')).body;
    const expected: [string, string, string[]][] = [
      ['/api/v1/auth/logout-all', 'post', ['204', '401']],
      ['/api/v1/auth/sessions', 'get', ['200', '401']],
      ['/api/v1/auth/sessions/{id}', 'delete', ['204', '401', '404']],
      ['/api/v1/auth/password', 'post', ['204', '400', '401', '403', '422', '429']],
      ['/api/v1/me', 'patch', ['200', '400', '401', '403', '422']],
      ['/api/v1/users', 'get', ['200', '400', '401', '403', '422']],
      ['/api/v1/users', 'post', ['201', '400', '401', '403', '409', '422']],
      ['/api/v1/users/{id}', 'get', ['200', '401', '403', '404']],
      ['/api/v1/users/{id}', 'patch', ['200', '400', '401', '403', '404', '409', '422']],
    ];
    for (const [path, method, statuses] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.security).toEqual([{ bearerAuth: [] }]);
      // Every authenticated operation is rate-limited per principal: 429 on each.
      expect(Object.keys(op.responses).sort()).toEqual([...new Set([...statuses, '429'])].sort());
    }
    for (const [path, statuses] of [
      ['/api/v1/auth/password-reset', ['202', '400', '422', '429']],
      ['/api/v1/auth/password-reset/confirm', ['204', '400', '422', '429']],
    ] as const) {
      const op = doc.paths[path].post;
      expect(op.security).toEqual([]); // public: says so explicitly
      expect(Object.keys(op.responses).sort()).toEqual([...statuses].sort());
    }
    expect(doc.components.schemas.User.properties.notifications).toBeDefined();
    expect(JSON.stringify(doc.paths['/api/v1/me'].patch)).toMatch(/password-reset emails are still sent/);
  });

  it('authenticates before it validates: no token and a bad body is 401, not 422', async () => {
    expectProblem(await env.app.http.post('/api/v1/users').send({}), 401, 'unauthorized');
    expectProblem(await env.app.http.patch('/api/v1/users/1').send({ bogus: 1 }), 401, 'unauthorized');
  });
});
