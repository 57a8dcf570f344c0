import { createRoute, z } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { etag } from '../../http/etag.js';
import { ticketExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import { toProblem } from '../../http/problem.js';
import {
  jsonBody,
  jsonContent,
  ProblemSchema,
  problemResponse,
  ticketNotFoundResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import { bulkUpdate } from './bulk.js';
import { setFollowing } from './followers.js';
import { merge } from './merge.js';
import { BulkInput, MergeInput, Ticket, TicketIdParam } from './schemas.js';

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

const BulkResult = z
  .object({
    results: z.array(
      z.object({
        id: z.string(),
        status: z
          .number()
          .int()
          .openapi({ description: 'What this ticket alone would have answered: 200, 404, 409, 422 …' }),
        ticket: Ticket.optional().openapi({ description: 'On 200: the ticket as changed' }),
        error: ProblemSchema.optional().openapi({
          description: 'Otherwise: the problem, as a single request would give it',
        }),
      }),
    ),
  })
  .openapi('BulkResult');

const bulkRoute = createRoute({
  method: 'post',
  path: '/tickets/bulk',
  operationId: 'bulkUpdateTickets',
  tags,
  summary: 'Change up to 100 tickets at once',
  description:
    'Staff only. Applies `changes` to each ticket in `ids` (at most 100, no repeats), each in its own ' +
    'transaction through the same verbs as `PATCH /tickets/{id}` and `POST /tickets/{id}/transitions`, with ' +
    'their events and emails. `addTags`/`removeTags` edit the tag set (`removeTags` wins). Always 200 once the ' +
    'body is valid: `results` holds one entry per id, in order, with the HTTP status that ticket alone would ' +
    'have had and either the ticket or its problem; one failing ticket never undoes or stops the others. ' +
    '(`groupId` joins `changes` with groups.)',
  ...authed,
  request: jsonBody(BulkInput, { ids: ['1042', '1043'], changes: { status: 'pending', addTags: ['vip'] } }),
  responses: {
    200: {
      description: 'One result per ticket',
      ...jsonContent(BulkResult, {
        results: [
          { id: '1042', status: 200, ticket: ticketExample },
          {
            id: '1043',
            status: 409,
            error: {
              type: 'https://helpdesk.dev/problems/invalid_transition',
              title: 'Conflict',
              status: 409,
              detail: 'A closed ticket cannot move to pending.',
              code: 'invalid_transition',
            },
          },
        ],
      }),
    },
    401: unauthenticatedResponse,
    ...forbidden('only staff update tickets in bulk'),
    422: validationFailedResponse,
  },
});

/** Followers, merge and bulk updates: the collaboration verbs on tickets. */
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
    .openapi(bulkRoute, async (c) => {
      const ctx = serviceContext(c);
      const outcomes = await bulkUpdate(ctx, c.req.valid('json'));
      const results = outcomes.map((o) => {
        if ('ticket' in o) return { id: String(o.id), status: 200, ticket: o.ticket };
        const error = toProblem(o.error);
        if (error.status >= 500) ctx.log.error({ err: o.error, ticketId: o.id }, 'bulk update item failed');
        return { id: String(o.id), status: error.status, error };
      });
      return c.json({ results }, 200);
    })
    .openapi(mergeRoute, async (c) => {
      const ticket = await merge(serviceContext(c), c.req.valid('param').id, c.req.valid('json'));
      c.header('ETag', etag(ticket.version));
      return c.json(ticket, 200);
    });
}
