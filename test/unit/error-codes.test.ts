import { readFileSync } from 'node:fs';
import { createRoute } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, NotFoundError } from '../../src/errors.js';
import { requestIds } from '../../src/http/middleware.js';
import { createRouter } from '../../src/http/openapi.js';
import { handleError, problem, problemResponse as respond } from '../../src/http/problem.js';
import { problemResponse } from '../../src/http/schemas.js';

/** The codes of the README's "Error codes" table, in order. */
function readmeCodes(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### Error codes');
  expect(start, 'README has an "Error codes" section').toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1] as string);
}

function router() {
  const r = createRouter();
  r.use('*', requestIds());
  r.openapi(
    createRoute({
      method: 'get',
      path: '/things/{n}',
      responses: {
        200: { description: 'ok' },
        404: problemResponse('No such thing', ['not_found']),
        409: problemResponse('Any code'),
      },
    }),
    (c) => {
      throw new NotFoundError('thing', c.req.param('n'));
    },
  );
  r.notFound((c) => respond(c, problem(404, 'not_found', 'Not found', 'No route.')));
  r.onError(handleError);
  return r;
}

type Schema = { enum?: string[]; properties?: Record<string, Schema>; allOf?: Schema[] };

describe('error codes are a closed set', () => {
  it('ERROR_CODES has no duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it("the README's table lists exactly ERROR_CODES", () => {
    expect([...readmeCodes()].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('the OpenAPI Problem schema enumerates ERROR_CODES, and a narrowed response its own codes', () => {
    const doc = router().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    const problemSchema = doc.components?.schemas?.Problem as Schema;
    expect(problemSchema.properties?.code?.enum).toEqual([...ERROR_CODES]);
    expect(problemSchema.properties?.instance).toBeDefined();
    const responses = doc.paths?.['/things/{n}']?.get?.responses as Record<
      string,
      { content: Record<string, { schema: Schema }> }
    >;
    const narrowed = responses['404']?.content['application/problem+json']?.schema;
    expect(narrowed?.allOf?.[1]?.properties?.code?.enum).toEqual(['not_found']);
    expect(responses['409']?.content['application/problem+json']?.schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('every problem names its request in `instance`, the id of X-Request-Id', async () => {
    for (const path of ['/things/1', '/no-such-route']) {
      const res = await router().request(path, { headers: { 'X-Request-Id': 'abc-123' } });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-request-id')).toBe('abc-123');
      expect(await res.json()).toMatchObject({ code: 'not_found', instance: 'urn:request:abc-123' });
    }
    const res = await router().request('/things/1');
    const id = res.headers.get('x-request-id');
    expect(id).toBeTruthy();
    expect(await res.json()).toMatchObject({ instance: `urn:request:${id}` });
  });
});
