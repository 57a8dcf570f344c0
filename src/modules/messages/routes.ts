import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { IfMatchHeader, ifMatch } from '../../http/etag.js';
import { messageExample, pageExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import { PageQuery } from '../../http/pagination.js';
import {
  invalidCursorResponse,
  jsonBody,
  jsonContent,
  problemResponse,
  ticketNotFoundResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import { TicketIdParam } from '../tickets/index.js';
import { CreateMessageInput, Message, MessagePage } from './schemas.js';
import * as messages from './service.js';

const tags = ['Conversations'];
const authed = authenticated();
const errors = {
  401: unauthenticatedResponse,
  404: ticketNotFoundResponse,
  422: validationFailedResponse,
};

const listMessagesRoute = createRoute({
  method: 'get',
  path: '/tickets/{id}/messages',
  operationId: 'listMessages',
  tags,
  summary: "A ticket's conversation, oldest first",
  description: 'Internal notes are omitted for the requester.',
  ...authed,
  request: { params: TicketIdParam, query: PageQuery },
  responses: {
    200: { description: 'A page of messages', ...jsonContent(MessagePage, pageExample(messageExample)) },
    400: invalidCursorResponse,
    ...errors,
  },
});

const createMessageRoute = createRoute({
  method: 'post',
  path: '/tickets/{id}/messages',
  operationId: 'createMessage',
  tags,
  summary: 'Reply, or add an internal note',
  description:
    'The requester may reply publicly (422 if they set `internal`); staff may also add internal notes. ' +
    "The first public staff reply on a `new` ticket opens it and sets `firstResponseAt`; the requester's reply on " +
    'a `pending` or `solved` ticket reopens it. A public reply emails the requester and the assignee; an ' +
    'internal note only the assignee (CCs get public replies, followers everything). A CC may reply ' +
    'publicly; their reply moves nothing. A reply to a merged ticket lands on the ticket it was merged ' +
    "into: the 201 Message's `ticketId` names that ticket (`If-Match` is compared with the merged one). " +
    'Bumps the ticket version; `If-Match` is honoured.',
  ...authed,
  request: {
    params: TicketIdParam,
    headers: IfMatchHeader,
    ...jsonBody(CreateMessageInput, { body: 'Load letter-size paper in tray 2, then print again.' }),
  },
  responses: {
    201: { description: 'The message', ...jsonContent(Message, messageExample) },
    409: problemResponse('`ticket_closed`: replies on a closed ticket are refused', ['ticket_closed']),
    412: problemResponse('`precondition_failed`: `If-Match` no longer matches', ['precondition_failed']),
    ...errors,
  },
});

export function messageRoutes() {
  return createRouter()
    .openapi(listMessagesRoute, async (c) =>
      c.json(await messages.list(serviceContext(c), c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .openapi(createMessageRoute, async (c) => {
      const id = c.req.valid('param').id;
      const message = await messages.create(serviceContext(c), id, c.req.valid('json'), ifMatch(c));
      return c.json(message, 201);
    });
}
