import { z } from '@hono/zod-openapi';
import { ERROR_CODES, type ErrorCode } from '../errors.js';

/** RFC 9457 problem details: the body of every error response. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://helpdesk.dev/problems/validation_failed' }),
    title: z.string().openapi({ example: 'Validation failed' }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string(),
    code: z
      .enum(ERROR_CODES)
      .openapi({ description: 'Stable snake_case error code', example: 'validation_failed' }),
    instance: z.string().optional().openapi({
      description: 'The request, as `urn:request:<X-Request-Id>`: quote it when reporting a problem',
      example: 'urn:request:3f0c2a9e-5d1b-4c7e-9a51-0e8f6b2d4c10',
    }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Present on 422: one entry per invalid field' }),
  })
  .openapi('Problem');

/** The codes one response can carry (at least one). */
export type ErrorCodes = readonly [ErrorCode, ...ErrorCode[]];

/** The Problem schema narrowed to `codes`: the document then lists, per response, what a client may meet. */
export const problemOf = (codes: ErrorCodes) =>
  ProblemSchema.extend({ code: z.enum(codes).openapi({ description: 'Stable snake_case error code' }) });

/**
 * A response entry for an error status, for route definitions. With `codes`, its schema's `code` is
 * `z.enum(codes)` (unkey's errors/http.ts does the same per status), so the document says exactly which
 * codes this response carries.
 */
export const problemResponse = (description: string, codes?: ErrorCodes) => ({
  description,
  content: { 'application/problem+json': { schema: codes ? problemOf(codes) : ProblemSchema } },
});

/** The responses many routes share, each with the one code it carries. */
export const validationFailedResponse = problemResponse('Validation failed (`errors[]` lists each field)', [
  'validation_failed',
]);
export const invalidCursorResponse = problemResponse('`invalid_cursor`: not a cursor this list gave out', [
  'invalid_cursor',
]);
export const ticketNotFoundResponse = problemResponse('No such ticket, or not visible to the caller', [
  'not_found',
]);

/**
 * A JSON response or request body entry, for route definitions. `example` is shown in /docs; it is typed
 * by the schema, so an example that drifts from its schema fails the typecheck.
 */
export const jsonContent = <T extends z.ZodType>(schema: T, example?: z.input<T>) => ({
  content: { 'application/json': example === undefined ? { schema } : { schema, example } },
});

/** A required JSON request body, for route definitions (`request: jsonBody(Input, example)`). */
export const jsonBody = <T extends z.ZodType>(schema: T, example?: z.input<T>) => ({
  body: { required: true, ...jsonContent(schema, example) },
});

/** The 429 of every rate-limited route. */
export const rateLimitedResponse = {
  description: '`rate_limited`: too many attempts; retry after `Retry-After` seconds',
  headers: {
    'Retry-After': { description: 'Seconds until the window resets', schema: { type: 'integer' as const } },
  },
  content: { 'application/problem+json': { schema: problemOf(['rate_limited']) } },
};

/** The error responses of every route that reads a JSON body. */
export const invalidBodyResponses = {
  400: problemResponse('`malformed_request`: the body is not valid JSON', ['malformed_request']),
  422: problemResponse('`validation_failed`, with `errors[]`', ['validation_failed']),
};

/** The 401 of every authenticated route. */
export const unauthenticatedResponse = problemResponse(
  '`unauthorized`, `invalid_token`, `token_expired`, `session_revoked` or `account_disabled`: ' +
    'a missing or bad access token, or one whose session has ended or whose user is disabled; ' +
    '`invalid_api_key`, `api_key_revoked` or `api_key_expired` for an API key',
  [
    'unauthorized',
    'invalid_token',
    'token_expired',
    'session_revoked',
    'account_disabled',
    'invalid_api_key',
    'api_key_revoked',
    'api_key_expired',
  ],
);

/** The errors of a page of a ticket's sub-resource (messages, events, notifications). */
export const ticketPageErrors = {
  400: invalidCursorResponse,
  401: unauthenticatedResponse,
  404: ticketNotFoundResponse,
  422: validationFailedResponse,
};
