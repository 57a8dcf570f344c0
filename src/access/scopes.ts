import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { messages, ticketEvents, tickets, users } from '../../db/schema/index.js';
import type { Actor } from '../context.js';
import { effectiveScopes, scopeGrants } from './api-key-scopes.js';
import { isAdminRole, isStaffRole, STAFF_ROLES } from './roles.js';

/**
 * SQL twins of the `read`/`list` rules in `ability.ts`, for list queries: a page must hold exactly the
 * rows the ability would allow one by one. `test/integration/access-scopes.test.ts` checks that the two
 * agree on sample rows; change both together.
 *
 * `undefined` means "no restriction" (drizzle's `and()` drops it).
 */
type Scope = SQL | undefined;

const NOTHING = sql`false`;

/** Whether an API key's scopes grant `action` on `subject` (its rules are unconditional staff rules). */
const keyMay = (actor: Extract<Actor, { type: 'api_key' }>, action: string, subject: string) =>
  [...effectiveScopes(actor.scopes)].some((scope) => scopeGrants(scope, action, subject));

/**
 * Whether the actor sees tickets as staff do (every ticket, internal notes, full versions): staff, the
 * system's jobs, and API keys (whose scopes then decide whether they see anything at all).
 */
export function seesAsStaff(actor: Actor): boolean {
  return actor.type === 'user' ? isStaffRole(actor.role) : true;
}

/** Staff visibility, or nothing for a key without `read` on `subject`; the requester's rows otherwise. */
function staffOr(actor: Actor, subject: string, requesterOnly: () => SQL | undefined): Scope {
  if (actor.type === 'api_key') return keyMay(actor, 'read', subject) ? undefined : NOTHING;
  return seesAsStaff(actor) ? undefined : requesterOnly();
}

/** Tickets the actor may read: their own for a user, all for staff (and keys with tickets:read). */
export function ticketScope(actor: Actor): Scope {
  return staffOr(actor, 'Ticket', () =>
    actor.type === 'user' ? eq(tickets.requesterId, actor.id) : NOTHING,
  );
}

/** Messages the actor may read (the query joins `tickets`): a user's own tickets' public messages. */
export function messageScope(actor: Actor): Scope {
  return staffOr(actor, 'Message', () =>
    actor.type === 'user' ? and(eq(tickets.requesterId, actor.id), eq(messages.internal, false)) : NOTHING,
  );
}

/** Audit events the actor may read (the query joins `tickets`): none about internal notes for a user. */
export function ticketEventScope(actor: Actor): Scope {
  return staffOr(actor, 'TicketEvent', () =>
    actor.type === 'user'
      ? and(eq(tickets.requesterId, actor.id), eq(ticketEvents.internal, false))
      : NOTHING,
  );
}

/**
 * Users the actor may list: everyone for an admin (and a key with users:read), staff for an agent,
 * nobody for a user or the system.
 */
export function userListScope(actor: Actor): Scope {
  if (actor.type === 'system') return NOTHING;
  if (actor.type === 'api_key') return keyMay(actor, 'list', 'User') ? undefined : NOTHING;
  if (isAdminRole(actor.role)) return undefined;
  if (isStaffRole(actor.role)) return inArray(users.role, [...STAFF_ROLES]);
  return NOTHING;
}
