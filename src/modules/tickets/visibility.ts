import { type AppAbility, abilityOf, authorize, type TicketSubject } from '../../access/index.js';
import type { ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { NotFoundError, PreconditionFailedError } from '../../errors.js';
import { type IfMatch, matches } from '../../http/etag.js';
import type { Party } from './lifecycle.js';
import { findCcIds, findRow, findView, type TicketRow, type TicketView } from './repo.js';

/** A ticket as the rules see it; `ccIds` are its CCs (leave them out only where no CC rule can apply). */
export const ticketSubject = (
  row: Pick<TicketRow, 'requesterId'>,
  ccIds: readonly number[] = [],
): TicketSubject => ({
  kind: 'Ticket',
  requesterId: row.requesterId,
  ccIds,
});

/** A locked ticket row with its CC ids, as every write starts from. */
export type LockedTicket = TicketRow & { ccIds: number[] };

/** The caller's side of the lifecycle table for this ticket; staff first (an agent may raise tickets too). */
export function partyOf(ability: AppAbility, row: Pick<TicketRow, 'requesterId'>): Party | null {
  const subject = ticketSubject(row);
  if (ability.can('triage', subject)) return 'staff';
  return ability.can('transition', subject) ? 'requester' : null;
}

/**
 * Whether the caller sees the ticket as staff: its full `version`/`updatedAt`, bumped by internal notes
 * too. Everyone else (the requester) sees `publicVersion`/`publicUpdatedAt`, which staff-only changes
 * never move, so a note cannot be detected through the ticket itself.
 */
export const seesInternal = (ability: AppAbility, row: Pick<TicketRow, 'requesterId'>) =>
  ability.can('triage', ticketSubject(row));

/** The version the caller sees, and that their `If-Match` is compared with. */
export const visibleVersion = (ability: AppAbility, row: TicketRow) =>
  seesInternal(ability, row) ? row.version : row.publicVersion;

/** A ticket the caller may read, or 404 — never 403: a user must not learn another user's ticket exists. */
export async function readableView(ctx: ServiceContext, id: number): Promise<TicketView> {
  // Whether the caller reads tickets at all: true for every person (their own, at least); an API key
  // without tickets:read gets 403 insufficient_scope rather than a 404 that would hide why.
  authorize(abilityOf(ctx), 'read', 'Ticket');
  const view = await findView(ctx.db, id);
  if (
    !view ||
    !abilityOf(ctx).can(
      'read',
      ticketSubject(
        view.ticket,
        view.ccs.map((p) => p.id),
      ),
    )
  )
    throw new NotFoundError('ticket', id);
  return view;
}

/**
 * Starts a write: locks the ticket row for the rest of the transaction (concurrent writers queue here
 * and each sees the state the previous one left), 404 if the caller cannot see it, 412 if the client's
 * `If-Match` version is no longer current.
 */
export async function lockForWrite(
  tx: Queryable,
  ctx: ServiceContext,
  id: number,
  ifMatch: IfMatch,
): Promise<LockedTicket> {
  const ability = abilityOf(ctx);
  authorize(ability, 'read', 'Ticket');
  const found = await findRow(tx, id, true);
  if (!found) throw new NotFoundError('ticket', id);
  const row = { ...found, ccIds: await findCcIds(tx, id) };
  if (!ability.can('read', ticketSubject(row, row.ccIds))) throw new NotFoundError('ticket', id);
  // A requester's If-Match is checked against the version they were shown: an internal note written
  // since does not make their write fail (nor reveal, by failing it, that one was written).
  if (!matches(ifMatch, visibleVersion(ability, row))) throw new PreconditionFailedError();
  return row;
}
