import type { AppDeps } from './deps.js';
import { registerDocs } from './http/docs.js';
import { corsPolicy, securityHeaders } from './http/headers.js';
import {
  afterWrites,
  bodySizeLimit,
  clientAddress,
  databaseHandle,
  jsonOnly,
  requestIds,
  requestLogging,
} from './http/middleware.js';
import { createRouter, documentIdempotency, documentPrincipalLimits } from './http/openapi.js';
import { PrincipalLimiter } from './http/principal-limit.js';
import { handleError, problem, problemResponse } from './http/problem.js';
import { rateLimitedResponse } from './http/schemas.js';
import { adminAuditRoutes } from './modules/admin-audit/routes.js';
import { apiKeyRoutes } from './modules/api-keys/index.js';
import { attachmentRoutes } from './modules/attachments/index.js';
import { auditRoutes } from './modules/audit/index.js';
import { authenticate, authRoutes } from './modules/auth/index.js';
import { exportRoutes, feedRoutes } from './modules/feed/index.js';
import { fieldRoutes } from './modules/fields/index.js';
import { groupRoutes } from './modules/groups/index.js';
import { withIdempotency } from './modules/idempotency/index.js';
import { INBOUND_EMAIL_PATH, inboundRoutes } from './modules/inbound/index.js';
import { macroRoutes } from './modules/macros/index.js';
import { messageRoutes } from './modules/messages/index.js';
import { opsRoutes } from './modules/ops/index.js';
import { CSAT_PAGE, CSAT_PATH, PAGE_PATHS, pageRoutes } from './modules/pages/index.js';
import { reportRoutes } from './modules/reports/index.js';
import { slaAdminRoutes } from './modules/sla-admin/index.js';
import { collaborationRoutes, notificationRoutes, ticketRoutes } from './modules/tickets/index.js';
import { findOrCreateCustomer, userRoutes } from './modules/users/index.js';
import { webhookRoutes } from './modules/webhooks/index.js';

export const API_BASE = '/api/v1';

/** Uploads stream their own multipart body (own size limit and content type): POST …/tickets/{id}/attachments. */
const STREAMED_BODIES = [new RegExp(`^${API_BASE}/tickets/[^/]+/attachments$`)];

/**
 * Builds the whole HTTP app from its dependencies. Does no I/O: the Node entry, the Workers entry and
 * the tests each build deps and call this.
 */
export function createApp(deps: AppDeps) {
  const app = createRouter();

  // Idempotency-Key runs inside the authenticator, once `actor` is known: keys are scoped to the caller,
  // and public POSTs (login, registration), which never authenticate, ignore the header.
  const authenticator = withIdempotency(authenticate());
  const limiter = new PrincipalLimiter(
    deps.config.principalRateLimit.limit,
    deps.config.principalRateLimit.windowSeconds * 1000,
    deps.clock,
  );
  // Security headers outermost, so error responses get them too; CORS next, so a preflight never
  // reaches the body checks and a 4xx still carries Access-Control-Allow-Origin for the browser to read.
  app.use('*', requestIds(), securityHeaders(deps.config, API_BASE));
  const corsMiddleware = corsPolicy(deps.config);
  if (corsMiddleware) app.use('*', corsMiddleware);
  // Raw inbound mail (message/rfc822, up to INBOUND_MAX_BYTES) is the one non-JSON API body.
  const rawMail = `${API_BASE}${INBOUND_EMAIL_PATH}`;
  app.use(
    '*',
    requestLogging(deps, [`${CSAT_PATH}/`]),
    clientAddress(deps),
    bodySizeLimit({ [rawMail]: deps.config.inbound.maxBytes }, STREAMED_BODIES),
    jsonOnly([...PAGE_PATHS, CSAT_PAGE, rawMail], STREAMED_BODIES),
  );
  app.use('*', async (c, next) => {
    c.set('principalLimiter', limiter);
    c.set('authenticator', authenticator);
    await next();
  });
  app.use(`${API_BASE}/*`, afterWrites(deps), databaseHandle(deps));
  for (const path of PAGE_PATHS) app.use(path, databaseHandle(deps));
  app.use(`${CSAT_PATH}/*`, databaseHandle(deps));

  app.route('/', opsRoutes());
  app.route('/', pageRoutes());
  app.route(API_BASE, authRoutes());
  app.route(API_BASE, userRoutes());
  app.route(API_BASE, exportRoutes());
  app.route(API_BASE, ticketRoutes({ customerAccounts: findOrCreateCustomer }));
  app.route(API_BASE, collaborationRoutes());
  app.route(API_BASE, messageRoutes());
  app.route(API_BASE, macroRoutes());
  app.route(API_BASE, fieldRoutes());
  app.route(API_BASE, attachmentRoutes());
  app.route(API_BASE, auditRoutes());
  app.route(API_BASE, notificationRoutes());
  app.route(API_BASE, feedRoutes());
  app.route(API_BASE, reportRoutes());
  app.route(API_BASE, adminAuditRoutes());
  app.route(API_BASE, apiKeyRoutes());
  app.route(API_BASE, webhookRoutes());
  app.route(API_BASE, groupRoutes());
  app.route(API_BASE, slaAdminRoutes());
  app.route(API_BASE, inboundRoutes());

  const docConfig = {
    openapi: '3.1.0',
    info: {
      title: 'Helpdesk API',
      version: '1.0.0',
      description:
        'Support tickets, conversations and email notifications. Errors are RFC 9457 problem details ' +
        '(`application/problem+json`) with a stable `code`; validation failures (422) list `errors[]`.',
    },
    servers: [{ url: deps.config.appUrl }],
  };
  // Built once, on first request: every route is registered by then.
  let doc: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => {
    doc ??= documentIdempotency(
      documentPrincipalLimits(app.getOpenAPI31Document(docConfig), rateLimitedResponse),
    );
    return c.json(doc);
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  registerDocs(app, deps);

  app.notFound((c) =>
    problemResponse(c, problem(404, 'not_found', 'Not found', `No route for ${c.req.method} ${c.req.path}.`)),
  );
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
