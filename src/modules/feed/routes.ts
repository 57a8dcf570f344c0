import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { ticketExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import { jsonContent, problemResponse, unauthenticatedResponse } from '../../http/schemas.js';
import { ExportPage, ExportQuery, exportTickets } from './export.js';
import { EventFeedPage, EventFeedQuery } from './schemas.js';
import * as feed from './service.js';

const listEventsRoute = createRoute({
  method: 'get',
  operationId: 'listEvents',
  path: '/events',
  tags: ['Events'],
  summary: 'The change feed: every ticket’s events, in commit order',
  description:
    'Poll it with the `nextCursor` of your previous call as `after`: you get each event exactly once, in the ' +
    'order the changes committed, even when concurrent changes commit out of the order their ids were ' +
    'given in. `nextCursor` is never null; with nothing new it is the cursor you sent. Staff only.',
  ...authenticated(),
  request: { query: EventFeedQuery },
  responses: {
    200: {
      description: 'Up to `limit` events after the cursor, oldest first',
      content: {
        'application/json': {
          schema: EventFeedPage,
          example: {
            data: [
              {
                id: '5120',
                type: 'ticket.status_changed',
                ticketId: '1042',
                actor: { type: 'user', id: '7', name: 'Alan Agent', role: 'agent' },
                data: { from: 'open', to: 'pending' },
                internal: false,
                createdAt: '2026-11-21T20:40:52.123Z',
              },
            ],
            nextCursor: 'WyJmZWVkIiw1MTIwXQ',
          },
        },
      },
    },
    400: problemResponse('`invalid_cursor`: `after` is not a cursor this feed gave out'),
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: only staff may read the feed'),
    422: problemResponse('`validation_failed`: a bad `limit`, `types` or `ticketId`, with `errors[]`'),
  },
});

export function feedRoutes() {
  return createRouter().openapi(listEventsRoute, async (c) =>
    c.json(await feed.list(serviceContext(c), c.req.valid('query')), 200),
  );
}

const exportTicketsRoute = createRoute({
  method: 'get',
  operationId: 'exportTickets',
  path: '/tickets/export',
  tags: ['Tickets'],
  summary: 'Incremental export: tickets changed since a time, oldest change first',
  description:
    'For syncing tickets to a warehouse or a CRM. Each page takes the next `limit` changes in the order ' +
    'they committed and lists the tickets whose latest change is among them (the staff view, as they are ' +
    'now), each once; a page may hold fewer than `limit` tickets, even none while `hasMore` is true. Call ' +
    'again with `nextCursor` as `cursor` to resume, now or days ' +
    'later. No ticket is skipped, even while tickets change during the export; a ticket comes again only ' +
    'when it changed again. `nextCursor` is never null; `hasMore` says whether more changes were already ' +
    'waiting. Staff only; API keys need `tickets:read`.',
  ...authenticated(),
  request: { query: ExportQuery },
  responses: {
    200: {
      description: 'The tickets changed in the next `limit` changes (at most 1000), oldest change first',
      ...jsonContent(ExportPage, {
        data: [ticketExample],
        nextCursor: 'WyJleHBvcnQiLDUxMjBd',
        hasMore: false,
      }),
    },
    400: problemResponse('`invalid_cursor`: `cursor` is not one this export gave out'),
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden` for requesters; `insufficient_scope` for a key without `tickets:read`'),
    422: problemResponse('`validation_failed`: a bad `limit` or `updatedSince`, with `errors[]`'),
  },
});

/** GET /tickets/export: mounted before the tickets router, whose `/tickets/{id}` would take the path. */
export function exportRoutes() {
  return createRouter().openapi(exportTicketsRoute, async (c) =>
    c.json(await exportTickets(serviceContext(c), c.req.valid('query')), 200),
  );
}
