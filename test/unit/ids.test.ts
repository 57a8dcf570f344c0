import { createRoute } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { ID_PATTERN, Id, IdParam, parseId } from '../../src/http/ids.js';
import { createRouter } from '../../src/http/openapi.js';
import { handleError } from '../../src/http/problem.js';

const VALID: [string, number][] = [
  ['1', 1],
  ['42', 42],
  ['9007199254740991', Number.MAX_SAFE_INTEGER],
];
const INVALID = [
  '0',
  '007',
  '01',
  'abc',
  '-1',
  '1.5',
  '1e3',
  ' 1',
  '',
  '99999999999999999',
  '9999999999999999',
];

describe('the Id path-param schema', () => {
  it.each(VALID)('parses %j to the number %d', (raw, id) => {
    expect(Id.parse(raw)).toBe(id);
    expect(parseId(raw)).toBe(id);
  });

  it.each(INVALID)('rejects %j', (raw) => {
    expect(Id.safeParse(raw).success).toBe(false);
    expect(parseId(raw)).toBeNull();
  });

  it('answers a route whose id fails with a 404 problem, not a 422', async () => {
    const r = createRouter();
    r.openapi(
      createRoute({
        method: 'get',
        path: '/things/{id}',
        request: { params: IdParam },
        responses: { 200: { description: 'ok' } },
      }),
      (c) => c.json({ id: c.req.valid('param').id, type: typeof c.req.valid('param').id }, 200),
    );
    r.onError(handleError);
    expect(await (await r.request('/things/42')).json()).toEqual({ id: 42, type: 'number' });
    for (const raw of ['0', '007', 'abc', '99999999999999999']) {
      const res = await r.request(`/things/${raw}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 404, code: 'not_found' });
    }
    const doc = r.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    const param = doc.paths?.['/things/{id}']?.get?.parameters?.[0];
    expect(param).toMatchObject({ name: 'id', in: 'path', schema: { type: 'string', pattern: ID_PATTERN } });
  });
});
