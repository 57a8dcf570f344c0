import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { IdParam } from '../../http/ids.js';
import { createRouter } from '../../http/openapi.js';
import {
  invalidBodyResponses,
  invalidCursorResponse,
  jsonBody,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
} from '../../http/schemas.js';
import { ApiKeyListQuery, ApiKeyPage, apiKeyExample, CreateApiKeyInput, CreatedApiKey } from './schemas.js';
import * as apiKeys from './service.js';

const common = { tags: ['API keys'], ...authenticated() };
const adminOnly = problemResponse(
  '`forbidden`: the caller is not an admin (`insufficient_scope` for an API key: keys never manage keys)',
  ['forbidden', 'insufficient_scope'],
);

const createKeyRoute = createRoute({
  ...common,
  method: 'post',
  path: '/api-keys',
  operationId: 'createApiKey',
  summary: 'Create an API key (admin)',
  description:
    'Makes a key for an integration: `Authorization: Bearer hd_…` then authenticates as the key, which sees ' +
    'what staff see within its scopes. The `key` is in this response only (stored as a SHA-256 hash): copy it ' +
    'now. Writes an `api_key.created` audit entry. An unknown scope is 422 `unknown_scope`.',
  request: jsonBody(CreateApiKeyInput, { name: 'CRM sync', scopes: ['tickets:read', 'tickets:write'] }),
  responses: {
    201: {
      description: 'Created; `key` is shown this once',
      headers: { Location: { description: 'The new key', schema: { type: 'string' } } },
      ...jsonContent(CreatedApiKey, {
        ...apiKeyExample,
        lastUsedAt: null,
        key: 'hd_Xq3v9TzA7mK2pL8nR4sW1yB6cD0eF5gH9jJ3kM7qP2u',
      }),
    },
    401: unauthenticatedResponse,
    403: adminOnly,
    422: problemResponse('`validation_failed` (bad name or expiry) or `unknown_scope`', [
      'validation_failed',
      'unknown_scope',
    ]),
    400: invalidBodyResponses[400],
  },
});

const listKeysRoute = createRoute({
  ...common,
  method: 'get',
  path: '/api-keys',
  operationId: 'listApiKeys',
  summary: 'List API keys (admin)',
  description:
    'Every key, revoked and expired ones included, in id order, cursor-paginated. Never the key nor its hash: ' +
    '`prefix` tells keys apart. `lastUsedAt` lags by up to a minute.',
  request: { query: ApiKeyListQuery },
  responses: {
    200: {
      description: 'A page of keys',
      ...jsonContent(ApiKeyPage, { data: [apiKeyExample], nextCursor: null }),
    },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: adminOnly,
    422: problemResponse('`validation_failed`: a bad `limit`'),
  },
});

const revokeKeyRoute = createRoute({
  ...common,
  method: 'delete',
  path: '/api-keys/{id}',
  operationId: 'revokeApiKey',
  summary: 'Revoke an API key (admin)',
  description:
    'The key stops working at once: its next request is 401 `api_key_revoked`, on every instance. Writes an ' +
    '`api_key.revoked` audit entry; revoking a revoked key changes nothing and is 204 too.',
  request: { params: IdParam },
  responses: {
    204: { description: 'Revoked' },
    401: unauthenticatedResponse,
    403: adminOnly,
    404: problemResponse('`not_found`', ['not_found']),
  },
});

/** /api-keys: admins manage the keys integrations use. */
export function apiKeyRoutes() {
  return createRouter()
    .openapi(createKeyRoute, async (c) => {
      c.set('secretFields', ['key']);
      const key = await apiKeys.create(serviceContext(c), c.req.valid('json'));
      c.header('Location', `${c.req.path}/${key.id}`);
      return c.json(key, 201);
    })
    .openapi(listKeysRoute, async (c) =>
      c.json(await apiKeys.list(serviceContext(c), c.req.valid('query')), 200),
    )
    .openapi(revokeKeyRoute, async (c) => {
      await apiKeys.revoke(serviceContext(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
}
