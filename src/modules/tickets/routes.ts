import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { etag, IfMatchHeader, IfNoneMatchHeader, ifMatch, notModified } from '../../http/etag.js';
import { pageExample, ticketExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import {
  invalidCursorResponse,
  jsonBody,
  jsonContent,
  problemResponse,
  rateLimitedResponse,
  ticketNotFoundResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import {
  AllowedTransitions,
  CreateTicketInput,
  Ticket,
  TicketIdParam,
  TicketListQuery,
  TicketPage,
  TransitionInput,
  UpdateTicketInput,
} from './schemas.js';
import * as tickets from './service.js';

const tags = ['Tickets'];
const authed = authenticated();
const errors = {
  401: unauthenticatedResponse,
  422: validationFailedResponse,
};
const notFound = { 404: ticketNotFoundResponse };
const withEtag = (description: string) => ({
  description,
  headers: { ETag: { schema: { type: 'string' as const }, description: 'The ticket version, quoted' } },
  ...jsonContent(Ticket, ticketExample),
});
const precondition = {
  412: problemResponse('`precondition_failed`: `If-Match` no longer matches; nothing changed', [
    'precondition_failed',
  ]),
};

const createTicketRoute = createRoute({
  method: 'post',
  path: '/tickets',
  operationId: 'createTicket',
  tags,
  summary: 'Raise a ticket',
  description:
    'Creates a `new` ticket requested by the caller, or with `requester: {email, name?}` by that customer ' +
    '(staff and API keys with `tickets:write` only: 403 `forbidden` for a user; required for a key, 422 ' +
    'without it): the account is found by address or created without a password. `body` becomes its first ' +
    'message, authored by the caller. Emails the requester (acknowledgement) and every active agent and admin ' +
    '(but the caller). 422 when the requester account is disabled.',
  ...authed,
  request: jsonBody(CreateTicketInput, {
    subject: 'Cannot print invoices',
    body: 'The printer says: PC LOAD LETTER.',
    tags: ['printer'],
  }),
  responses: {
    201: {
      ...withEtag('The ticket'),
      headers: {
        Location: { schema: { type: 'string' as const } },
        ETag: { schema: { type: 'string' as const } },
      },
    },
    ...errors,
    403: problemResponse(
      '`forbidden`: a user naming a `requester`; `insufficient_scope`: an API key without `tickets:write`',
      ['forbidden', 'insufficient_scope'],
    ),
    429: {
      ...rateLimitedResponse,
      description: '`rate_limited`, with `Retry-After`: more tickets than TICKET_CREATE_LIMIT in the window',
    },
  },
});

const listTicketsRoute = createRoute({
  method: 'get',
  path: '/tickets',
  operationId: 'listTickets',
  tags,
  summary: 'List tickets',
  description:
    'A user sees only the tickets they requested; staff see all. Keyset-paginated: pass `nextCursor` back as ' +
    '`cursor` with the same filters and sort. `q` searches subjects and the messages the caller may read ' +
    '(every word must match, as a prefix). `field.<key>=<value>` filters by a custom field (see ' +
    '/ticket-fields; `true`/`false` for checkboxes, YYYY-MM-DD for dates; an unknown key or a bad value is 422).',
  ...authed,
  request: { query: TicketListQuery },
  responses: {
    200: { description: 'A page of tickets', ...jsonContent(TicketPage, pageExample(ticketExample)) },
    400: invalidCursorResponse,
    ...errors,
  },
});

const getTicketRoute = createRoute({
  method: 'get',
  path: '/tickets/{id}',
  operationId: 'getTicket',
  tags,
  summary: 'Get a ticket',
  description:
    'A requester sees the `version`, `ETag` and `updatedAt` that only requester-visible changes move (an ' +
    'internal note leaves them as they were); staff see the full ones. With `If-None-Match` naming the ' +
    'current `ETag` (or `*`), the answer is 304 with no body.',
  ...authed,
  request: { params: TicketIdParam, headers: IfNoneMatchHeader },
  responses: {
    200: withEtag('The ticket'),
    304: {
      description: 'Not modified: the `ETag` the client holds is current',
      headers: { ETag: { schema: { type: 'string' as const } } },
    },
    ...errors,
    ...notFound,
  },
});

const updateTicketRoute = createRoute({
  method: 'patch',
  path: '/tickets/{id}',
  operationId: 'updateTicket',
  tags,
  summary: 'Change subject, priority, tags, assignee or CCs',
  description:
    'Staff may change every field; the requester only the subject and the CCs (403 otherwise; a CC may ' +
    'change nothing). The assignee must be an active agent or admin (422). Assigning emails the new ' +
    'assignee and the requester. `ccs` replaces the set of people copied: at most 50 addresses, ' +
    'compared case-insensitively (duplicates count once); an address without an account gets a ' +
    "password-less customer account; the ticket's requester or a staff address is 422 " +
    '(`validation_failed`, `errors[].path` `ccs.N`), and then nothing changes. Each changed field writes ' +
    'one audit event (`ticket.ccs_changed` `{added, removed}` with user ids).',
  ...authed,
  request: {
    params: TicketIdParam,
    headers: IfMatchHeader,
    ...jsonBody(UpdateTicketInput, { assigneeId: '7', priority: 'high' }),
  },
  responses: {
    200: withEtag('The updated ticket'),
    403: problemResponse('`forbidden`: a requester changing anything but the subject', ['forbidden']),
    ...errors,
    ...notFound,
    ...precondition,
  },
});

const listTransitionsRoute = createRoute({
  method: 'get',
  path: '/tickets/{id}/transitions',
  operationId: 'listTicketTransitions',
  tags,
  summary: 'What the caller may move the ticket to now',
  ...authed,
  request: { params: TicketIdParam },
  responses: {
    200: {
      description: 'Current status and allowed targets',
      ...jsonContent(AllowedTransitions, { status: 'open', allowed: ['pending', 'solved'] }),
    },
    ...errors,
    ...notFound,
  },
});

const transitionRoute = createRoute({
  method: 'post',
  path: '/tickets/{id}/transitions',
  operationId: 'transitionTicket',
  tags,
  summary: 'Move the ticket through its lifecycle',
  description:
    'Lifecycle (who may): new → open/pending/on_hold (staff), → solved (staff, requester); open → pending/on_hold ' +
    '(staff), → solved (staff, requester); pending → open (staff, requester), → on_hold (staff), → solved ' +
    '(staff, requester); on_hold → open/pending (staff), → solved (staff, requester); solved → open (staff, ' +
    'requester), → closed (staff; also automatically after AUTO_CLOSE_DAYS); closed is terminal. Emails the ' +
    'requester and the assignee.',
  ...authed,
  request: { params: TicketIdParam, headers: IfMatchHeader, ...jsonBody(TransitionInput, { to: 'solved' }) },
  responses: {
    200: withEtag('The moved ticket'),
    403: problemResponse(
      "`forbidden_transition`: the state machine allows it, the caller's role does not (`allowed` lists what the caller may do)",
      ['forbidden_transition'],
    ),
    409: problemResponse(
      '`invalid_transition`: no such move from the current status (`allowed` lists what the caller may do)',
      ['invalid_transition'],
    ),
    ...errors,
    ...notFound,
    ...precondition,
  },
});

/** Sets the ticket's `ETag` and hands it back, for `c.json(tagged(c, ticket), 200)`. */
function tagged(c: Context, ticket: Ticket): Ticket {
  c.header('ETag', etag(ticket.version));
  return ticket;
}

/**
 * What the ticket routes need from other modules, handed in by the app: the accounts module's
 * find-or-create of a customer by address (for `requester: {email}` and for CCs).
 */
export interface TicketRoutePorts {
  customerAccounts: tickets.FindOrCreateCustomer;
}

export function ticketRoutes(ports: TicketRoutePorts) {
  return createRouter()
    .openapi(createTicketRoute, async (c) => {
      const ticket = await tickets.create(serviceContext(c), c.req.valid('json'), ports.customerAccounts);
      c.header('Location', `${new URL(c.req.url).pathname}/${ticket.id}`);
      return c.json(tagged(c, ticket), 201);
    })
    .openapi(listTicketsRoute, async (c) => {
      // `field.<key>=<value>`: custom-field filters, named by the field's key (not in the static schema).
      const fieldQuery = Object.entries(c.req.query())
        .filter(([k]) => k.startsWith('field.'))
        .slice(0, 10)
        .map(([k, v]): [string, string] => [k.slice(6), v]);
      return c.json(await tickets.list(serviceContext(c), c.req.valid('query'), fieldQuery), 200);
    })
    .openapi(getTicketRoute, async (c) => {
      const ticket = tagged(c, await tickets.get(serviceContext(c), c.req.valid('param').id));
      if (notModified(c, ticket.version)) return c.body(null, 304);
      return c.json(ticket, 200);
    })
    .openapi(updateTicketRoute, async (c) => {
      const { id } = c.req.valid('param');
      const ticket = await tickets.update(
        serviceContext(c),
        id,
        c.req.valid('json'),
        ifMatch(c),
        ports.customerAccounts,
      );
      return c.json(tagged(c, ticket), 200);
    })
    .openapi(listTransitionsRoute, async (c) =>
      c.json(await tickets.allowedTransitions(serviceContext(c), c.req.valid('param').id), 200),
    )
    .openapi(transitionRoute, async (c) => {
      const { id } = c.req.valid('param');
      const ticket = await tickets.transition(serviceContext(c), id, c.req.valid('json'), ifMatch(c));
      return c.json(tagged(c, ticket), 200);
    });
}
