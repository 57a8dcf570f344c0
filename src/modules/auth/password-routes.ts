import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { createRouter } from '../../http/openapi.js';
import {
  invalidBodyResponses,
  jsonBody,
  problemResponse,
  rateLimitedResponse,
  unauthenticatedResponse,
} from '../../http/schemas.js';
import { ChangePasswordInput, PasswordResetConfirmInput, PasswordResetInput } from './account-schemas.js';
import * as password from './password.js';

const tags = ['Accounts and tokens'];
const rateLimited = rateLimitedResponse;

const changeRoute = createRoute({
  method: 'post',
  path: '/auth/password',
  operationId: 'changePassword',
  tags,
  summary: "Change the caller's password",
  description:
    'Needs the current password. Every other session of the caller is revoked; the one making this ' +
    'request stays usable. Attempts are rate limited per user and per client address, like login.',
  ...authenticated(),
  request: jsonBody(ChangePasswordInput, {
    currentPassword: 'correct horse battery',
    newPassword: 'staple battery horse correct',
  }),
  responses: {
    204: { description: 'Password changed' },
    401: unauthenticatedResponse,
    403: problemResponse('`wrong_password`: the current password is wrong (the token itself is fine)', [
      'wrong_password',
    ]),
    429: rateLimited,
    ...invalidBodyResponses,
  },
});

const requestResetRoute = createRoute({
  method: 'post',
  path: '/auth/password-reset',
  operationId: 'requestPasswordReset',
  security: [],
  tags,
  summary: 'Email a password-reset token',
  description:
    'Always 202 with an empty body, whether or not the email belongs to an account (no account ' +
    'enumeration). For an active account, an email with a single-use token valid for 30 minutes is queued; ' +
    "it is sent whatever the account's notification preference. Rate limited per client address and per email.",
  request: jsonBody(PasswordResetInput, { email: 'ada@example.com' }),
  responses: {
    202: { description: 'Accepted; an email is on its way if the account exists' },
    429: rateLimited,
    ...invalidBodyResponses,
  },
});

const confirmResetRoute = createRoute({
  method: 'post',
  path: '/auth/password-reset/confirm',
  operationId: 'confirmPasswordReset',
  security: [],
  tags,
  summary: 'Set a new password with a reset token',
  description:
    'Spends the token (single use, also under concurrent requests), sets the password, revokes every ' +
    "session of the account and voids the account's other reset tokens. Rate limited per client address.",
  request: jsonBody(PasswordResetConfirmInput, {
    token: 'mB1vQ8xL0sZ3kY7tR2wC9nH4dF6gJ5pA0eU1iO3qS8c',
    newPassword: 'staple battery horse correct',
  }),
  responses: {
    204: { description: 'Password set; log in with it' },
    400: problemResponse(
      '`invalid_token` (unknown, used or expired token, or a disabled account), or `malformed_request`',
      ['invalid_token', 'malformed_request'],
    ),
    429: rateLimited,
    422: invalidBodyResponses[422],
  },
});

/** /auth/password and /auth/password-reset. */
export function passwordRoutes() {
  return createRouter()
    .openapi(changeRoute, async (c) => {
      await password.changePassword(serviceContext(c), c.req.valid('json'));
      return c.body(null, 204);
    })
    .openapi(requestResetRoute, async (c) => {
      await password.requestPasswordReset(serviceContext(c), c.req.valid('json'));
      return c.body(null, 202);
    })
    .openapi(confirmResetRoute, async (c) => {
      await password.confirmPasswordReset(serviceContext(c), c.req.valid('json'));
      return c.body(null, 204);
    });
}
