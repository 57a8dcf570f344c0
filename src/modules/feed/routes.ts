import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { createRouter } from '../../http/openapi.js';
import { problemResponse, unauthenticatedResponse } from '../../http/schemas.js';
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
