import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { createRouter } from '../../http/openapi.js';
import {
  invalidCursorResponse,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
} from '../../http/schemas.js';
import { AuditLogPage, AuditLogQuery, auditLogPageExample } from './schemas.js';
import * as adminAudit from './service.js';

const listRoute = createRoute({
  method: 'get',
  path: '/audit-log',
  operationId: 'listAuditLog',
  tags: ['Admin'],
  summary: 'The admin audit log, newest first (admin)',
  description:
    'One entry per account or configuration change (users created, promoted, disabled, passwords reset…), ' +
    'written in the same transaction as the change: who did it, to what, the fields before and after ' +
    '(never a secret: a password change shows only `{password: {changed: true}}`), and from which address. ' +
    'Ticket changes have their own trail (GET /tickets/{id}/events). Filters combine with AND.',
  ...authenticated(),
  request: { query: AuditLogQuery },
  responses: {
    200: { description: 'A page of audit entries', ...jsonContent(AuditLogPage, auditLogPageExample) },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: the caller is not an admin'),
    422: problemResponse('`validation_failed`: a bad filter or `limit`'),
  },
});

/** GET /audit-log. */
export function adminAuditRoutes() {
  return createRouter().openapi(listRoute, async (c) =>
    c.json(await adminAudit.list(serviceContext(c), c.req.valid('query')), 200),
  );
}
