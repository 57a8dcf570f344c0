import { and, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { messages, ticketCcs, ticketEvents, tickets, users } from '../../db/schema/index.js';
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

/** `tickets.id` names a ticket `userId` is copied on (the twin of the ability's `ccIds` condition). */
const ccOf = (userId: number) =>
  sql`EXISTS (SELECT 1 FROM ${ticketCcs} WHERE ${ticketCcs.ticketId} = ${tickets.id} AND ${ticketCcs.userId} = ${userId})`;

/**
 * Tickets the actor may read: all for staff (and keys with tickets:read); for a user, those they
 * requested or are copied on. `ccAnywhere: false` (the caller checked that the user is copied on no
 * ticket at all) drops the CC branch, so a plain requester's list stays a range of the requester index.
 */
export function ticketScope(actor: Actor, opts: { ccAnywhere?: boolean } = {}): Scope {
  return staffOr(actor, 'Ticket', () => {
    if (actor.type !== 'user') return NOTHING;
    if (opts.ccAnywhere === false) return eq(tickets.requesterId, actor.id);
    return or(eq(tickets.requesterId, actor.id), ccOf(actor.id));
  });
}

/** Messages the actor may read (the query joins `tickets`): public messages of a user's tickets. */
export function messageScope(actor: Actor): Scope {
  return staffOr(actor, 'Message', () =>
    actor.type === 'user' ? and(ticketScope(actor), eq(messages.internal, false)) : NOTHING,
  );
}

/** Audit events the actor may read (the query joins `tickets`): none about internal notes for a user. */
export function ticketEventScope(actor: Actor): Scope {
  return staffOr(actor, 'TicketEvent', () =>
    actor.type === 'user' ? and(ticketScope(actor), eq(ticketEvents.internal, false)) : NOTHING,
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
