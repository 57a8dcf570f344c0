import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { etag, IfMatchHeader, ifMatch } from '../../http/etag.js';
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
import { Ticket } from '../tickets/index.js';
import {
  ApplyParams,
  CreateMacroInput,
  Macro,
  MacroIdParam,
  MacroList,
  UpdateMacroInput,
} from './schemas.js';
import * as macros from './service.js';

const tags = ['Macros'];
const authed = authenticated();
const example = {
  id: '12',
  name: 'Ask for logs',
  actions: {
    reply: {
      body: 'Hello {{requester.name}}, please send the logs for #{{ticket.id}}. {{agent.name}}',
      internal: false,
    },
    status: 'pending' as const,
    addTags: ['logs'],
  },
  createdAt: '2026-11-21T20:40:52.123Z',
  updatedAt: '2026-11-21T20:40:52.123Z',
};
const forbidden = (what: string) => ({ 403: problemResponse(`\`forbidden\`: ${what}`, ['forbidden']) });
const macroNotFound = { 404: problemResponse('No such macro', ['not_found']) };

const createMacroRoute = createRoute({
  method: 'post',
  path: '/macros',
  operationId: 'createMacro',
  tags,
  summary: 'Create a macro (admin)',
  description:
    'A named set of actions staff apply to a ticket in one step: a reply or internal note, a status, a ' +
    'priority, an assignee, tags to add and remove. The reply may use `{{requester.name}}`, `{{ticket.id}}`, ' +
    '`{{agent.name}}` and `{{#if …}}…{{/if}}` (eval-free engine); any other placeholder is 422. Audited.',
  ...authed,
  request: jsonBody(CreateMacroInput, { name: example.name, actions: example.actions }),
  responses: {
    201: { description: 'The macro', ...jsonContent(Macro, example) },
    401: unauthenticatedResponse,
    ...forbidden('only admins write macros'),
    422: validationFailedResponse,
  },
});

const listMacrosRoute = createRoute({
  method: 'get',
  path: '/macros',
  operationId: 'listMacros',
  tags,
  summary: 'List macros (staff)',
  ...authed,
  responses: {
    200: { description: 'Every macro, by id', ...jsonContent(MacroList, { data: [example] }) },
    401: unauthenticatedResponse,
    ...forbidden('only staff read macros'),
  },
});

const getMacroRoute = createRoute({
  method: 'get',
  path: '/macros/{id}',
  operationId: 'getMacro',
  tags,
  summary: 'Get a macro (staff)',
  ...authed,
  request: { params: MacroIdParam },
  responses: {
    200: { description: 'The macro', ...jsonContent(Macro, example) },
    401: unauthenticatedResponse,
    ...forbidden('only staff read macros'),
    ...macroNotFound,
  },
});

const updateMacroRoute = createRoute({
  method: 'patch',
  path: '/macros/{id}',
  operationId: 'updateMacro',
  tags,
  summary: 'Change a macro (admin)',
  description: '`actions` replaces the whole set. Audited.',
  ...authed,
  request: { params: MacroIdParam, ...jsonBody(UpdateMacroInput, { name: 'Ask for logs (v2)' }) },
  responses: {
    200: { description: 'The macro', ...jsonContent(Macro, example) },
    401: unauthenticatedResponse,
    ...forbidden('only admins write macros'),
    ...macroNotFound,
    422: validationFailedResponse,
  },
});

const deleteMacroRoute = createRoute({
  method: 'delete',
  path: '/macros/{id}',
  operationId: 'deleteMacro',
  tags,
  summary: 'Delete a macro (admin)',
  description: 'Audited.',
  ...authed,
  request: { params: MacroIdParam },
  responses: {
    204: { description: 'Deleted' },
    401: unauthenticatedResponse,
    ...forbidden('only admins write macros'),
    ...macroNotFound,
  },
});

const applyMacroRoute = createRoute({
  method: 'post',
  path: '/tickets/{id}/macros/{macroId}/apply',
  operationId: 'applyMacro',
  tags,
  summary: 'Apply a macro to a ticket (staff)',
  description:
    'Applies every action of the macro as ONE change in one transaction: one version bump, the events of ' +
    "each part, the emails each part causes. The reply is rendered with the ticket's requester, number and " +
    'the applying agent. Honours `If-Match` (412). 422 `macro_agent_unavailable` when the macro assigns ' +
    'someone who is no longer an active agent or admin; 409 `invalid_transition` when its status cannot be ' +
    'reached, `ticket_closed` when it replies on a closed ticket; nothing is applied then.',
  ...authed,
  request: { params: ApplyParams, headers: IfMatchHeader },
  responses: {
    200: {
      description: 'The ticket after the macro',
      headers: { ETag: { schema: { type: 'string' as const } } },
      ...jsonContent(Ticket, ticketExample),
    },
    401: unauthenticatedResponse,
    ...forbidden('only staff apply macros'),
    404: ticketNotFoundResponse,
    409: problemResponse('`invalid_transition` or `ticket_closed`', ['invalid_transition', 'ticket_closed']),
    412: problemResponse('`precondition_failed`: `If-Match` no longer matches', ['precondition_failed']),
    422: problemResponse('`macro_agent_unavailable` or `validation_failed`', [
      'macro_agent_unavailable',
      'validation_failed',
    ]),
  },
});

export function macroRoutes() {
  return createRouter()
    .openapi(createMacroRoute, async (c) =>
      c.json(await macros.create(serviceContext(c), c.req.valid('json')), 201),
    )
    .openapi(listMacrosRoute, async (c) => c.json(await macros.list(serviceContext(c)), 200))
    .openapi(getMacroRoute, async (c) =>
      c.json(await macros.get(serviceContext(c), c.req.valid('param').id), 200),
    )
    .openapi(updateMacroRoute, async (c) =>
      c.json(await macros.update(serviceContext(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(deleteMacroRoute, async (c) => {
      await macros.remove(serviceContext(c), c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(applyMacroRoute, async (c) => {
      const { id, macroId } = c.req.valid('param');
      const ticket = await macros.apply(serviceContext(c), id, macroId, ifMatch(c));
      c.header('ETag', etag(ticket.version));
      return c.json(ticket, 200);
    });
}
