import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { ROUTES } from '../helpers/routes.js';

const env = useTestApp();

describe('GET /openapi.json', () => {
  it('documents every route of the contract with its security and error responses', async () => {
    const res = await env.app.http.get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<
      string,
      Record<string, { security?: unknown; responses: Record<string, unknown> }>
    >;
    // The route table (test/helpers/routes.ts) is every route; contract.test.ts checks it is all of them.
    for (const { method, path, auth: authenticated, errors } of ROUTES) {
      const op = paths[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
      const statuses = Object.keys(op!.responses).map(Number);
      for (const status of errors) expect(statuses, `${method} ${path} ${status}`).toContain(status);
      if (authenticated) {
        expect(op!.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        expect(statuses, `${method} ${path} 401`).toContain(401);
      }
    }
  });
});
