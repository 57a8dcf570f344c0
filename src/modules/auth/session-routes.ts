import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { sessionListExample } from '../../http/examples.js';
import { IdParam } from '../../http/ids.js';
import { createRouter } from '../../http/openapi.js';
import { jsonContent, problemResponse, unauthenticatedResponse } from '../../http/schemas.js';
import { SessionList } from './account-schemas.js';
import * as sessions from './sessions.js';

const common = {
  tags: ['Accounts and tokens'],
  ...authenticated(),
};

const logoutAllRoute = createRoute({
  ...common,
  method: 'post',
  path: '/auth/logout-all',
  operationId: 'logoutAll',
  summary: 'End every session of the caller',
  description:
    "Revokes all the caller's sessions, this one included: every refresh token stops working, and so " +
    'does every access token (sessions are checked on each request).',
  responses: { 204: { description: 'All sessions revoked' }, 401: unauthenticatedResponse },
});

const listRoute = createRoute({
  ...common,
  method: 'get',
  path: '/auth/sessions',
  operationId: 'listSessions',
  summary: "The caller's live sessions",
  description:
    'Sessions that are neither revoked nor expired, newest first, at most 100 (POST /auth/logout-all ends ' +
    'every one). `current` marks the session of the access token used for this request.',
  responses: {
    200: { description: 'The sessions', ...jsonContent(SessionList, sessionListExample) },
    401: unauthenticatedResponse,
  },
});

const revokeRoute = createRoute({
  ...common,
  method: 'delete',
  path: '/auth/sessions/{id}',
  operationId: 'revokeSession',
  summary: 'End one session of the caller',
  description:
    'Its refresh and access tokens stop working at once (revoking the current session logs this client out). ' +
    "404 for a session that is not the caller's, so other users' session ids cannot be probed; revoking an " +
    'already ended session of the caller is a no-op (204).',
  request: { params: IdParam },
  responses: {
    204: { description: 'The session is revoked' },
    401: unauthenticatedResponse,
    404: problemResponse("`not_found`: no such session, or not the caller's", ['not_found']),
  },
});

/** /auth/logout-all and /auth/sessions. */
export function sessionRoutes() {
  return createRouter()
    .openapi(logoutAllRoute, async (c) => {
      await sessions.logoutAll(serviceContext(c));
      return c.body(null, 204);
    })
    .openapi(listRoute, async (c) => c.json(await sessions.listSessions(serviceContext(c)), 200))
    .openapi(revokeRoute, async (c) => {
      await sessions.revokeSession(serviceContext(c), c.req.valid('param'));
      return c.body(null, 204);
    });
}
