import type { SatisfactionRating } from '../../../db/schema/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import { commitChange } from './commit.js';
import * as repo from './repo.js';
import { type CsatClaims, verifyCsatToken } from './satisfaction-token.js';

/**
 * Recording a satisfaction rating from the links of a solved email (the `/csat/<token>` page). There is
 * no login: the signed token, emailed to the requester only, is the authority (it names one ticket and
 * one solve), so no CASL question is asked; the change is made AS the requester (the person the link
 * was sent to and whose rating it is), through the one commit path, so the `ticket.rated` event, its
 * webhooks and the change feed are the same as for any other change.
 */

/** Why a link or a form cannot record anything (each is its own page and status). */
export type CsatRefusal =
  /** altered, malformed, another kind of token (400) */
  | 'invalid'
  /** older than CSAT_LINK_TTL (410) */
  | 'expired'
  /** the ticket is no longer at the solve the link was sent for: reopened, solved again (410) */
  | 'used'
  /** merged into another ticket since (410) */
  | 'merged'
  /** the comment form was shown for a rating that has changed since (409): see `ratedAtMs` */
  | 'stale_form';

export interface CsatState {
  ticket: { id: number; subject: string };
  rating: SatisfactionRating;
  comment: string | null;
  /** When the rating or comment last changed: binds a comment form to the state it was shown for. */
  ratedAtMs: number;
}

export type CsatOutcome = ({ ok: true } & CsatState) | { ok: false; reason: CsatRefusal };

export interface RateInput {
  token: string;
  rating: SatisfactionRating;
  /** Absent: keep the comment (a click on a link); null or text: set it (the comment form). */
  comment?: string | null;
  /** For the comment form: the `ratedAtMs` it was shown with; another value now is `stale_form`. */
  shownAtMs?: number | null;
}

/**
 * Records a rating (and, from the form, a comment) for the solve the token names. The latest rating of a
 * solve wins; the same rating and comment again writes nothing (no event, no version bump). A rating
 * left for an earlier solve does not count as this solve's: the first rating of a new solve is always
 * written (with its own time, which the reports count by), and its comment starts empty. A closed
 * ticket may still be rated for the solve that preceded the closing; a merged one may not.
 */
export async function rateFromLink(ctx: ServiceContext, input: RateInput): Promise<CsatOutcome> {
  const check = await verifyCsatToken(ctx.config, ctx.clock, input.token);
  if (!check.ok) return { ok: false, reason: check.reason };
  const { claims } = check;
  // A click that changes nothing (the same link again, a mail scanner) is answered from a plain read,
  // without queueing on the row lock; anything else is decided again under the lock.
  const seen = await repo.findRow(ctx.db, claims.ticketId);
  if (seen) {
    const answer = decide(seen, claims, input);
    if (!answer.ok || answer.unchanged) return answer.outcome;
  }
  return withTransaction(ctx, async (tx, ctx): Promise<CsatOutcome> => {
    const row = await repo.findRow(tx, claims.ticketId, true);
    if (!row) return { ok: false, reason: 'invalid' };
    const answer = decide(row, claims, input);
    if (!answer.ok || answer.unchanged) return answer.outcome;
    const { previousRating, comment } = answer;
    const role = await repo.findUserRole(tx, row.requesterId);
    if (!role) return { ok: false, reason: 'used' };
    // No session behind it (id 0: no session row has that id), as for a reply by email.
    const asRequester: ServiceContext = {
      ...ctx,
      actor: { type: 'user', id: row.requesterId, role, sessionId: 0 },
    };
    const now = ctx.clock.now();
    await commitChange(tx, asRequester, row, {
      changes: { satisfactionRating: input.rating, satisfactionComment: comment, satisfactionRatedAt: now },
      // Staff-only in the trail (the requester sees the rating on the ticket itself; a CC need not see it
      // at all); the requester's view still moves, since `satisfaction` is part of it.
      events: [
        { type: 'ticket.rated', data: { rating: input.rating, previousRating, comment }, internal: true },
      ],
      requesterVisible: true,
    });
    return {
      ok: true,
      ticket: { id: row.id, subject: row.subject },
      rating: input.rating,
      comment,
      ratedAtMs: now.getTime(),
    };
  });
}

type Decision =
  | { ok: false; unchanged?: undefined; outcome: CsatOutcome }
  | { ok: true; unchanged: true; outcome: CsatOutcome }
  | { ok: true; unchanged: false; previousRating: SatisfactionRating | null; comment: string | null };

/** What a rating would do to the ticket as it is now: refuse, change nothing, or change it. */
function decide(row: repo.TicketRow, claims: CsatClaims, input: RateInput): Decision {
  const refuse = (reason: CsatRefusal): Decision => ({ ok: false, outcome: { ok: false, reason } });
  if (row.mergedIntoId !== null) return refuse('merged');
  const sameSolve =
    (row.status === 'solved' || row.status === 'closed') &&
    row.solvedAt?.getTime() === claims.solvedAtMs &&
    row.requesterId === claims.requesterId;
  if (!sameSolve) return refuse('used');
  const ratedAt = row.satisfactionRatedAt;
  if (input.shownAtMs !== undefined && (ratedAt?.getTime() ?? null) !== input.shownAtMs) {
    return refuse('stale_form');
  }
  const ratedThisSolve = ratedAt !== null && row.solvedAt !== null && ratedAt >= row.solvedAt;
  const previousRating = ratedThisSolve ? row.satisfactionRating : null;
  const previousComment = ratedThisSolve ? row.satisfactionComment : null;
  const comment = input.comment === undefined ? previousComment : input.comment || null;
  if (ratedAt && previousRating === input.rating && previousComment === comment) {
    const ticket = { id: row.id, subject: row.subject };
    return {
      ok: true,
      unchanged: true,
      outcome: { ok: true, ticket, rating: input.rating, comment, ratedAtMs: ratedAt.getTime() },
    };
  }
  return { ok: true, unchanged: false, previousRating, comment };
}
