import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError, RateLimitedError } from '../../src/errors.js';
import { createRouter } from '../../src/http/openapi.js';
import { handleError, toProblem } from '../../src/http/problem.js';

// A router built exactly like the app's module routers, with one route that validates a JSON body.
const Input = z.object({ subject: z.string().min(3), tags: z.array(z.string().max(5)).optional() });
const route = createRoute({
  method: 'post',
  path: '/things',
  request: { body: { required: true, content: { 'application/json': { schema: Input } } } },
  responses: { 201: { description: 'created' } },
});
function app() {
  const r = createRouter();
  r.openapi(route, (c) => {
    const body = c.req.valid('json');
    if (body.subject === 'taken') throw new ConflictError('email_taken', 'That subject is taken.');
    if (body.subject === 'slow down') throw new RateLimitedError(42);
    if (body.subject === 'boom') throw new Error('SELECT * FROM secret_table failed at db.ts:12');
    return c.json(body, 201);
  });
  r.onError(handleError);
  return r;
}
const post = (body: string) =>
  app().request('/things', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });

describe('the error mapper', () => {
  it('turns a zod failure into 422 with one errors[] entry per field', async () => {
    const res = await post(JSON.stringify({ subject: 'x', tags: ['ok', 'too-long-tag'] }));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body).toMatchObject({ status: 422, code: 'validation_failed', title: 'Validation failed' });
    expect(body.errors.map((e) => e.path).sort()).toEqual(['subject', 'tags.1']);
  });

  it('turns malformed JSON into 400', async () => {
    const res = await post('{"subject": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, code: 'malformed_request' });
  });

  it('maps domain errors to their status with a stable code', async () => {
    const res = await post(JSON.stringify({ subject: 'taken' }));
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'email_taken', detail: 'That subject is taken.' });
  });

  it('adds Retry-After to 429', async () => {
    const res = await post(JSON.stringify({ subject: 'slow down' }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('42');
  });

  it('hides the internals of an unexpected error behind an opaque 500', async () => {
    const res = await post(JSON.stringify({ subject: 'boom' }));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/SELECT|secret_table|db\.ts/);
    expect(JSON.parse(text)).toMatchObject({ code: 'internal_error' });
  });

  it('keeps extra members such as `allowed` on the problem', () => {
    const p = toProblem(new ForbiddenError('forbidden_transition', 'No.', { allowed: ['open'] }));
    expect(p).toMatchObject({ status: 403, code: 'forbidden_transition', allowed: ['open'] });
    expect(toProblem(new NotFoundError('ticket', 7))).toMatchObject({
      status: 404,
      detail: 'ticket 7 not found.',
    });
  });
});
