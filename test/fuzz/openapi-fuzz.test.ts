import { eq } from 'drizzle-orm';
import type supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { login } from '../helpers/auth.js';
import { makeAccount } from '../helpers/factories.js';
import { hostile, type JsonSchema, prng, type Rng, SchemaValues } from './schema.js';

// A schema-driven fuzz of the whole API, from the app's own /openapi.json: every documented operation with
// valid and hostile parameters and bodies, as anonymous callers, garbage tokens, requesters, strangers, agents
// and admins. Whatever it sends, the API must answer below 500, with problem+json on every error, and fast.
// FUZZ_SEED replays a run; FUZZ_REQUESTS sets its size (default 5,000).

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5_000);
const SLOW_MS = 2_000;

const env = useTestApp();

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  method: Method;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
}
interface Account {
  id: number;
  email: string;
  password: string;
  role: 'user' | 'agent' | 'admin';
  token: string;
  refreshToken: string;
  passwordHash: string;
}

const RAW_BODIES = [
  '{',
  '',
  'null',
  '[]',
  '"text"',
  '{"a":1,"a":2}',
  '\uFEFF{}',
  '{"subject":',
  '1e999',
  '{"x":"\\ud800"}',
];
const IF_MATCH = ['"1"', 'W/"1"', '*', 'garbage', '"99999999999"', '"-1"', '"1", "2"', 'x'.repeat(2000)];
const BAD_IDS = [
  '0',
  '007',
  '-1',
  'abc',
  '1e3',
  '99999999999999999999999',
  '%F0%9F%92%A9',
  '%00',
  'x'.repeat(3000),
  '1.5',
];
// Operations after which the fixture's sessions, roles or passwords may have changed: put them back.
const DISRUPTIVE = /\/auth\/(logout|logout-all|password|sessions)|\/users\/\{id\}|\/me$/;

