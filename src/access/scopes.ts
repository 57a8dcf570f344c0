import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { messages, ticketEvents, tickets, users } from '../../db/schema/index.js';
import type { Actor } from '../context.js';
import { isStaffRole, STAFF_ROLES } from './roles.js';

/**
 * SQL twins of the `read`/`list` rules in `ability.ts`, for list queries: a page must hold exactly the
 * rows the ability would allow one by one. `test/integration/access-scopes.test.ts` checks that the two
 * agree on sample rows; change both together.
 *
 * `undefined` means "no restriction" (drizzle's `and()` drops it).
 */
type Scope = SQL | undefined;

/** The system's jobs see what staff see. */
const isStaff = (actor: Actor) => actor.type === 'system' || isStaffRole(actor.role);

/** Tickets the actor may read: their own for a user, all for staff. */
export function ticketScope(actor: Actor): Scope {
  return actor.type === 'system' || isStaff(actor) ? undefined : eq(tickets.requesterId, actor.id);
}

/** Messages the actor may read (the query joins `tickets`): a user's own tickets' public messages. */
export function messageScope(actor: Actor): Scope {
  return actor.type === 'system' || isStaff(actor)
    ? undefined
    : and(eq(tickets.requesterId, actor.id), eq(messages.internal, false));
}

/** Audit events the actor may read (the query joins `tickets`): none about internal notes for a user. */
export function ticketEventScope(actor: Actor): Scope {
  return actor.type === 'system' || isStaff(actor)
    ? undefined
    : and(eq(tickets.requesterId, actor.id), eq(ticketEvents.internal, false));
}

/** Users the actor may list: everyone for an admin, staff for an agent, nobody for a user. */
export function userListScope(actor: Actor): Scope {
  if (actor.type === 'system') return sql`false`;
  if (actor.role === 'admin') return undefined;
  if (actor.role === 'agent') return inArray(users.role, [...STAFF_ROLES]);
  return sql`false`;
}
