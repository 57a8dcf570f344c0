import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { pageExample, ticketEventExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import { PageQuery } from '../../http/pagination.js';
import { jsonContent, ticketPageErrors } from '../../http/schemas.js';
import { TicketIdParam } from '../tickets/index.js';
import { TicketEventPage } from './schemas.js';
import * as audit from './service.js';

const listEventsRoute = createRoute({
  method: 'get',
  path: '/tickets/{id}/events',
  operationId: 'listTicketEvents',
  tags: ['Tickets'],
  summary: "A ticket's audit trail, oldest first",
  description:
    'One event per change, written in the same transaction as the change. Requesters do not see events ' +
    'about internal notes, and their event ids number the events they can see (1, 2, 3…, per ticket), so ' +
    'no gap reveals a hidden event; staff see global ids.',
  ...authenticated(),
  request: { params: TicketIdParam, query: PageQuery },
  responses: {
    200: {
      description: 'A page of audit events',
      ...jsonContent(TicketEventPage, pageExample(ticketEventExample)),
    },
    ...ticketPageErrors,
  },
});

export function auditRoutes() {
  return createRouter().openapi(listEventsRoute, async (c) =>
    c.json(await audit.list(serviceContext(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
}
