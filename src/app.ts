import { Scalar } from '@scalar/hono-api-reference';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './http/env.js';
import {
  afterWrites,
  bodySizeLimit,
  databaseHandle,
  jsonOnly,
  requestIds,
  requestLogging,
} from './http/middleware.js';
import { createRouter } from './http/openapi.js';
import { handleError, problem, problemResponse } from './http/problem.js';
import { adminAuditRoutes } from './modules/admin-audit/routes.js';
import { auditRoutes } from './modules/audit/routes.js';
import { authRoutes } from './modules/auth/routes.js';
import { messageRoutes } from './modules/messages/routes.js';
import { notificationRoutes } from './modules/notifications/routes.js';
import { opsRoutes } from './modules/ops/routes.js';
import { ticketRoutes } from './modules/tickets/routes.js';
import { userRoutes } from './modules/users/routes.js';

export const API_BASE = '/api/v1';

/**
 * Builds the whole HTTP app from its dependencies. Does no I/O: the Node entry, the Workers entry and
 * the tests each build deps and call this.
 */
export function createApp(deps: AppDeps) {
  const app = createRouter();

  app.use('*', requestIds(), requestLogging(deps), bodySizeLimit(), jsonOnly());
  app.use(`${API_BASE}/*`, afterWrites(deps), databaseHandle(deps));

  app.route('/', opsRoutes());
  app.route(API_BASE, authRoutes());
  app.route(API_BASE, userRoutes());
  app.route(API_BASE, ticketRoutes());
  app.route(API_BASE, messageRoutes());
  app.route(API_BASE, auditRoutes());
  app.route(API_BASE, notificationRoutes());
  app.route(API_BASE, adminAuditRoutes());

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Helpdesk API',
      version: '1.0.0',
      description:
        'Support tickets, conversations and email notifications. Errors are RFC 9457 problem details ' +
        '(`application/problem+json`) with a stable `code`; validation failures (422) list `errors[]`.',
    },
    servers: [{ url: deps.config.appUrl }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.get('/docs', Scalar<AppEnv>({ url: '/openapi.json', pageTitle: 'Helpdesk API reference' }));

  app.notFound((c) =>
    problemResponse(c, problem(404, 'not_found', 'Not found', `No route for ${c.req.method} ${c.req.path}.`)),
  );
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
