import { z } from '@hono/zod-openapi';

/**
 * A numeric resource id in a path (`/users/{id}`, `/auth/sessions/{id}`). It stays a string in the schema,
 * never a 422: an id that is not a positive integer names nothing, so it gets the same 404 as an id that
 * does not exist. Services turn it into a number with `parseId`.
 */
export const IdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '42' }),
});

/** `Number(raw)` for a canonical positive integer id (no sign, no leading zero), else null. */
export function parseId(raw: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}
