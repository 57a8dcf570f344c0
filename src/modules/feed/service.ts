import { abilityOf, authorize } from '../../access/index.js';
import type { ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { BadRequestError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import { toEventActor } from '../tickets/index.js';
import * as repo from './repo.js';
import type { Event, EventFeedPage, EventFeedQuery } from './schemas.js';

/** Events numbered per sequencing round: one round is one short transaction, whoever runs it. */
export const ROUND_SIZE = 500;

/**
 * Numbers committed events that have no feed position yet, in rounds of `ROUND_SIZE`, until none is left,
 * `maxRounds` have run, `budgetMs` has passed or (unless `wait`) another sequencer holds the lock. Returns
 * how many it numbered. When nothing is pending this is one index probe and no transaction.
 */
export async function sequencePending(
  db: Queryable,
  opts: { maxRounds?: number; budgetMs?: number; wait?: boolean } = {},
): Promise<number> {
  const { maxRounds = Number.POSITIVE_INFINITY, budgetMs = 5_000, wait = false } = opts;
  const started = Date.now();
  let numbered = 0;
  for (let round = 0; round < maxRounds && Date.now() - started <= budgetMs; round++) {
    if (!(await repo.hasPending(db))) break;
    const result = await repo.sequenceRound(db, ROUND_SIZE, wait);
    if (result === 'busy') break;
    numbered += result.numbered;
    if (result.numbered < ROUND_SIZE) break;
  }
  return numbered;
}

const CURSOR_TAG = 'feed';

/** The feed position a cursor stands for (0 without one); 400 `invalid_cursor` for anything else. */
function positionOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const [tag, seq] = decodeCursor(cursor, ['string', 'number']);
  // Another list's cursor decodes too, but names a position in another order.
  if (tag !== CURSOR_TAG || (seq as number) < 0) {
    throw new BadRequestError('invalid_cursor', 'The cursor is not valid; start again without one.');
  }
  return seq as number;
}

const cursorAt = (seq: number) => encodeCursor([CURSOR_TAG, seq]);

/**
 * A page of the change feed: events strictly after `after`, oldest first (by commit order, see repo.ts),
 * staff only. Before reading, the request numbers what has committed since the last round (one round;
 * when another is running it waits for it, so the page holds everything committed before the request),
 * so on Workers, which have no background loop, the feed is current on every read. `nextCursor` is never
 * null.
 */
export async function list(ctx: ServiceContext, query: EventFeedQuery): Promise<EventFeedPage> {
  authorize(abilityOf(ctx), 'read', 'EventFeed');
  const after = positionOf(query.after);
  // Never inside a caller's transaction: a round must commit on its own to be seen. A failed round costs
  // freshness only (this page stops at what is numbered; the next round numbers the rest), so it is
  // logged and the read goes on.
  if (!ctx.tx) {
    await sequencePending(ctx.db, { maxRounds: 1, wait: true }).catch((err: unknown) =>
      ctx.log.warn({ err }, 'feed sequencing before a read failed'),
    );
  }
  const rows = await repo.selectPage(ctx.db, {
    after,
    limit: query.limit,
    ticketId: query.ticketId === undefined ? undefined : Number(query.ticketId),
    types: query.types === undefined ? undefined : [...new Set(query.types.split(','))],
  });
  const last = rows.at(-1);
  return { data: rows.map(toEvent), nextCursor: cursorAt(last ? last.seq : after) };
}

function toEvent(r: repo.FeedRow): Event {
  return {
    id: String(r.id),
    type: r.type,
    ticketId: String(r.ticketId),
    actor: toEventActor(r),
    data: r.data ?? {},
    internal: r.internal,
    createdAt: r.createdAt.toISOString(),
  };
}
