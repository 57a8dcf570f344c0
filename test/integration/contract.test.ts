import { count, eq } from 'drizzle-orm';
import type supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { messages, notifications, ticketEvents, tickets, ticketTags } from '../../db/schema/index.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { isTicketScoped, isWrite, type JsonBody, label, ROUTES, type Route } from '../helpers/routes.js';

// The common tests every route gets by being a row of test/helpers/routes.ts (unkey's common-tests
// pattern): 401 without a usable token, 404 (never 403) for a stranger under /tickets/{id}, 400 for a
// body that is not JSON and 422 for JSON of the wrong shape. The first test keeps the table honest: it
// must list exactly the operations of the app's own /openapi.json.

const env = useTestApp();
let admin: Actor;
let requester: Actor;
let stranger: Actor;

beforeAll(async () => {
  const as = (role: 'admin' | 'user') => signIn(env.app.http, env.db.database, role);
  [admin, requester, stranger] = await Promise.all([as('admin'), as('user'), as('user')]);
  const macro = await env.app.http
    .post('/api/v1/macros')
    .set(...admin.auth)
    .send({ name: 'Contract macro', actions: { priority: 'high' } });
  macroId = macro.body.id as string;
});
let macroId = '';

type Doc = { paths: Record<string, Record<string, { requestBody?: unknown }>> };
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * A request for a row, with `{id}` filled in from `ids` (keyed by the path segment before it). A segment
 * without a fixture gets an id that names nothing: the checks that run there (401, malformed bodies,
 * bodies ignored) are decided before the resource is looked up, or do not depend on it.
 */
function send(r: Route, ids: Record<string, string>, token?: string): supertest.Test {
  const path = r.path
    .replace(/\/([^/]+)\/\{id\}/, (_, segment: string) => `/${segment}/${ids[segment] ?? '999999999'}`)
    // The one nested id (a macro applied to a ticket): a macro the admin made for the control request.
    .replace('{macroId}', macroId || '999999999');
  const req = env.app.http[r.method](path);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
}

/** An RFC 9457 problem with this status; returns its body. */
function expectProblem(res: supertest.Response, status: number, code?: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^https?:\/\//) });
  expect(typeof body.code).toBe('string');
  expect(body.type).toMatch(new RegExp(`/${String(body.code)}$`));
  if (code) expect(body.code).toBe(code);
  return body;
}

/** A ticket requested by `requester`, made through the API (so it has a message, an event and emails). */
async function newTicket(): Promise<string> {
  const res = await env.app.http
    .post('/api/v1/tickets')
    .set(...requester.auth)
    .send({ subject: 'Contract ticket', body: 'It is broken.', tags: ['contract'] });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** Everything a write under /tickets/{id} could change, read from the database. */
function ticketState(id: string) {
  const ticketId = Number(id);
  return env.db.database.use(async (db) => {
    const n = async (
      table: typeof messages | typeof ticketEvents | typeof notifications | typeof ticketTags,
    ) => (await db.select({ n: count() }).from(table).where(eq(table.ticketId, ticketId)))[0]!.n;
    const [row] = await db.select().from(tickets).where(eq(tickets.id, ticketId));
    return {
      row,
      messages: await n(messages),
      events: await n(ticketEvents),
      notifications: await n(notifications),
      tags: await n(ticketTags),
    };
  });
}

const sessionIdOf = (a: Actor) =>
  String(JSON.parse(Buffer.from(a.token.split('.')[1]!, 'base64url').toString()).sid);

const cases = (rows: Route[]) => rows.map((r) => [label(r), r] as const);
const authenticated = ROUTES.filter((r) => r.auth);
const ticketScoped = ROUTES.filter(isTicketScoped);
const jsonBodies = ROUTES.filter(
  (r) => isWrite(r) && r.body !== 'none' && r.body !== 'raw' && r.body !== 'multipart',
);
const noBodies = ROUTES.filter((r) => isWrite(r) && r.body === 'none');

describe('the route table', () => {
  it('lists exactly the operations of /openapi.json, once each', async () => {
    const res = await env.app.http.get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as Doc;
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => METHODS.has(m))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const table = ROUTES.map(label);
    expect(new Set(table).size, 'a route is listed twice').toBe(table.length);
    // Missing from the table: add a row to test/helpers/routes.ts. Not in the app: the row names nothing.
    expect({
      missingFromTable: documented.filter((l) => !table.includes(l)),
      notInTheApp: table.filter((l) => !documented.includes(l)),
    }).toEqual({ missingFromTable: [], notInTheApp: [] });
  });

  it('says of every write route whether it takes a body, as the document does', async () => {
    const doc = (await env.app.http.get('/openapi.json')).body as Doc;
    for (const r of ROUTES) {
      const op = doc.paths[r.path]?.[r.method];
      if (!op) continue; // the test above names it
      if (!isWrite(r)) {
        expect(r.body, `${label(r)}: a GET takes no body`).toBeUndefined();
        continue;
      }
      expect(r.body, `${label(r)}: say 'none' or give the body`).toBeDefined();
      expect(r.body === 'none', `${label(r)}: body`).toBe(op.requestBody === undefined);
      // The stranger test needs a body that passes validation, or its 404 would prove nothing.
      // (A ticket-scoped route that takes no body, such as following a ticket, says 'none'; an upload, 'multipart'.)
      if (isTicketScoped(r) && r.body !== 'none' && r.body !== 'multipart') {
        expect(typeof r.body, `${label(r)}: give a valid body`).toBe('object');
      }
    }
  });
});

