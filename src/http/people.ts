import { z } from '@hono/zod-openapi';
import type { Role } from '../../db/schema/index.js';
import { singleLine } from './text.js';

// The shapes of a person's address and name, wherever one is taken: the accounts module (registration,
// login, /users), and modules that name a person by address without owning accounts (a ticket raised
// for a customer, inbound email). Here so those need not import the accounts module.

/**
 * Registration, login and every other form that takes an email: the same rules everywhere, so an address
 * that could not have been registered is a 422 at login too. zod's pattern is ASCII-only, which also keeps
 * accented or full-width look-alikes of an address from ever reaching the users lookup.
 */
export const Email = z
  .string()
  // Length first, and nothing else when it fails: the pattern costs ~150 ms on a 1 MiB string.
  .max(320, { message: 'must be at most 320 characters', abort: true })
  .check(z.email('must be a valid email address'))
  .openapi({ example: 'ada@example.com' });

// `abort`: an over-long value gets one error, and the character checks never scan it.
export const UserName = singleLine(
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(200, { message: 'must be at most 200 characters', abort: true }),
).openapi({
  example: 'Ada Lovelace',
});

/** Who made a change, rendered (the `EventActor` schema of the tickets module describes it). */
export type EventActorJson =
  | { type: 'user'; id: string; name: string; role: Role }
  | { type: 'api_key'; id: string; name: string }
  | { type: 'system'; job: string };

/** The actor columns of an event row joined with `users` and `api_keys` (left joins: one of them, or none). */
export interface EventActorRow {
  actorJob: string | null;
  actor: { id: number; name: string; role: Role } | null;
  apiKey: { id: number; name: string } | null;
}

/** Renders who made a change: the person, else the key, else the system job. */
export function toEventActor(r: EventActorRow): EventActorJson {
  if (r.actor) return { type: 'user', id: String(r.actor.id), name: r.actor.name, role: r.actor.role };
  if (r.apiKey) return { type: 'api_key', id: String(r.apiKey.id), name: r.apiKey.name };
  return { type: 'system', job: r.actorJob ?? 'auto_close' };
}
