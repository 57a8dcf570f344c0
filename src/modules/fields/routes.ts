import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { createRouter } from '../../http/openapi.js';
import {
  jsonBody,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import { CreateFieldInput, FieldIdParam, TicketField, TicketFieldList, UpdateFieldInput } from './schemas.js';
import * as fields from './service.js';

const tags = ['Custom fields'];
const authed = authenticated();
const example = {
  id: '3',
  key: 'plan',
  label: 'Plan',
  type: 'dropdown' as const,
  options: ['free', 'pro'],
  required: false,
  visibleToRequester: true,
};
const forbidden = { 403: problemResponse('`forbidden`: only admins define fields', ['forbidden']) };
const notFound = { 404: problemResponse('No such field', ['not_found']) };

const createFieldRoute = createRoute({
  method: 'post',
  path: '/ticket-fields',
  operationId: 'createTicketField',
  tags,
  summary: 'Define a custom ticket field (admin)',
  description:
    'Tickets then take `fields: {<key>: value}` on create and PATCH, validated by type (`text`: one line ≤ 255; ' +
    '`number`; `date`: YYYY-MM-DD; `checkbox`: boolean; `dropdown`: one of `options`), and `GET /tickets` ' +
    'filters by `field.<key>=<value>` (an index range). Requesters see and set only fields `visibleToRequester`. ' +
    '422 `field_key_reserved` for a key that is a built-in name (`status`, `q` …); 409 `field_key_taken`. Audited.',
  ...authed,
  request: jsonBody(CreateFieldInput, {
    key: 'plan',
    label: 'Plan',
    type: 'dropdown',
    options: ['free', 'pro'],
    visibleToRequester: true,
  }),
  responses: {
    201: { description: 'The field', ...jsonContent(TicketField, example) },
    401: unauthenticatedResponse,
    ...forbidden,
    409: problemResponse('`field_key_taken`', ['field_key_taken']),
    422: problemResponse('`field_key_reserved` or `validation_failed`', [
      'field_key_reserved',
      'validation_failed',
    ]),
  },
});

const listFieldsRoute = createRoute({
  method: 'get',
  path: '/ticket-fields',
  operationId: 'listTicketFields',
  tags,
  summary: 'List custom ticket fields',
  description: 'Staff see every field; a requester those visible to requesters.',
  ...authed,
  responses: {
    200: { description: 'The fields', ...jsonContent(TicketFieldList, { data: [example] }) },
    401: unauthenticatedResponse,
  },
});

const updateFieldRoute = createRoute({
  method: 'patch',
  path: '/ticket-fields/{id}',
  operationId: 'updateTicketField',
  tags,
  summary: 'Change a custom field (admin)',
  description:
    'The key and type are fixed; label, options (dropdowns), required and visibility change. Audited.',
  ...authed,
  request: { params: FieldIdParam, ...jsonBody(UpdateFieldInput, { label: 'Plan (billing)' }) },
  responses: {
    200: { description: 'The field', ...jsonContent(TicketField, example) },
    401: unauthenticatedResponse,
    ...forbidden,
    ...notFound,
    422: validationFailedResponse,
  },
});

const deleteFieldRoute = createRoute({
  method: 'delete',
  path: '/ticket-fields/{id}',
  operationId: 'deleteTicketField',
  tags,
  summary: 'Delete a custom field and its values (admin)',
  description: 'Audited.',
  ...authed,
  request: { params: FieldIdParam },
  responses: { 204: { description: 'Deleted' }, 401: unauthenticatedResponse, ...forbidden, ...notFound },
});

export function fieldRoutes() {
  return createRouter()
    .openapi(createFieldRoute, async (c) =>
      c.json(await fields.create(serviceContext(c), c.req.valid('json')), 201),
    )
    .openapi(listFieldsRoute, async (c) => c.json(await fields.list(serviceContext(c)), 200))
    .openapi(updateFieldRoute, async (c) =>
      c.json(await fields.update(serviceContext(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(deleteFieldRoute, async (c) => {
      await fields.remove(serviceContext(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
}