describe.each(cases(authenticated))('%s', (_, r) => {
  const ids = {};
  const body = typeof r.body === 'object' ? r.body : {};

  it('is 401 without a token', async () => {
    const req = send(r, ids);
    const res = isWrite(r) ? await req.send(body) : await req;
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('is 401 with a token that is not one', async () => {
    for (const token of ['garbage', 'a.b.c', `${admin.token.slice(0, -4)}AAAA`]) {
      const req = send(r, ids, token);
      const res = isWrite(r) ? await req.send(body) : await req;
      expectProblem(res, 401, 'invalid_token');
    }
  });
});

describe.each(cases(ticketScoped))('%s as a stranger', (_, r) => {
  it('is 404, never 403, and changes nothing; the same request by staff works', async () => {
    const id = await newTicket();
    const before = await ticketState(id);
    const multipart = r.body === 'multipart';
    const sample = typeof r.body === 'object' ? (r.body as JsonBody) : undefined;
    const withBody = (req: supertest.Test) =>
      multipart
        ? req.attach('file', Buffer.from('a small file'), 'note.txt')
        : sample
          ? req.send(sample)
          : req;

    expectProblem(await withBody(send(r, { tickets: id }, stranger.token)), 404, 'not_found');
    expect(await ticketState(id)).toEqual(before);

    // The control: the same path and body from someone who may see the ticket, so the 404 above is
    // about who asked, not about a bad path or body.
    const res = await withBody(send(r, { tickets: id }, admin.token));
    expect(res.status, res.text).toBeLessThan(300);
    // (Unfollowing a ticket nobody follows is a successful no-op: a DELETE need not change anything; an
    // upload changes no ticket: it becomes part of one with a message.)
    if (isWrite(r) && r.method !== 'delete' && !multipart) expect(await ticketState(id)).not.toEqual(before);
  });
});

describe.each(cases(jsonBodies))('%s with a bad body', (_, r) => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = { tickets: await newTicket(), users: requester.id };
  });
  const token = () => (r.auth ? admin.token : undefined);

  it('is 400 for bytes that are not JSON', async () => {
    for (const raw of ['{"subject": ', 'not json', '{"a":1,}']) {
      const res = await send(r, ids, token()).set('Content-Type', 'application/json').send(raw);
      expectProblem(res, 400, 'malformed_request');
    }
  });

  it('is 422 with errors[] for JSON of the wrong shape', async () => {
    for (const wrong of [[], [{}], 'text', 42, null, { unexpected: 1 }]) {
      const res = await send(r, ids, token())
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(wrong));
      const problem = expectProblem(res, 422, 'validation_failed');
      expect(problem.errors, JSON.stringify(wrong)).toEqual(
        expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]),
      );
    }
  });
});

describe.each(cases(noBodies))('%s, which takes no body', (_, r) => {
  it('answers as it does without one, even to one that is not JSON', async () => {
    // Fresh accounts, each on its own: these routes end sessions. `{id}` is the account's own session
    // where the route is about sessions.
    const answer = async (body?: string) => {
      const someone = await signIn(env.app.http, env.db.database, 'user');
      const req = send(r, { sessions: sessionIdOf(someone) }, someone.token);
      return body === undefined ? req : req.set('Content-Type', 'application/json').send(body);
    };
    const plain = await answer();
    const withBody = await answer('{"not": json');
    expect(plain.status, plain.text).toBeLessThan(500);
    expect(withBody.status, withBody.text).toBe(plain.status);
  });
});
