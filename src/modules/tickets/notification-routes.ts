import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { notificationExample, pageExample } from '../../http/examples.js';
import { IdParam } from '../../http/ids.js';
import { createRouter } from '../../http/openapi.js';
import { PageQuery } from '../../http/pagination.js';
import {
  jsonContent,
  problemResponse,
  ticketPageErrors,
  unauthenticatedResponse,
} from '../../http/schemas.js';
import { NotificationPage, NotificationStatusView } from '../notifications/index.js';
import { listForTicket, requeue } from './notifications.js';
import { TicketIdParam } from './schemas.js';

const listNotificationsRoute = createRoute({
  method: 'get',
  path: '/tickets/{id}/notifications',
  operationId: 'listTicketNotifications',
  tags: ['Notifications'],
  summary: "Delivery state of a ticket's emails (staff)",
  description:
    'Every email the ticket caused: `queued` (waiting or being retried), `sent`, or `failed` once it ' +
    'could not be delivered for OUTBOX_MAX_AGE (24 h by default; `lastError` has the last SMTP error) or ' +
    'its recipient may no longer receive it (`lastError: recipient_not_eligible`).',
  ...authenticated(),
  request: { params: TicketIdParam, query: PageQuery },
  responses: {
    200: {
      description: 'A page of notifications, oldest first',
      ...jsonContent(NotificationPage, pageExample(notificationExample)),
    },
    ...ticketPageErrors,
    403: problemResponse('The requester asking (staff only)', ['forbidden']),
  },
});

const requeueNotificationRoute = createRoute({
  method: 'post',
  path: '/notifications/{id}/requeue',
  operationId: 'requeueNotification',
  tags: ['Notifications'],
  summary: 'Send a failed ticket email again (staff)',
  description:
    'Puts a `failed` notification back in the queue, due now, with a fresh OUTBOX_MAX_AGE of retries. ' +
    'Recorded on the ticket as an internal `notification.requeued` event.',
  ...authenticated(),
  request: { params: IdParam },
  responses: {
    200: {
      description: 'Queued again',
      content: {
        'application/json': {
          schema: NotificationStatusView,
          example: {
            id: '17',
            event: 'ticket.status_changed',
            recipient: 'ada@example.com',
            status: 'queued',
            attempts: 31,
            lastError: '421 Service not available',
            sentAt: null,
          },
        },
      },
    },
    401: unauthenticatedResponse,
    404: problemResponse("No such notification, not about a ticket, or not the caller's to requeue", [
      'not_found',
    ]),
    409: problemResponse('`not_failed`: only a failed notification can be requeued', ['not_failed']),
  },
});

export function notificationRoutes() {
  return createRouter()
    .openapi(listNotificationsRoute, async (c) =>
      c.json(await listForTicket(serviceContext(c), c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .openapi(requeueNotificationRoute, async (c) =>
      c.json(await requeue(serviceContext(c), c.req.valid('param').id), 200),
    );
}
