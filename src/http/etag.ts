import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';

/**
 * Optimistic concurrency over HTTP: a ticket's `version` goes out as `ETag: "<version>"` and comes back
 * as `If-Match`. Returns the version the client expects, `null` when it sent no precondition (or `*`),
 * and `-1` for a value that can never match (still a precondition: the write must fail with 412).
 */
export function ifMatchVersion(c: Context): number | null {
  const header = c.req.header('if-match')?.trim();
  if (!header || header === '*') return null;
  const m = /^(?:W\/)?"?(\d{1,10})"?$/.exec(header);
  return m ? Number(m[1]) : -1;
}

export const etag = (version: number) => `"${version}"`;

/** The optional `If-Match` request header, for route definitions. */
export const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .optional()
    .openapi({
      param: { name: 'if-match', in: 'header' },
      description: 'The ticket’s `ETag`; the write fails with 412 if the ticket changed since',
      example: '"3"',
    }),
});
