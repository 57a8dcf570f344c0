import { z } from '@hono/zod-openapi';

/** The one rule for a numeric id in a path: a canonical positive integer (no sign, no leading zero). */
export const ID_PATTERN = '^[1-9][0-9]{0,15}$';
const ID_RE = new RegExp(ID_PATTERN);

/** `Number(raw)` for a canonical positive integer id, else null. */
export function parseId(raw: string): number | null {
  if (!ID_RE.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * A numeric resource id in a path (`/tickets/{id}`, `/users/{id}`, `/auth/sessions/{id}`), parsed at the
 * edge into a number. Documented as a string with `ID_PATTERN`. A failure is never a 422: an id that
 * cannot exist names nothing, so the router's hook answers it with the same 404 as an unknown id (any
 * `param` failure is a 404, see `createRouter`).
 */
export const Id = z
  .string()
  .regex(ID_RE)
  .refine((raw) => parseId(raw) !== null, 'Not a valid id.')
  .transform((raw) => Number(raw))
  .openapi({ type: 'string', pattern: ID_PATTERN, example: '42' });

/** The `{id}` path parameter of every route that names a resource by number. */
export const IdParam = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '42' }),
});
