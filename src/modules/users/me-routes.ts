import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { userExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import {
  jsonBody as body,
  invalidBodyResponses as invalid,
  jsonContent as json,
  problemResponse,
  unauthenticatedResponse,
} from '../../http/schemas.js';
import * as me from './me.js';
import { UpdateMeInput, User } from './schemas.js';

// The caller's own account (GET/PATCH /me): a users route, tagged with the accounts routes in the document.

const meRoute = createRoute({
  method: 'get',
  path: '/me',
  operationId: 'getMe',
  tags: ['Accounts and tokens'],
  summary: 'The authenticated user',
  ...authenticated(),
  responses: {
    200: { description: 'The caller', ...json(User, userExample) },
    401: unauthenticatedResponse,
  },
});

const updateMeRoute = createRoute({
  method: 'patch',
  path: '/me',
  operationId: 'updateMe',
  tags: ['Accounts and tokens'],
  summary: "Change the caller's name or email preference",
  description:
    '`notifications.email: false` opts out of every ticket email (created, status changed, assigned, ' +
    'replies, notes); password-reset emails are still sent, since the account owner asks for them. ' +
    'Omitted fields stay as they are; unknown fields (such as `role` or `email`) are refused with 422.',
  ...authenticated(),
  request: body(UpdateMeInput, { name: 'Ada King', notifications: { email: false } }),
  responses: {
    200: { description: 'The updated caller', ...json(User, userExample) },
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`', ['forbidden']),
    ...invalid,
  },
});

/** GET and PATCH /me. */
export function meRoutes() {
  return createRouter()
    .openapi(meRoute, async (c) => c.json(await me.me(serviceContext(c)), 200))
    .openapi(updateMeRoute, async (c) =>
      c.json(await me.updateMe(serviceContext(c), c.req.valid('json')), 200),
    );
}
