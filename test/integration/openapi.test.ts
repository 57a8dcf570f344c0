import { describe, expect, it } from 'vitest';
import { createTestApp, useTestApp } from '../helpers/app.js';
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

interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType>; headers?: Record<string, unknown> }>;
}

/** Operations that count attempts and answer 429 beyond the limit (README, "Rate limits"). */
const RATE_LIMITED = [
  'register',
  'login',
  'refreshTokens',
  'changePassword',
  'requestPasswordReset',
  'confirmPasswordReset',
];

const hasExample = (m: MediaType) => m.example !== undefined || Object.keys(m.examples ?? {}).length > 0;

// Enforced for every operation in the document, so a route added later is held to the same rules.
describe('every operation in /openapi.json', () => {
  const operations = async () => {
    const res = await env.app.http.get('/openapi.json');
    const out: [string, Operation][] = [];
    for (const [path, item] of Object.entries(res.body.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(item)) out.push([`${method.toUpperCase()} ${path}`, op]);
    }
    return out;
  };

  it('has a unique operationId', async () => {
    const ids = new Map<string, string>();
    for (const [name, op] of await operations()) {
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(ids.get(op.operationId!), `${name} reuses ${op.operationId}`).toBeUndefined();
      ids.set(op.operationId!, name);
    }
  });

  it('declares its security: `[]` when public, bearerAuth with a 401 otherwise', async () => {
    for (const [name, op] of await operations()) {
      expect(op.security, name).toBeDefined();
      if (op.security!.length === 0) continue;
      expect(op.security, name).toEqual([{ bearerAuth: [] }]);
      expect(Object.keys(op.responses), name).toContain('401');
    }
  });

  it('has an example for its request body and for each success body', async () => {
    for (const [name, op] of await operations()) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        expect(hasExample(media), `${name} request ${type}`).toBe(true);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!status.startsWith('2')) continue;
        for (const [type, media] of Object.entries(response.content ?? {})) {
          expect(hasExample(media), `${name} ${status} ${type}`).toBe(true);
        }
      }
    }
  });

  it('documents 429 with Retry-After wherever a rate limit applies', async () => {
    const byId = new Map((await operations()).map(([name, op]) => [op.operationId, { name, op }]));
    for (const id of RATE_LIMITED) {
      expect(byId.get(id)?.op.responses['429'], id).toBeDefined();
    }
    for (const { name, op } of byId.values()) {
      const tooMany = op.responses['429'];
      if (tooMany) expect(Object.keys(tooMany.headers ?? {}), name).toContain('Retry-After');
    }
  });

  it('names APP_URL as the server', async () => {
    const app = createTestApp(env.db.database, { APP_URL: 'https://help.example.org/' });
    const res = await app.http.get('/openapi.json');
    expect(res.body.servers).toEqual([{ url: 'https://help.example.org' }]);
  });
});
