import { createRoute } from '@hono/zod-openapi';
import { serviceContext } from '../../http/context.js';
import { tokenPairExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import {
  jsonBody as body,
  invalidBodyResponses as invalid,
  jsonContent as json,
  problemResponse,
  rateLimitedResponse,
} from '../../http/schemas.js';
import { passwordRoutes } from './password-routes.js';
import { LoginInput, RefreshInput, RegisterInput, TokenPair } from './schemas.js';
import * as auth from './service.js';
import { sessionRoutes } from './session-routes.js';
import { verificationRoutes } from './verification-routes.js';

const registerRoute = createRoute({
  method: 'post',
  path: '/auth/register',
  operationId: 'register',
  security: [],
  tags: ['Accounts and tokens'],
  summary: 'Create a user account and log in',
  description:
    'Public registration always creates a `user`. Passwords need at least 10 characters. The account ' +
    'starts with `emailVerified: false` and one email goes out, with a link to verify the address; until ' +
    'then the account works through the API but no ticket email is sent to it.',
  request: body(RegisterInput, {
    email: 'ada@example.com',
    password: 'correct horse battery',
    name: 'Ada Lovelace',
  }),
  responses: {
    201: { description: 'Account created; a new session', ...json(TokenPair, tokenPairExample) },
    409: problemResponse('`email_taken`', ['email_taken']),
    429: rateLimitedResponse,
    ...invalid,
  },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/auth/login',
  operationId: 'login',
  security: [],
  tags: ['Accounts and tokens'],
  summary: 'Log in with email and password',
  request: body(LoginInput, { email: 'ada@example.com', password: 'correct horse battery' }),
  responses: {
    200: { description: 'A new session', ...json(TokenPair, tokenPairExample) },
    401: problemResponse('`invalid_credentials`, for an unknown email and a wrong password alike', [
      'invalid_credentials',
    ]),
    403: problemResponse('`account_disabled`', ['account_disabled']),
    429: rateLimitedResponse,
    ...invalid,
  },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/auth/refresh',
  operationId: 'refreshTokens',
  security: [],
  tags: ['Accounts and tokens'],
  summary: 'Exchange a refresh token for a new token pair',
  description:
    'The presented refresh token is dead afterwards. Presenting it again is reuse: 401 `refresh_token_reused`, ' +
    'and the whole session (token family) is revoked.',
  request: body(RefreshInput, { refreshToken: tokenPairExample.refreshToken }),
  responses: {
    200: { description: 'A new access and refresh token', ...json(TokenPair, tokenPairExample) },
    401: problemResponse('`invalid_refresh_token` or `refresh_token_reused`', [
      'invalid_refresh_token',
      'refresh_token_reused',
    ]),
    403: problemResponse('`account_disabled`', ['account_disabled']),
    429: rateLimitedResponse,
    ...invalid,
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/auth/logout',
  operationId: 'logout',
  security: [],
  tags: ['Accounts and tokens'],
  summary: "End the refresh token's session",
  description: 'Idempotent: an unknown or already revoked token also gets 204.',
  request: body(RefreshInput, { refreshToken: tokenPairExample.refreshToken }),
  responses: { 204: { description: 'The session is revoked' }, ...invalid },
});

export function authRoutes() {
  return createRouter()
    .openapi(registerRoute, async (c) =>
      c.json(await auth.register(serviceContext(c), c.req.valid('json')), 201),
    )
    .openapi(loginRoute, async (c) => c.json(await auth.login(serviceContext(c), c.req.valid('json')), 200))
    .openapi(refreshRoute, async (c) =>
      c.json(await auth.refresh(serviceContext(c), c.req.valid('json')), 200),
    )
    .openapi(logoutRoute, async (c) => {
      await auth.logout(serviceContext(c), c.req.valid('json'));
      return c.body(null, 204);
    })
    .route('/', sessionRoutes())
    .route('/', passwordRoutes())
    .route('/', verificationRoutes());
}
