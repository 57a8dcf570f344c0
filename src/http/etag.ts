import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';

/**
 * Optimistic concurrency over HTTP (RFC 9110 §13.1): a ticket's `version` goes out as the strong
 * `ETag: "<version>"` and comes back as `If-Match` on writes and `If-None-Match` on reads.
 */

/**
 * What an `If-Match` header asks for: `null` when there is no precondition (no header, or `*`: the
 * ticket exists, which the write checks anyway), otherwise the versions it accepts, possibly none.
 * `If-Match` uses the strong comparison, so a weak tag (`W/"5"`) never matches, and anything that is
 * not an entity tag of ours matches nothing: either way the write fails with 412.
 */
export type IfMatch = readonly number[] | null;

/** Entity tags in a list header value (`"1", W/"2"`); `null` if the value is not a well-formed list. */
function entityTags(header: string): { weak: boolean; opaque: string }[] | null {
  const tags: { weak: boolean; opaque: string }[] = [];
  // Linear: each step consumes at least one character, and the character classes cannot overlap.
  const re = /\s*(W\/)?"([\x21\x23-\x7e]*)"\s*(?:,|$)/y;
  let at = 0;
  while (at < header.length) {
    re.lastIndex = at;
    const m = re.exec(header);
    if (!m) return null;
    tags.push({ weak: m[1] !== undefined, opaque: m[2]! });
    at = re.lastIndex;
  }
  return tags;
}

const versionOf = (opaque: string) => (/^\d{1,10}$/.test(opaque) ? Number(opaque) : null);

export function ifMatch(c: Context): IfMatch {
  const header = c.req.header('if-match')?.trim();
  if (!header || header === '*') return null;
  const tags = entityTags(header) ?? [];
  return tags.flatMap((t) => {
    const v = t.weak ? null : versionOf(t.opaque);
    return v === null ? [] : [v];
  });
}

/** Whether `version` satisfies an `If-Match` precondition (`null`: there is none). */
export const matches = (precondition: IfMatch, version: number) =>
  precondition === null || precondition.includes(version);

/**
 * Whether a GET should answer 304: `If-None-Match` is `*` or lists the current tag. This is the weak
 * comparison (RFC 9110 §13.1.2), so `W/"5"` matches version 5 here, as caches expect.
 */
export function notModified(c: Context, version: number): boolean {
  const header = c.req.header('if-none-match')?.trim();
  if (!header) return false;
  if (header === '*') return true;
  return (entityTags(header) ?? []).some((t) => versionOf(t.opaque) === version);
}

export const etag = (version: number) => `"${version}"`;

/** The optional `If-Match` request header, for route definitions. */
export const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .optional()
    .openapi({
      param: { name: 'if-match', in: 'header' },
      description:
        'The ticket’s `ETag` (strong comparison: a weak `W/"…"` tag never matches); the write fails with ' +
        '412 if the ticket changed since',
      example: '"3"',
    }),
});

/** The optional `If-None-Match` request header of a conditional GET. */
export const IfNoneMatchHeader = z.object({
  'if-none-match': z
    .string()
    .optional()
    .openapi({
      param: { name: 'if-none-match', in: 'header' },
      description: 'ETags the client holds (or `*`); 304 with no body when one is still current',
      example: '"3"',
    }),
});
