import { and, asc, eq, gt, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/mysql-core';
import { apiKeys, feedSequence, type Role, ticketEvents, users } from '../../../db/schema/index.js';
import { affectedRows, prepared, type Queryable } from '../../database.js';

/**
 * The change feed's SQL: the sequencer that numbers committed events in commit order, and the page read.
 *
 * Why a sequence and not the id: ids are handed out at INSERT, but transactions commit in any order. If
 * T1 takes id 10, T2 takes id 11 and commits, a reader paging by id sees 11 and moves past 10 before T1
 * commits: 10 is lost to it. Here an event gets its feed position (`seq`) only after its transaction has
 * committed, from one writer at a time, so every position handed out later is larger than every position
 * a reader can already have seen, and a reader paging `seq > cursor` misses nothing and repeats nothing.
 *
 * The invariants (README.md, "Change feed", says what they give a consumer):
 * - only the holder of the `feed_sequence` row lock numbers events, and it numbers only rows its
 *   consistent read shows, which are committed ones: an open transaction's event waits for a later round;
 * - the counter is read with a locking read (always the latest value), so numbers never repeat (and the
 *   unique index on `seq` would refuse it if they did);
 * - a round assigns and bumps the counter in one transaction, so readers see all of a round or none, and
 *   rounds commit in counter order (the next round cannot start before the lock is released at commit):
 *   a reader that sees number n sees every number below n that will ever exist (numbers given by the
 *   sequencer itself are gap-free; a backfill's `seq = id` may leave holes, never filled later).
 */

/** The one sequencer row's id. */
const SEQUENCER = 1;

const pendingProbe = (db: Queryable) =>
  db.select({ id: ticketEvents.id }).from(ticketEvents).where(isNull(ticketEvents.seq)).limit(1).prepare();

/**
 * Whether any committed event still lacks a feed position. An index probe on `ticket_events_seq_uq`
 * (its NULL entries come first), so asking costs the same at a million events as at ten.
 */
export async function hasPending(db: Queryable): Promise<boolean> {
  const rows = await prepared(db, pendingProbe).execute();
  return rows.length > 0;
}

/** What one sequencing round did: `busy` when another round held the lock (it numbers the events). */
export type RoundResult = { numbered: number } | 'busy';

/**
 * Numbers up to `batch` committed, unnumbered events, in id order, after the last number handed out.
 *
 * With `wait`, a round that finds the lock taken waits for it (a feed read: once the other round has
 * committed, this one sees what it numbered and numbers whatever committed since, so a reader gets every
 * event committed before its request, its own writes included); without, it returns `busy` at once
 * (SKIP LOCKED: the background loop, which has nobody waiting on it). The wait is one round of at most
 * `batch` rows updated by primary key: milliseconds. A row lock rather than GET_LOCK because it lives and
 * dies with the transaction: no session state left behind on a pooled connection (or a Hyperdrive one on
 * Workers), and nothing to release when a connection breaks mid-round.
 */
export async function sequenceRound(db: Queryable, batch: number, wait: boolean): Promise<RoundResult> {
  for (let attempt = 0; ; attempt++) {
    const result = await db.transaction(async (tx): Promise<RoundResult | 'missing'> => {
      // A locking read: creates no read view, so the consistent read below is taken after we hold the
      // lock and sees every round committed before ours.
      const [counter] = await tx
        .select({ lastSeq: feedSequence.lastSeq })
        .from(feedSequence)
        .where(eq(feedSequence.id, SEQUENCER))
        .for('update', wait ? undefined : { skipLocked: true });
      if (!counter) return !wait && (await sequencerExists(tx)) ? 'busy' : 'missing';
      // A consistent (non-locking) read: rows of open transactions are invisible, so they are left for a
      // later round; it never waits on a writer, and takes no gap lock a writer's INSERT could wait on.
      const pending = await tx
        .select({ id: ticketEvents.id })
        .from(ticketEvents)
        .where(isNull(ticketEvents.seq))
        .orderBy(asc(ticketEvents.id))
        .limit(batch);
      if (pending.length === 0) return { numbered: 0 };
      const first = counter.lastSeq + 1;
      const cases = sql.join(
        pending.map((p, i) => sql`WHEN ${p.id} THEN ${first + i}`),
        sql` `,
      );
      const ids = pending.map((p) => p.id);
      // Point lookups by primary key only (FORCE INDEX): in REPEATABLE READ a locking statement locks every
      // row it examines, and a scan (the optimizer's choice on a small table, or a walk of the seq index's
      // NULL entries) would reach an open transaction's new event and wait for its commit, while feed
      // readers wait for this round. `seq IS NULL` is then only a check: every row we read as unnumbered
      // must still be so, else the round rolls back rather than hand out numbers out of order.
      const updated = await tx.execute(
        sql`UPDATE ${ticketEvents} FORCE INDEX (PRIMARY) SET ${sql.identifier('seq')} = CASE ${sql.identifier('id')} ${cases} END
            WHERE ${sql.identifier('id')} IN (${sql.join(
              ids.map((id) => sql`${id}`),
              sql`, `,
            )}) AND ${sql.identifier('seq')} IS NULL`,
      );
      if (affectedRows(updated) !== ids.length) {
        throw new Error(`feed sequencer: numbered ${affectedRows(updated)} of ${ids.length} events`);
      }
      await tx
        .update(feedSequence)
        .set({ lastSeq: first + ids.length - 1 })
        .where(eq(feedSequence.id, SEQUENCER));
      return { numbered: ids.length };
    });
    if (result !== 'missing') return result;
    if (attempt > 0) throw new Error('feed sequencer: the feed_sequence row could not be created');
    await createSequencer(db);
  }
}

async function sequencerExists(tx: Queryable): Promise<boolean> {
  const rows = await tx
    .select({ id: feedSequence.id })
    .from(feedSequence)
    .where(eq(feedSequence.id, SEQUENCER));
  return rows.length > 0;
}

/**
 * Creates the sequencer row on first use, starting after the largest number already handed out (a
 * database whose events were numbered by a backfill). INSERT IGNORE: two first callers are both fine.
 */
async function createSequencer(db: Queryable): Promise<void> {
  await db.execute(
    sql`INSERT IGNORE INTO ${feedSequence} (${sql.identifier('id')}, ${sql.identifier('last_seq')})
        SELECT ${SEQUENCER}, COALESCE(MAX(${ticketEvents.seq}), 0) FROM ${ticketEvents}`,
  );
}

/** Which events a page holds. */
export interface PageFilter {
  /** The page starts strictly after this feed position (0: from the beginning). */
  after: number;
  types?: readonly string[] | undefined;
  ticketId?: number | undefined;
  limit: number;
}

/** One event as stored, with the person who acted (null for the system). */
export interface FeedRow {
  seq: number;
  id: number;
  ticketId: number;
  type: string;
  data: Record<string, unknown> | null;
  internal: boolean;
  createdAt: Date;
  actorJob: string | null;
  actor: { id: number; name: string; role: Role } | null;
  apiKey: { id: number; name: string } | null;
}

const pageColumns = {
  seq: ticketEvents.seq,
  id: ticketEvents.id,
  ticketId: ticketEvents.ticketId,
  type: ticketEvents.type,
  data: ticketEvents.data,
  internal: ticketEvents.internal,
  createdAt: ticketEvents.createdAt,
  actorJob: ticketEvents.actorJob,
  actor: { id: users.id, name: users.name, role: users.role },
  apiKey: { id: apiKeys.id, name: apiKeys.name },
};

/** Events matching `where`, by `seq`, with the person who acted. */
const pageQuery = (db: Queryable, where: SQL | undefined, limit: number) =>
  db
    .select(pageColumns)
    .from(ticketEvents)
    .leftJoin(users, eq(users.id, ticketEvents.actorId))
    .leftJoin(apiKeys, eq(apiKeys.id, ticketEvents.actorApiKeyId))
    .where(where)
    .orderBy(asc(ticketEvents.seq))
    .limit(limit);

/**
 * A page of numbered events, by `seq`, in one query. Each shape is an ordered index range:
 * no filter → `ticket_events_seq_uq`; a ticket → `(ticket_id, seq)`; types without a ticket → one
 * `(type, seq)` range per type, each cut at `limit`, merged by a UNION ALL (an `IN` over several types
 * cannot use the index order: it would sort every matching event after the cursor before the LIMIT).
 */
export async function selectPage(db: Queryable, f: PageFilter): Promise<FeedRow[]> {
  const after = gt(ticketEvents.seq, f.after);
  const types = f.types ?? [];
  let rows: Awaited<ReturnType<typeof pageQuery>>;
  if (f.ticketId === undefined && types.length > 1) {
    const [first, second, ...rest] = types.map((type) =>
      pageQuery(db, and(eq(ticketEvents.type, type), after), f.limit),
    );
    rows = await unionAll(first!, second!, ...rest)
      .orderBy(asc(ticketEvents.seq))
      .limit(f.limit);
  } else {
    rows = await pageQuery(
      db,
      and(
        after,
        f.ticketId === undefined ? undefined : eq(ticketEvents.ticketId, f.ticketId),
        types.length > 0 ? inArray(ticketEvents.type, [...types]) : undefined,
      ),
      f.limit,
    );
  }
  // Every row the WHERE admits has `seq > after`, so none is null.
  return rows.map((r) => ({ ...r, seq: r.seq! }));
}
