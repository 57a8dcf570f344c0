import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { createRouter } from '../../http/openapi.js';
import {
  problemResponse,
  rateLimitedResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import { VerifyEmailInput } from './account-schemas.js';
import * as verification from './verification.js';

const tags = ['Accounts and tokens'];

const verifyRoute = createRoute({
  method: 'post',
  path: '/auth/verify-email',
  operationId: 'verifyEmail',
  tags,
  summary: "Verify an account's email address",
  description:
    'Takes the token from the link in the verification email (sent on registration). Anyone may call it: ' +
    'the token is the proof. Once verified, the account gets ticket email. The link itself opens ' +
    '`GET /verify-email?token=…` (a small HTML page served at the root, or the front end’s page when ' +
    '`WEB_URL` is set), which calls the same verb when the person confirms.',
  security: [],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: VerifyEmailInput,
          example: {
            token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSJ9.c2ln',
          },
        },
      },
    },
  },
  responses: {
    204: { description: 'The address is verified' },
    400: problemResponse(
      '`invalid_token`: altered, expired, already used (the account is verified), or the account’s ' +
        'address changed since the link was sent; or `malformed_request`',
      ['invalid_token', 'malformed_request'],
    ),
    422: validationFailedResponse,
  },
});

const resendRoute = createRoute({
  method: 'post',
  path: '/auth/verify-email/resend',
  operationId: 'resendVerificationEmail',
  tags,
  summary: 'Send the verification email again',
  description:
    'Emails the caller a fresh verification link (the old ones keep working until they expire). Rate ' +
    'limited per account and per client address.',
  ...authenticated(),
  responses: {
    202: { description: 'A new verification email is on its way' },
    401: unauthenticatedResponse,
    409: problemResponse('`already_verified`: there is nothing to verify', ['already_verified']),
    429: rateLimitedResponse,
  },
});

/** /auth/verify-email and its resend. */
export function verificationRoutes() {
  return createRouter()
    .openapi(verifyRoute, async (c) => {
      await verification.verifyEmail(serviceContext(c), c.req.valid('json'));
      return c.body(null, 204);
    })
    .openapi(resendRoute, async (c) => {
      await verification.resendVerification(serviceContext(c));
      return c.body(null, 202);
    });
}
