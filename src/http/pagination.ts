import { z } from '@hono/zod-openapi';
import { BadRequestError } from '../errors.js';

/**
 * Cursor pagination shared by every list route: `?limit=1..100&cursor=<opaque>` in,
 * `{ data, nextCursor }` out. A cursor is the keyset position after the last row of a page
 * (base64url JSON), so pages stay correct while rows are inserted and cost the same at any depth.
 */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(25)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 25 }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      description: 'The `nextCursor` of the previous page',
    }),
});

/** The response shape of a list route. */
export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export function encodeCursor(position: readonly (string | number)[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify(position));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * Decodes a cursor into its keyset position, checking every element against `shape` (one entry per
 * element: 'number' or 'string'). A cursor that does not decode is a client error (400 `invalid_cursor`).
 */
export function decodeCursor(cursor: string, shape: readonly ('number' | 'string')[]): (string | number)[] {
  try {
    const b64 = cursor.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
    const value: unknown = JSON.parse(json);
    if (
      Array.isArray(value) &&
      value.length === shape.length &&
      value.every((v, i) => typeof v === shape[i] && (typeof v !== 'number' || Number.isSafeInteger(v)))
    ) {
      return value as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw new BadRequestError('invalid_cursor', 'The cursor is not valid; start again without one.');
}

/** For lists ordered by id alone: the id a cursor says to start after, or null without a cursor. */
export function afterIdCursor(cursor: string | undefined): number | null {
  return cursor ? (decodeCursor(cursor, ['number'])[0] as number) : null;
}

/**
 * Splits a page fetched with `limit + 1` rows into the page and its next cursor
 * (`position` says which values of the last row the next page starts after).
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  position: (row: R) => (string | number)[],
  map: (row: R) => T,
): { data: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { data: page.map(map), nextCursor: more && last ? encodeCursor(position(last)) : null };
}

/** What a list verb takes from the query string: a page size and the cursor of the previous page. */
export interface PageInput {
  limit: number;
  cursor?: string | undefined;
}
