import { and, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { messages, ticketCcs, ticketEvents, tickets, users } from '../../db/schema/index.js';
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

/** `tickets.id` names a ticket `userId` is copied on (the twin of the ability's `ccIds` condition). */
const ccOf = (userId: number) =>
  sql`EXISTS (SELECT 1 FROM ${ticketCcs} WHERE ${ticketCcs.ticketId} = ${tickets.id} AND ${ticketCcs.userId} = ${userId})`;

/**
 * Tickets the actor may read: all for staff; for a user, those they requested or are copied on.
 * `ccAnywhere: false` (the caller checked that the user is copied on no ticket at all) drops the CC
 * branch, so a plain requester's list stays a range of the requester index.
 */
export function ticketScope(actor: Actor, opts: { ccAnywhere?: boolean } = {}): Scope {
  if (actor.type === 'system' || isStaff(actor)) return undefined;
  if (opts.ccAnywhere === false) return eq(tickets.requesterId, actor.id);
  return or(eq(tickets.requesterId, actor.id), ccOf(actor.id));
}

/** Messages the actor may read (the query joins `tickets`): public messages of a user's tickets. */
export function messageScope(actor: Actor): Scope {
  return actor.type === 'system' || isStaff(actor)
    ? undefined
    : and(ticketScope(actor), eq(messages.internal, false));
}

/** Audit events the actor may read (the query joins `tickets`): none about internal notes for a user. */
export function ticketEventScope(actor: Actor): Scope {
  return actor.type === 'system' || isStaff(actor)
    ? undefined
    : and(ticketScope(actor), eq(ticketEvents.internal, false));
}

/** Users the actor may list: everyone for an admin, staff for an agent, nobody for a user. */
export function userListScope(actor: Actor): Scope {
  if (actor.type === 'system') return sql`false`;
  if (actor.role === 'admin') return undefined;
  if (actor.role === 'agent') return inArray(users.role, [...STAFF_ROLES]);
  return sql`false`;
}
