import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { createUserExample, pageExample, promoteUserExample, userExample } from '../../http/examples.js';
import { IdParam } from '../../http/ids.js';
import { createRouter } from '../../http/openapi.js';
import {
  invalidBodyResponses,
  invalidCursorResponse,
  jsonBody,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
} from '../../http/schemas.js';
import { meRoutes } from './me-routes.js';
import { CreateUserInput, UpdateUserInput, User, UserListQuery, UserPage } from './schemas.js';
import * as users from './service.js';

const common = {
  tags: ['Users'],
  ...authenticated(),
};

const listRoute = createRoute({
  ...common,
  method: 'get',
  path: '/users',
  operationId: 'listUsers',
  summary: 'List users',
  description:
    'Admins see every account; agents get a read-only list of staff (agents and admins); users get 403. ' +
    'Ordered by id, cursor-paginated. Filters combine with AND.',
  request: { query: UserListQuery },
  responses: {
    200: { description: 'A page of users', ...jsonContent(UserPage, pageExample(userExample)) },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: the caller is not staff'),
    422: problemResponse('`validation_failed`: a bad `limit`, `role`, `active` or `q`'),
  },
});

const getRoute = createRoute({
  ...common,
  method: 'get',
  path: '/users/{id}',
  operationId: 'getUser',
  summary: 'One user',
  description:
    'Staff may read any account; a user only their own (any other id, existing or not, is 403). ' +
    'An id that is not a positive integer is treated as one that does not exist.',
  request: { params: IdParam },
  responses: {
    200: { description: 'The user', ...jsonContent(User, userExample) },
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: a user asking for another account'),
    404: problemResponse('`not_found` (staff only)'),
  },
});

const createUserRoute = createRoute({
  ...common,
  method: 'post',
  path: '/users',
  operationId: 'createUser',
  summary: 'Create an account (admin)',
  description:
    'Admins create accounts of any role, staff included. The password follows the registration rules.',
  request: jsonBody(CreateUserInput, createUserExample),
  responses: {
    201: {
      description: 'Created',
      headers: { Location: { description: 'The new user', schema: { type: 'string' } } },
      ...jsonContent(User, userExample),
    },
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: the caller is not an admin'),
    409: problemResponse('`email_taken`'),
    ...invalidBodyResponses,
  },
});

const updateRoute = createRoute({
  ...common,
  method: 'patch',
  path: '/users/{id}',
  operationId: 'updateUser',
  summary: 'Change name, role or active (admin)',
  description:
    'Each field is authorized on its own: admins may change all three on any account; anyone may change ' +
    'their own `name` here as with PATCH /me. `active: false` disables the account and revokes all its ' +
    'sessions at once. Demoting or disabling the last active admin is refused with 409 `last_admin`. ' +
    'Unknown fields are refused (422).',
  request: { params: IdParam, ...jsonBody(UpdateUserInput, promoteUserExample) },
  responses: {
    200: { description: 'The updated user', ...jsonContent(User, userExample) },
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: the caller may not read this account or change these fields'),
    404: problemResponse('`not_found`'),
    409: problemResponse('`last_admin`'),
    ...invalidBodyResponses,
  },
});

/** Staff administration: /users. */
export function userRoutes() {
  return createRouter()
    .openapi(listRoute, async (c) => c.json(await users.list(serviceContext(c), c.req.valid('query')), 200))
    .openapi(getRoute, async (c) => c.json(await users.get(serviceContext(c), c.req.valid('param')), 200))
    .openapi(createUserRoute, async (c) => {
      const user = await users.create(serviceContext(c), c.req.valid('json'));
      c.header('Location', `${c.req.path}/${user.id}`);
      return c.json(user, 201);
    })
    .openapi(updateRoute, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(await users.update(serviceContext(c), { id, patch: c.req.valid('json') }), 200);
    })
    .route('/', meRoutes());
}
