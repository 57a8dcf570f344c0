import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, apiKeys } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/auth.js';

// API keys: made by admins, shown once, stored as a hash, revocable at once, expiring, audited.

const env = useTestApp();
let admin: Actor;
let agent: Actor;
let user: Actor;

beforeAll(async () => {
  admin = await signIn(env.app.http, env.db.database, 'admin');
  agent = await signIn(env.app.http, env.db.database, 'agent');
  user = await signIn(env.app.http, env.db.database, 'user');
});

const createKey = (body: object, who: { auth: [string, string] } = admin) =>
  env.app.http
    .post('/api/v1/api-keys')
    .set(...who.auth)
    .send(body);
const bearer = (key: string): [string, string] => ['Authorization', `Bearer ${key}`];
const keyRow = async (id: string) =>
  (
    await env.db.database.use((db) =>
      db
        .select()
        .from(apiKeys)
        .where(eq(apiKeys.id, Number(id))),
    )
  )[0]!;
const auditAbout = (id: string) =>
  env.db.database.use((db) =>
    db
      .select()
      .from(adminAuditLog)
      .where(and(eq(adminAuditLog.targetType, 'api_key'), eq(adminAuditLog.targetId, id)))
      .orderBy(asc(adminAuditLog.id)),
  );

describe('POST /api-keys', () => {
  it('201 with the key once (hd_ + 43 base64url chars); only its SHA-256 is stored; audited', async () => {
    const res = await createKey({
      name: ' CRM sync ',
      scopes: ['tickets:write', 'tickets:read', 'tickets:read'],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'CRM sync',
      scopes: ['tickets:read', 'tickets:write'],
      createdBy: admin.id,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(res.body.key).toMatch(/^hd_[A-Za-z0-9_-]{43}$/);
    expect(res.body.prefix).toBe(res.body.key.slice(0, 11));
    expect(res.headers.location).toBe(`/api/v1/api-keys/${res.body.id}`);
    const row = await keyRow(res.body.id);
    const { createHash } = await import('node:crypto');
    expect(row.keyHash).toBe(createHash('sha256').update(res.body.key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(res.body.key);
    const audit = await auditAbout(res.body.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'api_key.created',
        actorType: 'user',
        actorId: Number(admin.id),
        changes: {
          name: { from: null, to: 'CRM sync' },
          scopes: { from: null, to: ['tickets:read', 'tickets:write'] },
        },
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(res.body.key);
    expect(JSON.stringify(audit)).not.toContain(row.keyHash);
  });

  it('two keys never collide', async () => {
    const a = await createKey({ name: 'a', scopes: ['events:read'] });
    const b = await createKey({ name: 'b', scopes: ['events:read'] });
    expect(a.body.key).not.toBe(b.body.key);
  });

  it('422 unknown_scope naming each unknown scope', async () => {
    const res = await createKey({
      name: 'x',
      scopes: ['tickets:read', 'tickets:admin', 'TICKETS:READ', '*'],
    });
    expectProblem(res, 422, 'unknown_scope');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'scopes.1',
      'scopes.2',
      'scopes.3',
    ]);
  });

  it('422 validation_failed for no scopes, a bad name, a past or malformed expiry, unknown fields', async () => {
    for (const body of [
      { name: 'x', scopes: [] },
      { name: 'x' },
      { name: '', scopes: ['tickets:read'] },
      { name: 'a\nb', scopes: ['tickets:read'] },
      { name: 'x'.repeat(101), scopes: ['tickets:read'] },
      { name: 'x', scopes: ['tickets:read'], expiresAt: '2001-01-01T00:00:00Z' },
      { name: 'x', scopes: ['tickets:read'], expiresAt: 'tomorrow' },
      { name: 'x', scopes: ['tickets:read'], key: 'hd_mine' },
      { name: 'x', scopes: ['x'.repeat(10_000)] },
    ]) {
      expectProblem(await createKey(body), 422, 'validation_failed');
    }
  });

  it('403 for agents and users; keys never make keys (insufficient_scope)', async () => {
    expectProblem(await createKey({ name: 'x', scopes: ['tickets:read'] }, agent), 403, 'forbidden');
    expectProblem(await createKey({ name: 'x', scopes: ['tickets:read'] }, user), 403, 'forbidden');
    const all = await createKey({
      name: 'everything',
      scopes: [
        'tickets:write',
        'users:write',
        'events:read',
        'webhooks:manage',
        'inbound:write',
        'reports:read',
      ],
    });
    const byKey = await createKey({ name: 'x', scopes: ['tickets:read'] }, { auth: bearer(all.body.key) });
    expectProblem(byKey, 403, 'insufficient_scope');
  });
});

describe('GET /api-keys', () => {
  it('pages every key in id order without the key or its hash', async () => {
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push((await createKey({ name: `page ${i}`, scopes: ['events:read'] })).body);
    const seen: { id: string }[] = [];
    let cursor: string | null = null as string | null;
    do {
      const res = await env.app.http
        .get('/api/v1/api-keys')
        .query(cursor ? { limit: 2, cursor } : { limit: 2 })
        .set(...admin.auth);
      expect(res.status, res.text).toBe(200);
      for (const k of made) expect(res.text).not.toContain(k.key);
      expect(res.text).not.toMatch(/keyHash|key_hash|"key"/);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    const ids = seen.map((k) => Number(k.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const k of made) expect(ids).toContain(Number(k.id));
  });

  it('403 for an agent', async () => {
    expectProblem(await env.app.http.get('/api/v1/api-keys').set(...agent.auth), 403, 'forbidden');
  });
});

describe('authenticating with a key', () => {
  it('works on its routes; an unknown, malformed or truncated key is 401 invalid_api_key', async () => {
    const { body } = await createKey({ name: 'reader', scopes: ['tickets:read'] });
    expect((await env.app.http.get('/api/v1/tickets').set(...bearer(body.key))).status).toBe(200);
    // Upper-cased it is not even a key (the prefix is `hd_`): an invalid access token.
    expectProblem(
      await env.app.http.get('/api/v1/tickets').set(...bearer(body.key.toUpperCase())),
      401,
      'invalid_token',
    );
    for (const key of ['hd_', 'hd_x', body.key.slice(0, -1), `${body.key}x`, `hd_${'A'.repeat(10_000)}`]) {
      expectProblem(await env.app.http.get('/api/v1/tickets').set(...bearer(key)), 401, 'invalid_api_key');
    }
  });

  it('a revoked key is refused on its very next request; revoking again is a no-op; both audited once', async () => {
    const { body } = await createKey({ name: 'to revoke', scopes: ['tickets:read'] });
    const get = () => env.app.http.get('/api/v1/tickets').set(...bearer(body.key));
    expect((await get()).status).toBe(200);
    const del = () => env.app.http.delete(`/api/v1/api-keys/${body.id}`).set(...admin.auth);
    expect((await del()).status).toBe(204);
    expectProblem(await get(), 401, 'api_key_revoked');
    expect((await del()).status).toBe(204);
    expect((await keyRow(body.id)).revokedAt).toBeInstanceOf(Date);
    expect((await auditAbout(body.id)).map((r) => [r.action, r.actorId])).toEqual([
      ['api_key.created', Number(admin.id)],
      ['api_key.revoked', Number(admin.id)],
    ]);
  });

  it('DELETE: 404 for an unknown id, 403 for an agent (the key keeps working)', async () => {
    const { body } = await createKey({ name: 'kept', scopes: ['tickets:read'] });
    expectProblem(await env.app.http.delete('/api/v1/api-keys/999999').set(...admin.auth), 404, 'not_found');
    expectProblem(
      await env.app.http.delete(`/api/v1/api-keys/${body.id}`).set(...agent.auth),
      403,
      'forbidden',
    );
    expect((await env.app.http.get('/api/v1/tickets').set(...bearer(body.key))).status).toBe(200);
  });

  it('an expired key is 401 api_key_expired from the moment it expires', async () => {
    const expiresAt = new Date(env.app.clock.now().getTime() + 60_000).toISOString();
    const { body } = await createKey({ name: 'short-lived', scopes: ['tickets:read'], expiresAt });
    expect(body.expiresAt).toBe(expiresAt);
    expect((await env.app.http.get('/api/v1/tickets').set(...bearer(body.key))).status).toBe(200);
    env.app.clock.advance(61_000);
    expectProblem(await env.app.http.get('/api/v1/tickets').set(...bearer(body.key)), 401, 'api_key_expired');
  });

  it('lastUsedAt: set on first use, then written at most once a minute', async () => {
    const { body } = await createKey({ name: 'usage', scopes: ['tickets:read'] });
    const use = () => env.app.http.get('/api/v1/tickets').set(...bearer(body.key));
    await use();
    const first = (await keyRow(body.id)).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    env.app.clock.advance(10_000);
    for (let i = 0; i < 5; i++) await use();
    expect((await keyRow(body.id)).lastUsedAt).toEqual(first);
    env.app.clock.advance(60_000);
    await use();
    const later = (await keyRow(body.id)).lastUsedAt!;
    expect(later.getTime()).toBeGreaterThan(first!.getTime() + 60_000);
    const listed = await env.app.http
      .get('/api/v1/api-keys')
      .query({ limit: 100 })
      .set(...admin.auth);
    expect(listed.body.data.find((k: { id: string }) => k.id === body.id).lastUsedAt).toBe(
      later.toISOString(),
    );
  });

  it('a key cannot act as a person: /me, sessions, password change are 403 forbidden', async () => {
    const { body } = await createKey({
      name: 'all scopes',
      scopes: [
        'tickets:write',
        'users:write',
        'events:read',
        'webhooks:manage',
        'inbound:write',
        'reports:read',
      ],
    });
    const auth = bearer(body.key);
    const http = env.app.http;
    for (const res of [
      await http.get('/api/v1/me').set(...auth),
      await http
        .patch('/api/v1/me')
        .set(...auth)
        .send({ name: 'Key' }),
      await http.get('/api/v1/auth/sessions').set(...auth),
      await http.post('/api/v1/auth/logout-all').set(...auth),
      await http
        .post('/api/v1/auth/password')
        .set(...auth)
        .send({ currentPassword: 'x', newPassword: 'y'.repeat(12) }),
      await http.post('/api/v1/auth/verify-email/resend').set(...auth),
    ]) {
      expectProblem(res, 403, 'forbidden');
    }
  });
});
