import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { etag } from '../../http/etag.js';
import { ticketExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import {
  jsonBody,
  jsonContent,
  problemResponse,
  ticketNotFoundResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import { setFollowing } from './followers.js';
import { merge } from './merge.js';
import { MergeInput, Ticket, TicketIdParam } from './schemas.js';

const tags = ['Collaboration'];
const authed = authenticated();
const forbidden = (what: string) => ({ 403: problemResponse(`\`forbidden\`: ${what}`, ['forbidden']) });
const ticketResponse = (description: string) => ({
  description,
  headers: { ETag: { schema: { type: 'string' as const }, description: 'The ticket version, quoted' } },
  ...jsonContent(Ticket, ticketExample),
});

const followRoute = (method: 'put' | 'delete') =>
  createRoute({
    method,
    path: '/tickets/{id}/followers/me',
    operationId: method === 'put' ? 'followTicket' : 'unfollowTicket',
    tags,
    summary: method === 'put' ? 'Follow a ticket' : 'Stop following a ticket',
    description:
      'Staff only. A follower receives every email about the ticket, internal notes included, and is listed ' +
      "in the ticket's `followers` (shown to staff only). Idempotent: following twice is one follow. Writes " +
      "an internal `ticket.followed` / `ticket.unfollowed` event; the requester's view does not change.",
    ...authed,
    request: { params: TicketIdParam },
    responses: {
      200: ticketResponse('The ticket'),
      401: unauthenticatedResponse,
      ...forbidden('only staff follow tickets'),
      404: ticketNotFoundResponse,
    },
  });

const mergeRoute = createRoute({
  method: 'post',
  path: '/tickets/{id}/merge',
  operationId: 'mergeTickets',
  tags,
  summary: 'Merge tickets into this one',
  description:
    'Staff only. Closes each source (`status: closed`, `mergedInto: {id}`, a `ticket.merged_into` event) and ' +
    'emails its requester (template `ticket_merged`); adds an internal note to this ticket listing the ' +
    "sources, with an internal `ticket.merged` event. The sources' requesters and CCs (customers only, up to " +
    'the 50-CC cap) are copied on this ticket. Later replies to a source, by API or email, land on this ' +
    'ticket: `POST /tickets/{source}/messages` answers 201 with a Message whose `ticketId` is this ticket. ' +
    'All in one transaction, rows locked in id order. 422: `merge_into_self`, `merge_target_closed`, ' +
    '`merge_cycle` (this ticket was merged into a source), `already_merged` (`ticketIds` names them), or ' +
    '`validation_failed` (no sources, more than 50, a repeated id); 404 for any ticket the caller cannot see.',
  ...authed,
  request: { params: TicketIdParam, ...jsonBody(MergeInput, { sourceIds: ['1043', '1044'] }) },
  responses: {
    200: ticketResponse('The target ticket, after the merge'),
    401: unauthenticatedResponse,
    ...forbidden('only staff merge tickets'),
    404: ticketNotFoundResponse,
    422: problemResponse(
      '`merge_into_self`, `merge_target_closed`, `merge_cycle`, `already_merged`, or `validation_failed`',
      ['merge_into_self', 'merge_target_closed', 'merge_cycle', 'already_merged', 'validation_failed'],
    ),
  },
});

/** Followers, merge (and bulk updates): the collaboration verbs on tickets. */
export function collaborationRoutes() {
  return createRouter()
    .openapi(followRoute('put'), async (c) => {
      const ticket = await setFollowing(serviceContext(c), c.req.valid('param').id, true);
      c.header('ETag', etag(ticket.version));
      return c.json(ticket, 200);
    })
    .openapi(followRoute('delete'), async (c) => {
      const ticket = await setFollowing(serviceContext(c), c.req.valid('param').id, false);
      c.header('ETag', etag(ticket.version));
      return c.json(ticket, 200);
    })
    .openapi(mergeRoute, async (c) => {
      const ticket = await merge(serviceContext(c), c.req.valid('param').id, c.req.valid('json'));
      c.header('ETag', etag(ticket.version));
      return c.json(ticket, 200);
    });
}
