import { z } from '@hono/zod-openapi';

/** RFC 9457 problem details: the body of every error response. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://helpdesk.dev/problems/validation_failed' }),
    title: z.string().openapi({ example: 'Validation failed' }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string(),
    code: z.string().openapi({ description: 'Stable snake_case error code', example: 'validation_failed' }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Present on 422: one entry per invalid field' }),
  })
  .openapi('Problem');

/** A response entry for an error status, for route definitions. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

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
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

/** The error responses of every route that reads a JSON body. */
export const invalidBodyResponses = {
  400: problemResponse('`malformed_request`: the body is not valid JSON'),
  422: problemResponse('`validation_failed`, with `errors[]`'),
};

/** The 401 of every authenticated route. */
export const unauthenticatedResponse = problemResponse(
  '`unauthorized`, `invalid_token`, `token_expired`, `session_revoked` or `account_disabled`: ' +
    'a missing or bad access token, or one whose session has ended or whose user is disabled',
);
