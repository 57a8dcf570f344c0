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
