import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { notificationExample, pageExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import { PageQuery } from '../../http/pagination.js';
import { jsonContent, problemResponse, unauthenticatedResponse } from '../../http/schemas.js';
import { TicketIdParam } from '../tickets/schemas.js';
import { NotificationPage } from './schemas.js';
import { listForTicket } from './service.js';

const listNotificationsRoute = createRoute({
  method: 'get',
  path: '/tickets/{id}/notifications',
  operationId: 'listTicketNotifications',
  tags: ['Notifications'],
  summary: "Delivery state of a ticket's emails (staff)",
  description:
    'Every email the ticket caused: `queued` (waiting or being retried), `sent`, or `failed` after ' +
    'OUTBOX_MAX_ATTEMPTS tries, with the last SMTP error.',
  ...authenticated(),
  request: { params: TicketIdParam, query: PageQuery },
  responses: {
    200: {
      description: 'A page of notifications, oldest first',
      ...jsonContent(NotificationPage, pageExample(notificationExample)),
    },
    400: problemResponse('`invalid_cursor`'),
    401: unauthenticatedResponse,
    403: problemResponse('The requester asking (staff only)'),
    404: problemResponse('No such ticket, or not visible to the caller'),
    422: problemResponse('Validation failed'),
  },
});

export function notificationRoutes() {
  return createRouter().openapi(listNotificationsRoute, async (c) =>
    c.json(await listForTicket(serviceContext(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
}
