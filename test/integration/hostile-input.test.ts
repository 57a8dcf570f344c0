import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { messages, rateLimits } from '../../db/schema/index.js';
import { findUserByEmail } from '../../src/modules/users/repo.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem, PASSWORD, register } from '../helpers/auth.js';

// Input that looks valid to a client but used to reach the database or an email in a dangerous form:
// look-alike email addresses (issue 10 item 2), over-long passwords (item 9), tags the collation folds
// together and lone surrogates (item 7), control and bidi characters (item 8).
const env = useTestApp({ AUTH_RATE_LIMIT_PER_EMAIL: '3' });
const api = () => env.app.http;
const from = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

/** A victim account `victim-<hex>@example.test` and look-alikes the old accent-insensitive lookup folded onto it. */
async function victim() {
  const local = `victim-${randomBytes(4).toString('hex')}`;
  const account = await register(api(), { email: `${local}@example.test` });
  const variants = ['vìctim', 'víctim', 'vĩĉtim', 'VÍCTIM', 'ｖictim'].map(
    (v) => `${v}${local.slice('victim'.length)}@example.test`,
  );
  return { ...account, variants };
}

const login = (email: string, password: string) =>
  api().post('/api/v1/auth/login').set('X-Forwarded-For', from()).send({ email, password });

describe('login email: one string, one account (item 2)', () => {
  it('accent and width variants of an address do not log in as its owner: 422, no session', async () => {
    const v = await victim();
    for (const variant of v.variants) {
      const res = await login(variant, PASSWORD);
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors).toEqual([{ path: 'email', message: 'must be a valid email address' }]);
    }
    expect((await login(v.email.toUpperCase(), PASSWORD)).status).toBe(200);
  });

  it('the users lookup itself compares exactly (binary collation), whatever reaches it', async () => {
    const v = await victim();
    await env.db.database.use(async (db) => {
      expect((await findUserByEmail(db, v.email))?.email).toBe(v.email);
      for (const variant of v.variants) expect(await findUserByEmail(db, variant)).toBeNull();
    });
    // Registration compares the same way: the plain address is taken, in any case.
    const again = await api()
      .post('/api/v1/auth/register')
      .send({ email: v.email.toUpperCase(), password: PASSWORD, name: 'Again' });
    expectProblem(again, 409, 'email_taken');
  });

  it('wrong passwords through variants cannot get around the per-account limit', async () => {
    const v = await victim();
    // Variants that are not an email address at all are refused before they count against anything…
    for (const variant of v.variants) expect((await login(variant, 'wrong password')).status).toBe(422);
    // …and every spelling that is one lands in the victim's bucket: the 4th attempt is 429, even right.
    for (const spelling of [
      v.email,
      v.email.toUpperCase(),
      `${v.email[0]!.toUpperCase()}${v.email.slice(1)}`,
    ])
      expect((await login(spelling, 'wrong password')).status).toBe(401);
    expectProblem(await login(v.email, PASSWORD), 429, 'rate_limited');
  });

  it("an existing account's attempts are counted in a bucket keyed on its id, an unknown one's on the address", async () => {
    const v = await victim();
    const unknown = `Nobody-${randomBytes(4).toString('hex')}@Example.test`;
    await login(v.email, 'wrong password');
    await login(unknown, 'wrong password');
    const bucket = (s: string) => createHash('sha256').update(s).digest('hex');
    const rows = await env.db.database.use((db) =>
      db.select({ bucket: rateLimits.bucket, hits: rateLimits.hits }).from(rateLimits),
    );
    const hits = (key: string) => rows.find((r) => r.bucket === bucket(key))?.hits;
    expect(hits(`login:account:user:${v.user.id}`)).toBe(1);
    expect(hits(`login:account:email:${unknown.toLowerCase()}`)).toBe(1);
  });
});

describe('passwords over 72 bytes (item 9)', () => {
  const long = 'p'.repeat(72);

  it('login refuses them with 422 instead of matching on the first 72 bytes', async () => {
    const v = await register(api(), { password: long });
    const res = await login(v.email, `${long}-and-more`);
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ path: 'password', message: 'must be at most 72 bytes' }]);
    expect((await login(v.email, long)).status).toBe(200);
    // Bytes, not characters: 36 two-byte characters are 72 bytes, 37 are 74.
    expect((await login(v.email, 'é'.repeat(37))).status).toBe(422);
  });

  it('password change refuses an over-long current password the same way', async () => {
    const v = await register(api(), { password: long });
    const res = await api()
      .post('/api/v1/auth/password')
      .auth(v.accessToken, { type: 'bearer' })
      .send({ currentPassword: `${long}x`, newPassword: 'another good password' });
    expectProblem(res, 422, 'validation_failed');
    expect((await login(v.email, long)).status).toBe(200);
  });
});