describe('schema-driven fuzz of every documented operation', () => {
  const accounts: Record<'requester' | 'stranger' | 'agent' | 'admin', Account> = {} as never;
  const ticketIds: string[] = [];
  let ops: Operation[] = [];
  let components: Record<string, JsonSchema> = {};

  async function signIn(a: Account): Promise<void> {
    const s = await login(env.app.http, a);
    a.token = s.accessToken;
    a.refreshToken = s.refreshToken;
  }

  /** Undoes what a disruptive request may have done to the fixture accounts, and signs them in again. */
  async function restore(): Promise<void> {
    await env.db.database.use(async (db) => {
      for (const a of Object.values(accounts)) {
        await db
          .update(users)
          .set({ role: a.role, active: true, passwordHash: a.passwordHash })
          .where(eq(users.id, a.id));
      }
    });
    for (const a of Object.values(accounts)) await signIn(a);
  }

  beforeAll(async () => {
    const doc = (await env.app.http.get('/openapi.json')).body as {
      paths: Record<
        string,
        Record<
          string,
          { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }
        >
      >;
      components: { schemas: Record<string, JsonSchema> };
    };
    components = doc.components.schemas;
    for (const [path, byMethod] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(byMethod)) {
        ops.push({
          method: method as Method,
          path,
          parameters: op.parameters ?? [],
          body: op.requestBody?.content['application/json']?.schema,
        });
      }
    }
    ops = ops.filter((o) => o.path !== '/docs');
    for (const [key, role] of [
      ['requester', 'user'],
      ['stranger', 'user'],
      ['agent', 'agent'],
      ['admin', 'admin'],
    ] as const) {
      const made = await env.db.database.use((db) => makeAccount(db, role));
      const [row] = await env.db.database.use((db) =>
        db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, made.id)),
      );
      accounts[key] = { ...made, role, token: '', refreshToken: '', passwordHash: row!.hash! };
      await signIn(accounts[key]);
    }
    for (let i = 0; i < 3; i++) {
      const res = await env.app.http
        .post('/api/v1/tickets')
        .set('Authorization', `Bearer ${accounts.requester.token}`)
        .send({ subject: `Fuzz fixture ${i}`, body: 'The printer is on fire.' });
      expect(res.status, res.text).toBe(201);
      ticketIds.push(res.body.id as string);
    }
  });

  it(`sends ${REQUESTS} requests: no 5xx, problem+json on every error, none slower than ${SLOW_MS} ms`, async () => {
    expect(ops.length).toBeGreaterThanOrEqual(20);
    const rng = prng(SEED);
    const ids = () => [...ticketIds, ...Object.values(accounts).map((a) => String(a.id))];
    const values = new SchemaValues(components, rng, ids);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const perOp = new Map<string, number>();
    let slowest = 0;

    for (let i = 0; i < REQUESTS; i++) {
      const op = ops[i % ops.length]!; // round-robin: every operation gets its share
      const hostileRun = rng.chance(0.5);
      const req = buildRequest(op, hostileRun, rng, values, ids);
      const who = rng.pick(['none', 'garbage', 'requester', 'stranger', 'agent', 'admin'] as const);
      const started = performance.now();
      const res = await send(
        env.app.http,
        req,
        who === 'none' ? null : who === 'garbage' ? 'hd_garbage.x.y' : accounts[who].token,
      );
      const ms = performance.now() - started;
      slowest = Math.max(slowest, ms);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const label = `${op.method.toUpperCase()} ${op.path}`;
      perOp.set(label, (perOp.get(label) ?? 0) + 1);
      const problem = checkResponse(res, ms);
      if (problem && failures.length < 50) {
        failures.push(
          `${problem}: ${req.method.toUpperCase()} ${req.url.slice(0, 200)} as ${who} body=${describeBody(req.body)} → ${res.status} ${res.text.slice(0, 300)}`,
        );
      }
      if (DISRUPTIVE.test(op.path) && res.status < 300 && who !== 'none' && who !== 'garbage')
        await restore();
    }

    const fives = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    console.log(
      `fuzz: ${REQUESTS} requests over ${perOp.size} operations, seed ${SEED}, 5xx: ${fives}, slowest: ${Math.round(slowest)} ms, statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    expect(perOp.size).toBe(ops.length);
    expect(failures, `seed ${SEED}`).toEqual([]);
  }, 600_000);
});

interface FuzzRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  body?: { json: unknown } | { raw: string; type: string };
}

function buildRequest(
  op: Operation,
  hostileRun: boolean,
  rng: Rng,
  values: SchemaValues,
  ids: () => string[],
): FuzzRequest {
  let path = op.path;
  const query: string[] = [];
  const headers: Record<string, string> = {};
  for (const p of op.parameters) {
    const bad = hostileRun && rng.chance(0.4);
    if (p.in === 'path') {
      const v = bad ? rng.pick(BAD_IDS) : rng.chance(0.8) ? rng.pick(ids()) : String(rng.int(1, 10_000));
      path = path.replace(`{${p.name}}`, v.startsWith('%') ? v : encodeLoosely(v));
    } else if (p.in === 'query') {
      if (!p.required && !rng.chance(0.5)) continue;
      const v = bad ? hostile(rng) : values.valid(p.schema);
      const text = Array.isArray(v)
        ? v.join(',')
        : typeof v === 'object' && v !== null
          ? JSON.stringify(v)
          : String(v);
      query.push(`${encodeURIComponent(p.name)}=${encodeLoosely(text)}`);
    } else if (p.in === 'header') {
      if (rng.chance(0.5)) headers[p.name] = bad ? rng.pick(IF_MATCH) : `"${rng.int(1, 5)}"`;
    }
  }
  const url = query.length ? `${path}?${query.join('&')}` : path;
  let body: FuzzRequest['body'];
  if (op.body) {
    if (hostileRun && rng.chance(0.15))
      body = { raw: rng.pick(RAW_BODIES), type: rng.pick(['application/json', 'text/plain']) };
    else body = { json: hostileRun ? values.invalid(op.body) : values.valid(op.body) };
  } else if (hostileRun && ['post', 'patch', 'put', 'delete'].includes(op.method) && rng.chance(0.3)) {
    body = { json: hostile(rng) };
  }
  return { method: op.method, url, headers, body };
}

function send(http: ReturnType<typeof supertest>, req: FuzzRequest, token: string | null) {
  let r = http[req.method](req.url);
  for (const [k, v] of Object.entries(req.headers)) r = r.set(k, v);
  if (token) r = r.set('Authorization', `Bearer ${token}`);
  if (req.body && 'json' in req.body) {
    // JSON.stringify keeps lone surrogates as escapes (`"\ud800"`), as a hostile client would send them.
    r = r.set('Content-Type', 'application/json').send(JSON.stringify(req.body.json) ?? 'null');
  } else if (req.body) {
    r = r.set('Content-Type', req.body.type).send(req.body.raw);
  }
  return r.ok(() => true);
}

function checkResponse(res: supertest.Response, ms: number): string | null {
  if (res.status >= 500) return `${res.status}`;
  if (ms > SLOW_MS) return `slow (${Math.round(ms)} ms)`;
  if (res.status >= 400) {
    if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? ''))
      return 'error without problem+json';
    const b = res.body as { status?: unknown; code?: unknown };
    if (b.status !== res.status || typeof b.code !== 'string') return 'malformed problem body';
  }
  return null;
}

function describeBody(body: FuzzRequest['body']): string {
  if (!body) return '-';
  const text = 'json' in body ? (JSON.stringify(body.json) ?? 'undefined') : `${body.type}:${body.raw}`;
  return text.length > 200 ? `${text.slice(0, 200)}…(${text.length})` : text;
}

/** encodeURIComponent, except that a lone surrogate becomes the bytes a broken client would send. */
function encodeLoosely(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c >= 0xd800 && c <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch);
  }
  return out;
}
