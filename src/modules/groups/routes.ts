import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { IdParam } from '../../http/ids.js';
import { createRouter } from '../../http/openapi.js';
import { PageQuery } from '../../http/pagination.js';
import {
  invalidBodyResponses,
  invalidCursorResponse,
  jsonBody,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import { CreateGroupInput, Group, GroupPage, groupExample, UpdateGroupInput } from './schemas.js';
import * as groups from './service.js';

const common = { tags: ['Groups'], ...authenticated() };
const forbidden = problemResponse('`forbidden`: agents may read groups, only admins change them', [
  'forbidden',
]);
const notFound = problemResponse('`not_found`', ['not_found']);

const listRoute = createRoute({
  ...common,
  method: 'get',
  path: '/groups',
  operationId: 'listGroups',
  summary: 'List groups (staff)',
  description: 'Every group with its members, ordered by id, cursor-paginated. Users get 403.',
  request: { query: PageQuery },
  responses: {
    200: {
      description: 'A page of groups',
      ...jsonContent(GroupPage, { data: [groupExample], nextCursor: null }),
    },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: forbidden,
    422: validationFailedResponse,
  },
});

const getRoute = createRoute({
  ...common,
  method: 'get',
  path: '/groups/{id}',
  operationId: 'getGroup',
  summary: 'One group (staff)',
  request: { params: IdParam },
  responses: {
    200: { description: 'The group', ...jsonContent(Group, groupExample) },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

const createGroupRoute = createRoute({
  ...common,
  method: 'post',
  path: '/groups',
  operationId: 'createGroup',
  summary: 'Create a group (admin)',
  description:
    'Members must be active agents or admins (422 naming each other id). `round_robin` deals tickets put in ' +
    'the group without an assignee to its active members in turn, skipping disabled ones. Audited.',
  request: jsonBody(CreateGroupInput, { name: 'Billing', memberIds: ['7', '9'], assignment: 'round_robin' }),
  responses: {
    201: {
      description: 'Created',
      headers: { Location: { description: 'The new group', schema: { type: 'string' } } },
      ...jsonContent(Group, groupExample),
    },
    401: unauthenticatedResponse,
    403: forbidden,
    409: problemResponse('`group_name_taken`', ['group_name_taken']),
    ...invalidBodyResponses,
  },
});

const updateRoute = createRoute({
  ...common,
  method: 'patch',
  path: '/groups/{id}',
  operationId: 'updateGroup',
  summary: 'Change a group (admin)',
  description: '`memberIds` replaces the member list. Tickets already assigned keep their assignee. Audited.',
  request: { params: IdParam, ...jsonBody(UpdateGroupInput, { assignment: 'manual' }) },
  responses: {
    200: { description: 'The group', ...jsonContent(Group, groupExample) },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
    409: problemResponse('`group_name_taken`', ['group_name_taken']),
    ...invalidBodyResponses,
  },
});

const deleteRoute = createRoute({
  ...common,
  method: 'delete',
  path: '/groups/{id}',
  operationId: 'deleteGroup',
  summary: 'Delete a group (admin)',
  description:
    'Tickets in the group leave it in the same transaction (group set to null, a `ticket.group_changed` ' +
    'event each, SLA re-derived); SLA policies naming the group keep its id, which then matches nothing. Audited.',
  request: { params: IdParam },
  responses: {
    204: { description: 'Deleted' },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

/** Groups of staff: /groups. */
export function groupRoutes() {
  return createRouter()
    .openapi(listRoute, async (c) => c.json(await groups.list(serviceContext(c), c.req.valid('query')), 200))
    .openapi(getRoute, async (c) => c.json(await groups.get(serviceContext(c), c.req.valid('param').id), 200))
    .openapi(createGroupRoute, async (c) => {
      const group = await groups.create(serviceContext(c), c.req.valid('json'));
      c.header('Location', `${c.req.path}/${group.id}`);
      return c.json(group, 201);
    })
    .openapi(updateRoute, async (c) =>
      c.json(await groups.update(serviceContext(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(deleteRoute, async (c) => {
      await groups.remove(serviceContext(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
}
