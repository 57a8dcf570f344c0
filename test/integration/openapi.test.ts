import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();

// Every route of the API contract, with whether it needs a bearer token and the error
// statuses its document must describe besides 401.
const CONTRACT: [method: string, path: string, authenticated: boolean, errors: number[]][] = [
  ['post', '/api/v1/auth/register', false, [409, 422]],
  ['post', '/api/v1/auth/login', false, [401, 403, 422]],
  ['post', '/api/v1/auth/refresh', false, [401, 422]],
  ['post', '/api/v1/auth/logout', false, [422]],
  ['post', '/api/v1/auth/logout-all', true, []],
  ['get', '/api/v1/auth/sessions', true, []],
  ['delete', '/api/v1/auth/sessions/{id}', true, [404]],
  ['post', '/api/v1/auth/password', true, [422]],
  ['post', '/api/v1/auth/password-reset', false, [422]],
  ['post', '/api/v1/auth/password-reset/confirm', false, [400, 422]],
  ['get', '/api/v1/me', true, []],
  ['patch', '/api/v1/me', true, [422]],
  ['get', '/api/v1/users', true, [403]],
  ['get', '/api/v1/users/{id}', true, [404]],
  ['post', '/api/v1/users', true, [403, 409, 422]],
  ['patch', '/api/v1/users/{id}', true, [403, 404, 409, 422]],
  ['post', '/api/v1/tickets', true, [422]],
  ['get', '/api/v1/tickets', true, [400, 422]],
  ['get', '/api/v1/tickets/{id}', true, [404]],
  ['patch', '/api/v1/tickets/{id}', true, [403, 404, 412, 422]],
  ['get', '/api/v1/tickets/{id}/transitions', true, [404]],
  ['post', '/api/v1/tickets/{id}/transitions', true, [403, 404, 409, 412, 422]],
  ['get', '/api/v1/tickets/{id}/messages', true, [404]],
  ['post', '/api/v1/tickets/{id}/messages', true, [404, 409, 412, 422]],
  ['get', '/api/v1/tickets/{id}/events', true, [404]],
  ['get', '/api/v1/tickets/{id}/notifications', true, [403, 404]],
  ['get', '/health', false, []],
  ['get', '/ready', false, [503]],
];

describe('GET /openapi.json', () => {
  it('documents every route of the contract with its security and error responses', async () => {
    const res = await env.app.http.get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<
      string,
      Record<string, { security?: unknown; responses: Record<string, unknown> }>
    >;
    for (const [method, path, authenticated, errors] of CONTRACT) {
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
