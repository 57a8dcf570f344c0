import { z } from '@hono/zod-openapi';
import { and, gt, gte, max, min } from 'drizzle-orm';
import { tickets } from '../../../db/schema/index.js';
import { abilityOf, authorize, seesAsStaff, ticketScope } from '../../access/index.js';
import { requireActor, type ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { BadRequestError, ForbiddenError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import { loadTicketPage, Ticket, toTicket } from '../tickets/index.js';
import { sequencePending } from './service.js';

/**
 * The incremental export (GET /tickets/export): tickets in the order of their latest committed change.
 *
 * Each ticket carries the feed position of its latest event (`tickets.change_seq`), set by the feed's
 * sequencer in the round that numbers the event (repo.ts): positions are handed out in commit order, so a
 * reader paging `change_seq > cursor` misses no ticket, even one whose change took its clock before
 * another's but committed after it (paging by `updated_at` would skip it). A ticket changed after the
 * reader passed it gets a new, larger position, so it comes again, later; one that did not change never
 * repeats. Every ticket change writes at least one event (the commit path writes none only for a change
 * that changes nothing; creation writes `ticket.created`).
 */

export const ExportQuery = z.object({
  updatedSince: z
    .string()
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
    .optional()
    .openapi({
      param: { name: 'updatedSince', in: 'query' },
      description: 'Only tickets updated at or after this time (ignored with `cursor`, which carries it)',
      example: '2026-11-01T00:00:00Z',
    }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      description: 'The `nextCursor` of your previous call',
    }),
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

/** Where a read starts: after a feed position, among tickets updated since a moment (ms, 0 for all). */
interface Position {
  after: number;
  sinceMs: number;
}

function positionOf(cursor: string): Position {
  const [tag, after, sinceMs] = decodeCursor(cursor, ['string', 'number', 'number']);
  if (tag !== TAG || (after as number) < 0 || (sinceMs as number) < 0) {
    throw new BadRequestError('invalid_cursor', 'The cursor is not valid; start again without one.');
  }
  return { after: after as number, sinceMs: sinceMs as number };
}

/** The first position of an export from `since`: just before the lowest one among tickets updated since. */
async function startOf(db: Queryable, since: Date): Promise<number> {
  const [row] = await db
    .select({ first: min(tickets.changeSeq) })
    .from(tickets)
    .where(gte(tickets.updatedAt, since));
  if (row?.first) return row.first - 1;
  // Nothing updated since: start after the latest position (what changes next comes after it).
  const [last] = await db.select({ last: max(tickets.changeSeq) }).from(tickets);
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
  let pos: Position;
  if (q.cursor) pos = positionOf(q.cursor);
  else if (q.updatedSince) {
    const since = new Date(q.updatedSince);
    pos = { after: await startOf(ctx.db, since), sinceMs: since.getTime() };
  } else pos = { after: 0, sinceMs: 0 };
  const where = and(
    ticketScope(actor),
    gt(tickets.changeSeq, pos.after),
    pos.sinceMs > 0 ? gte(tickets.updatedAt, new Date(pos.sinceMs)) : undefined,
  );
  const rows = await loadTicketPage(
    ctx.db,
    where,
    { keys: ['changeSeq', 'id'], descending: false },
    q.limit + 1,
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1)?.ticket.changeSeq ?? pos.after;
  return {
    data: page.map((v) => toTicket(ctx, v)),
    nextCursor: encodeCursor([TAG, last, pos.sinceMs]),
    hasMore: rows.length > q.limit,
  };
}
