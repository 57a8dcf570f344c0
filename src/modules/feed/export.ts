import { z } from '@hono/zod-openapi';
import { and, asc, gt, gte, inArray, max, min } from 'drizzle-orm';
import { ticketEvents, tickets } from '../../../db/schema/index.js';
import { abilityOf, authorize, seesAsStaff, ticketScope } from '../../access/index.js';
import { requireActor, type ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { BadRequestError, ForbiddenError } from '../../errors.js';
import { decodeCursor, encodeCursor, PageQuery } from '../../http/pagination.js';
import { loadTicketPage, Ticket, toTicket } from '../tickets/index.js';
import { sequencePending } from './service.js';

/**
 * The incremental export (GET /tickets/export): tickets in the order of their committed changes.
 *
 * It pages the change feed itself (`ticket_events.seq`, handed out in commit order by the feed's
 * sequencer, repo.ts) and shows, for the events of a page, each ticket whose latest change is among
 * them, once, as it is now (a ticket with a later change comes with the page of that change).
 * A reader paging `seq > cursor` misses no change, even one whose transaction took its clock before
 * another's but committed after it (paging tickets by `updated_at` would skip it), so no ticket is
 * skipped; a ticket comes again only for an event after the page it came in, that is, when it changed
 * again after it was listed. Every ticket change writes at least one event (creation writes `ticket.created`; the commit path
 * writes nothing only for a change that changes nothing). Nothing is written on the ticket for this, so
 * the sequencer never waits on a ticket's row lock.
 */

export const ExportQuery = z.object({
  updatedSince: z
    .string()
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
    .optional()
    .openapi({
      param: { name: 'updatedSince', in: 'query' },
      description: 'Start at the changes made at or after this time (ignored with `cursor`)',
      example: '2026-11-01T00:00:00Z',
    }),
  // The list routes' cursor parameter (a page limit of its own below: export pages are larger).
  cursor: PageQuery.shape.cursor,
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(100)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 1000 }),
});
export type ExportQuery = z.infer<typeof ExportQuery>;

export const ExportPage = z
  .object({
    data: z.array(Ticket),
    nextCursor: z
      .string()
      .openapi({ description: 'Never null: store it and call again to get later changes' }),
    hasMore: z
      .boolean()
      .openapi({ description: 'Whether more changes were already waiting after this page' }),
  })
  .openapi('TicketExportPage');
export type ExportPage = z.infer<typeof ExportPage>;

const TAG = 'export';

/** Where a read starts: after a feed position. */
interface Position {
  after: number;
}

function positionOf(cursor: string): Position {
  const [tag, after] = decodeCursor(cursor, ['string', 'number']);
  if (tag !== TAG || (after as number) < 0) {
    throw new BadRequestError('invalid_cursor', 'The cursor is not valid; start again without one.');
  }
  return { after: after as number };
}

/**
 * The position before the first event since `since` (a range of `ticket_events_created_seq_idx`); with
 * none, the latest position (whatever changes next comes after it). Events still unnumbered get larger
 * positions later, so they are not lost either.
 */
async function startOf(db: Queryable, since: Date): Promise<number> {
  const [row] = await db
    .select({ first: min(ticketEvents.seq) })
    .from(ticketEvents)
    .where(gte(ticketEvents.createdAt, since));
  if (row?.first) return row.first - 1;
  const [last] = await db.select({ last: max(ticketEvents.seq) }).from(ticketEvents);
  return last?.last ?? 0;
}

/** GET /tickets/export: staff (and keys with tickets:read). */
export async function exportTickets(ctx: ServiceContext, q: ExportQuery): Promise<ExportPage> {
  const actor = requireActor(ctx);
  authorize(abilityOf(ctx), 'read', 'Ticket');
  if (!seesAsStaff(actor)) throw new ForbiddenError('forbidden', 'Only staff may export tickets.');
  if (!ctx.tx) {
    // As the feed does: number what committed before this request, so the page is current (Workers run no
    // background sequencer). A failed round costs freshness only.
    await sequencePending(ctx.db, { maxRounds: 1, wait: true }).catch((err: unknown) =>
      ctx.log.warn({ err }, 'feed sequencing before an export read failed'),
    );
  }
  const pos = q.cursor
    ? positionOf(q.cursor)
    : { after: q.updatedSince ? await startOf(ctx.db, new Date(q.updatedSince)) : 0 };
  // The next `limit` changes (+1 to know whether more wait), by feed position: a range of the seq index.
  const events = await ctx.db
    .select({ seq: ticketEvents.seq, ticketId: ticketEvents.ticketId })
    .from(ticketEvents)
    .where(gt(ticketEvents.seq, pos.after))
    .orderBy(asc(ticketEvents.seq))
    .limit(q.limit + 1);
  const page = events.slice(0, q.limit);
  const last = page.at(-1)?.seq ?? pos.after;
  // Each ticket once, at its latest change: a ticket whose later event lies beyond this page comes with
  // that page instead (its view would be the same now), so a whole export lists a ticket once unless it
  // changes again while the export runs. A loose range of the (ticket_id, seq) index per ticket.
  const inPage = new Map<number, number>();
  for (const e of page) inPage.set(e.ticketId, e.seq as number);
  const latest =
    inPage.size === 0
      ? []
      : await ctx.db
          .select({ ticketId: ticketEvents.ticketId, seq: max(ticketEvents.seq) })
          .from(ticketEvents)
          .where(inArray(ticketEvents.ticketId, [...inPage.keys()]))
          .groupBy(ticketEvents.ticketId);
  const laterThanPage = new Set(latest.filter((r) => (r.seq ?? 0) > last).map((r) => r.ticketId));
  const ids = [...inPage.entries()]
    .filter(([id]) => !laterThanPage.has(id))
    .sort((a, b) => a[1] - b[1])
    .map(([id]) => id);
  // The views batch-loaded in one query.
  const views =
    ids.length === 0
      ? []
      : await loadTicketPage(
          ctx.db,
          and(ticketScope(actor), inArray(tickets.id, ids)),
          { keys: ['id'], descending: false },
          ids.length,
        );
  const byId = new Map(views.map((v) => [v.ticket.id, v]));
  return {
    data: ids.flatMap((id) => {
      const v = byId.get(id);
      return v ? [toTicket(ctx, v)] : [];
    }),
    nextCursor: encodeCursor([TAG, last]),
    hasMore: events.length > q.limit,
  };
}
