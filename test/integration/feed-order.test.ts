import { inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../db/schema/index.js';
import { ticketEvents } from '../../db/schema/index.js';
import { mulberry32 as rng } from '../../scripts/lib/rng.js';
import type { UserActor } from '../../src/context.js';
import { CONNECTION_DEFAULTS, connectionUri, type Db } from '../../src/database.js';
import { sequenceFeed } from '../../src/modules/feed/index.js';
import { insertEvents } from '../../src/modules/tickets/repo.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { makeTicket } from '../helpers/factories.js';

// The feed's guarantee under out-of-order commits. Writers are real transactions on their own
// connections, inserting events with the app's own insertEvents; they take their ids in one order and
// commit in another while readers poll GET /events with their stored cursor. Whatever the interleaving,
// each reader must end up with exactly the committed events, each once, in feed (seq) order.

const env = useTestApp();
let agent: Actor;
let actor: UserActor;

/** A writer: one connection, on which the test opens, fills and ends transactions by hand. */
interface Writer {
  conn: mysql.Connection;
  db: Db;
  /**
   * Each writer writes its own ticket: in the app every writer of one ticket holds its row lock, so
   * transactions that interleave their commits are always on different tickets.
   */
  ticketId: number;
}
const writers: Writer[] = [];

beforeAll(async () => {
  agent = await signIn(env.app.http, env.db.database, 'agent');
  actor = { type: 'user', id: Number(agent.id), role: 'agent', sessionId: 0 };
  for (let i = 0; i < 4; i++) {
    const conn = await mysql.createConnection({ uri: connectionUri(env.db.url), ...CONNECTION_DEFAULTS });
    const ticketId = (await env.db.database.use((db) => makeTicket(db, Number(agent.id)))).id;
    writers.push({ conn, db: drizzle({ client: conn, schema, mode: 'default' }), ticketId });
  }
});
afterAll(async () => {
  await Promise.all(writers.map((w) => w.conn.end()));
});

/** Begins a transaction on `w` and inserts one event per marker in it (the app's insert path). */
async function openWith(w: Writer, markers: string[]): Promise<void> {
  await w.conn.query('BEGIN');
  await insertEvents(
    w.db,
    new Date(),
    actor,
    markers.map((marker) => ({ ticketId: w.ticketId, type: 'ticket.tags_changed', data: { marker } })),
  );
}

/** A consumer of the feed: stores `nextCursor` and polls with it, keeping every event it is given. */
class Poller {
  cursor: string | undefined;
  seen: { id: string; marker: string }[] = [];
  async poll(limit = 100): Promise<string[]> {
    const got: string[] = [];
    for (;;) {
      const res = await env.app.http
        .get('/api/v1/events')
        .query({ limit, ...(this.cursor ? { after: this.cursor } : {}) })
        .set(...agent.auth);
      expect(res.status, res.text).toBe(200);
      expect(res.body.nextCursor).toEqual(expect.any(String));
      this.cursor = res.body.nextCursor;
      for (const e of res.body.data as { id: string; data: { marker: string } }[]) {
        this.seen.push({ id: e.id, marker: e.data.marker });
        got.push(e.data.marker);
      }
      if (res.body.data.length < limit) return got;
    }
  }
}

/** The feed positions of events by id. */
async function seqOf(ids: string[]): Promise<Map<string, number>> {
  const rows = await env.db.database.use((db) =>
    db
      .select({ id: ticketEvents.id, seq: ticketEvents.seq })
      .from(ticketEvents)
      .where(inArray(ticketEvents.id, ids.map(Number))),
  );
  return new Map(rows.map((r) => [String(r.id), r.seq!]));
}

/** Checks a poller's whole history: exactly `committed`, no repeats, strictly increasing seq. */
async function expectExactlyOnceInSeqOrder(p: Poller, committed: Set<string>): Promise<void> {
  const markers = p.seen.map((s) => s.marker);
  expect(new Set(markers).size, 'an event was delivered twice').toBe(markers.length);
  expect([...markers].sort()).toEqual([...committed].sort());
  const seq = await seqOf(p.seen.map((s) => s.id));
  const order = p.seen.map((s) => seq.get(s.id)!);
  for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
}

describe('GET /events under out-of-order commits', () => {
  it('T1 takes the lower id but commits after T2: the reader gets T2, then T1, and never loses T1', async () => {
    const reader = new Poller();
    await reader.poll(); // start at the head
    const [t1, t2] = [writers[0]!, writers[1]!];

    await openWith(t1, ['T1']); // id n, not committed
    await openWith(t2, ['T2']); // id n+1
    await t2.conn.query('COMMIT');
    // T2 is committed: the reader gets it. T1 is not: it is invisible, and gets no feed position yet.
    expect(await reader.poll()).toEqual(['T2']);
    await t1.conn.query('COMMIT');
    // Paging by id, the reader would now be past T1's lower id and miss it. Paging by seq it is next.
    expect(await reader.poll()).toEqual(['T1']);
    expect(await reader.poll()).toEqual([]);

    const [e2, e1] = reader.seen.slice(-2);
    expect(Number(e1!.id)).toBeLessThan(Number(e2!.id));
    await expectExactlyOnceInSeqOrder(reader, new Set(['T1', 'T2']));
  });

  it('random interleavings of commits, rollbacks and polls, with racing readers and a background sequencer', async () => {
    const seed = Number(process.env.FEED_TEST_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const pick = <T>(items: T[]) => items.splice(Math.floor(random() * items.length), 1)[0]!;
    const readers = [new Poller(), new Poller()];
    // Both readers start from the beginning: they must get the first test's events as well.
    const committed = new Set(['T1', 'T2']);

    // A sequencer racing the readers, as Node's background loop does: readers then often find the lock
    // taken (and wait for that round), or nothing left to number; it often finds a reader's round.
    let racing = true;
    const background = (async () => {
      while (racing) {
        await sequenceFeed(env.db.database);
        await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
      }
    })();

    try {
      for (let round = 0; round < 40; round++) {
        // Every writer opens a transaction, in random order (so in random id order), with 1-3 events.
        const open = [...writers];
        const pending: { w: Writer; markers: string[] }[] = [];
        while (open.length > 0) {
          const w = pick(open);
          const markers = Array.from(
            { length: 1 + Math.floor(random() * 3) },
            (_, i) => `r${round}w${writers.indexOf(w)}e${i}`,
          );
          await openWith(w, markers);
          pending.push({ w, markers });
          if (random() < 0.3) await pick([...readers]).poll(1 + Math.floor(random() * 3));
        }
        // They end in another random order, one in five rolling back, with polls (sometimes two readers
        // at once) between the commits.
        while (pending.length > 0) {
          const { w, markers } = pick(pending);
          if (random() < 0.2) {
            await w.conn.query('ROLLBACK');
          } else {
            await w.conn.query('COMMIT');
            for (const m of markers) committed.add(m);
          }
          const x = random();
          if (x < 0.4) await readers[0]!.poll(1 + Math.floor(random() * 4));
          else if (x < 0.8) await Promise.all(readers.map((r) => r.poll(1 + Math.floor(random() * 4))));
        }
      }
    } finally {
      racing = false;
      await background;
    }

    for (const reader of readers) {
      await reader.poll();
      await expectExactlyOnceInSeqOrder(reader, committed).catch((err: unknown) => {
        throw new Error(`seed ${seed}: ${String(err)}`);
      });
    }
    // ~20 s on a busy 2-core machine: 40 rounds of real transactions and HTTP polls.
  }, 120_000);
});