describe('free text in tickets and accounts (items 7 and 8)', () => {
  let user: Actor;
  let agent: Actor;
  let admin: Actor;
  beforeAll(async () => {
    user = await signIn(api(), env.db.database, 'user');
    agent = await signIn(api(), env.db.database, 'agent');
    admin = await signIn(api(), env.db.database, 'admin');
  });
  const raise = async (body: Record<string, unknown>) =>
    api()
      .post('/api/v1/tickets')
      .set(...user.auth)
      .send({ subject: 'Printer on fire', body: 'It is on fire.', ...body });

  it('tags that differ only by accent are two tags; width variants are one (NFKC), not a 500', async () => {
    const res = await raise({ tags: ['cafe', 'café', 'x1', 'x１', 'ＣＡＦＥ'] });
    expect(res.status, res.text).toBe(201);
    expect(res.body.tags).toEqual(['cafe', 'café', 'x1']);
    const patched = await api()
      .patch(`/api/v1/tickets/${res.body.id}`)
      .set(...agent.auth)
      .set('If-Match', '"1"')
      .send({ tags: ['Café', 'cafe\u0301', 'resume', 'résumé'] });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.tags).toEqual(['café', 'resume', 'résumé']);
    const found = await api()
      .get(`/api/v1/tickets?tag=${encodeURIComponent('CAFÉ')}`)
      .set(...agent.auth);
    expect(found.body.data.map((t: { id: string }) => t.id)).toContain(res.body.id);
    const plain = await api()
      .get('/api/v1/tickets?tag=cafe')
      .set(...agent.auth);
    expect(plain.body.data.map((t: { id: string }) => t.id)).not.toContain(res.body.id);
  });

  it('a lone surrogate in a subject, body, reason or name is a 422 naming the field, never a 500', async () => {
    const lone = 'a\ud800b';
    const created = await raise({});
    const id = created.body.id as string;
    const cases = [
      ['subject', raise({ subject: lone })],
      ['body', raise({ body: lone })],
      [
        'body',
        api()
          .post(`/api/v1/tickets/${id}/messages`)
          .set(...user.auth)
          .send({ body: lone }),
      ],
      [
        'reason',
        api()
          .post(`/api/v1/tickets/${id}/transitions`)
          .set(...agent.auth)
          .send({ to: 'open', reason: lone }),
      ],
      [
        'name',
        api()
          .patch('/api/v1/me')
          .set(...user.auth)
          .send({ name: lone }),
      ],
      ['password', api().post('/api/v1/auth/login').send({ email: user.email, password: lone })],
    ] as const;
    for (const [field, request] of cases) {
      const res = await request;
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors).toContainEqual({
        path: field,
        message: 'must be valid Unicode text (it holds an unpaired surrogate)',
      });
    }
    // A well-formed astral character (a surrogate pair in JSON) is fine.
    expect((await raise({ subject: 'Printer 🔥', body: '🔥🔥' })).status).toBe(201);
  });

  const LINE =
    'must be a single line without control or invisible formatting characters (such as U+200B or U+202E)';
  const sneaky = [
    'Ada\r\nBcc: all@example.com',
    'Ada\tLovelace',
    'Ada\u200bLovelace',
    'Ada \u202eecalevoL',
    'Ada\u2066x\u2069',
    'A\ufeffda',
    'Ada\u0085',
    'Ada\u2028x',
  ];

  it('names: control, line-break and invisible characters are 422 on register, PATCH /me, POST and PATCH /users', async () => {
    const target = await signIn(api(), env.db.database, 'user');
    for (const name of sneaky) {
      const attempts = [
        api()
          .post('/api/v1/auth/register')
          .send({ email: `n-${randomBytes(4).toString('hex')}@example.test`, password: PASSWORD, name }),
        api()
          .patch('/api/v1/me')
          .set(...user.auth)
          .send({ name }),
        api()
          .post('/api/v1/users')
          .set(...admin.auth)
          .send({
            email: `s-${randomBytes(4).toString('hex')}@example.test`,
            password: PASSWORD,
            role: 'agent',
            name,
          }),
        api()
          .patch(`/api/v1/users/${target.id}`)
          .set(...admin.auth)
          .send({ name }),
      ];
      for (const res of await Promise.all(attempts)) {
        expectProblem(res, 422, 'validation_failed');
        expect(res.body.errors).toContainEqual({ path: 'name', message: LINE });
      }
    }
    // Scripts that need ZWNJ/ZWJ, accents and emoji are names like any other.
    for (const name of ['Zoë Ångström', 'می‌خواهم', '👩‍💻 Ada']) {
      const res = await api()
        .patch('/api/v1/me')
        .set(...user.auth)
        .send({ name });
      expect(res.status, res.text).toBe(200);
      expect(res.body.name).toBe(name);
    }
  });

  it('subjects and transition reasons: the same characters are 422 on create, PATCH and transitions', async () => {
    const created = await raise({});
    const id = created.body.id as string;
    for (const text of sneaky) {
      const create = await raise({ subject: text });
      expectProblem(create, 422, 'validation_failed');
      expect(create.body.errors).toContainEqual({ path: 'subject', message: LINE });
      const patch = await api()
        .patch(`/api/v1/tickets/${id}`)
        .set(...agent.auth)
        .send({ subject: text });
      expectProblem(patch, 422, 'validation_failed');
      const move = await api()
        .post(`/api/v1/tickets/${id}/transitions`)
        .set(...agent.auth)
        .send({ to: 'open', reason: text });
      expectProblem(move, 422, 'validation_failed');
      expect(move.body.errors).toContainEqual({ path: 'reason', message: LINE });
    }
  });

  it('bodies keep line breaks and tabs (CRLF stored as LF) but refuse NUL, other controls and bidi overrides', async () => {
    const ok = await raise({ body: 'line one\r\nline two\rline three\n\tindented' });
    expect(ok.status, ok.text).toBe(201);
    const [stored] = await env.db.database.use((db) =>
      db
        .select({ body: messages.body })
        .from(messages)
        .where(eq(messages.ticketId, Number(ok.body.id))),
    );
    expect(stored!.body).toBe('line one\nline two\nline three\n\tindented');
    for (const body of ['a\u0000b', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u202eb', 'a\u2067b']) {
      const res = await api()
        .post(`/api/v1/tickets/${ok.body.id}/messages`)
        .set(...user.auth)
        .send({ body });
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors[0].path).toBe('body');
    }
  });
});
