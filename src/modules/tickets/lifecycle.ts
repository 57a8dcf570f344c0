import type { TicketStatus } from '../../../db/schema/index.js';

/**
 * The ticket lifecycle, as a pure table: for each status, where a ticket may go next and who may move
 * it there. Explicit transitions (POST /tickets/:id/transitions), the list of moves offered to a caller
 * (GET …/transitions) and the implicit moves made by replies all read this one table.
 */

/** How the caller relates to the ticket: support staff, or the customer who raised it. */
export type Party = 'staff' | 'requester';

const S: readonly Party[] = ['staff'];
const SR: readonly Party[] = ['staff', 'requester'];

export const TRANSITIONS: Readonly<Record<TicketStatus, Partial<Record<TicketStatus, readonly Party[]>>>> = {
  new: { open: S, pending: S, on_hold: S, solved: SR },
  open: { pending: S, on_hold: S, solved: SR },
  pending: { open: SR, on_hold: S, solved: SR },
  on_hold: { open: S, pending: S, solved: SR },
  // Reopening is the requester's right; closing is staff's (or the auto-close sweep's).
  solved: { open: SR, closed: S },
  closed: {},
};

export type TransitionCheck = 'allowed' | 'invalid' | 'forbidden';

/**
 * `invalid` when the state machine has no such move at all (409), `forbidden` when it has but not for
 * this party (403), `allowed` otherwise.
 */
export function checkTransition(from: TicketStatus, to: TicketStatus, party: Party): TransitionCheck {
  const who = TRANSITIONS[from][to];
  if (!who) return 'invalid';
  return who.includes(party) ? 'allowed' : 'forbidden';
}

/** The statuses `party` may move a ticket in status `from` to, in table order. */
export function allowedTargets(from: TicketStatus, party: Party): TicketStatus[] {
  return (Object.entries(TRANSITIONS[from]) as [TicketStatus, readonly Party[]][])
    .filter(([, who]) => who.includes(party))
    .map(([to]) => to);
}

/**
 * The move a new message causes by itself, if any:
 * - the first public staff reply on a `new` ticket opens it;
 * - the requester's reply on a `pending` (waiting on them) or `solved` ticket reopens it.
 * Internal notes never move a ticket. (Replies on `closed` tickets are refused before this is asked.)
 */
export function transitionOnReply(
  status: TicketStatus,
  party: Party,
  internal: boolean,
): TicketStatus | null {
  if (internal) return null;
  if (party === 'staff' && status === 'new') return 'open';
  if (party === 'requester' && (status === 'pending' || status === 'solved')) return 'open';
  return null;
}

/** The status timestamps a move sets or clears (solvedAt is cleared when a solved ticket is reopened). */
export function statusTimestamps(
  to: TicketStatus,
  now: Date,
): { solvedAt?: Date | null; closedAt?: Date | null } {
  if (to === 'solved') return { solvedAt: now };
  if (to === 'closed') return { closedAt: now };
  return { solvedAt: null };
}
