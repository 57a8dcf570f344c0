import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../db/schema/index.js';
import { tickets } from '../../db/schema/index.js';
import type { UserActor } from '../../src/context.js';
import { CONNECTION_DEFAULTS, connectionUri } from '../../src/database.js';
import { encodeCursor } from '../../src/http/pagination.js';
import { insertEvents } from '../../src/modules/tickets/repo.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();
let user: Actor;
let agent: Actor;
const api = () => env.app.http;

beforeAll(async () => {
  [user, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

async function raise(subject = 'Export me') {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...user.auth)
    .send({ subject, body: 'Hello.' });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}
const exportPage = (q: Record<string, string | number>, by: Actor = agent) =>
  api()
    .get('/api/v1/tickets/export')
    .query(q)
    .set(...by.auth);
async function rename(id: string, subject: string) {
  const res = await api()
    .patch(`/api/v1/tickets/${id}`)
    .set(...agent.auth)
    .send({ subject });
  expect(res.status, res.text).toBe(200);
}

describe('GET /tickets/export', () => {
  it('pages every ticket once at its latest change, oldest first; a change after its listing brings it again', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push(await raise(`T${i}`));
    const seen: { id: string; subject: string }[] = [];
    let cursor: string | undefined;
    let page = 0;
    for (;;) {
      const res = await exportPage({ limit: 10, ...(cursor ? { cursor } : {}) });
      expect(res.status, res.text).toBe(200);
      seen.push(
        ...res.body.data.map((t: { id: string; subject: string }) => ({ id: t.id, subject: t.subject })),
      );
      cursor = res.body.nextCursor;
      if (++page === 1) {
        // One ticket already exported and one not yet reached change between pages.
        await rename(ids[2]!, 'T2 again');
        await rename(ids[17]!, 'T17 renamed');
      }
      if (!res.body.hasMore) break;
    }
    const counts = new Map<string, number>();
    for (const t of seen) counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
    // Every ticket once, at its latest change: T17, renamed before the export reached it, comes once (at
    // the rename); only T2, renamed after it was listed, comes again.
    for (const id of ids) expect(counts.get(id), id).toBe(id === ids[2] ? 2 : 1);
    // The second sight of a changed ticket shows the change and comes after the others created before it.
    expect(seen.at(-2)).toEqual({ id: ids[2], subject: 'T2 again' });
    expect(seen.at(-1)).toEqual({ id: ids[17], subject: 'T17 renamed' });
    // Resuming later yields only what changed since.
    expect((await exportPage({ cursor: cursor! })).body.data).toEqual([]);
    await rename(ids[5]!, 'T5 later');
    const later = await exportPage({ cursor: cursor! });
    expect(later.body.data.map((t: { id: string }) => t.id)).toEqual([ids[5]]);
    // The staff view (followers are shown to staff only).
    expect(later.body.data[0]).toHaveProperty('followers');
  });

  it('a change that took its clock first but committed last is not skipped (commit order, not updated_at)', async () => {
    const slow = await raise('Slow writer');
    const fast = await raise('Fast writer');
    const start = await exportPage({ limit: 1000 });
    const cursor = start.body.nextCursor as string;
    // The slow transaction changes its ticket with an early clock and stays open…
    const conn = await mysql.createConnection({ uri: connectionUri(env.db.url), ...CONNECTION_DEFAULTS });
    try {
      const db = drizzle({ client: conn, schema, mode: 'default' });
      const early = new Date(env.app.clock.now().getTime() - 60_000);
      const actor: UserActor = { type: 'user', id: Number(agent.id), role: 'agent', sessionId: 0 };
      await conn.query('BEGIN');
      await db
        .update(tickets)
        .set({ subject: 'Slow change', updatedAt: early })
        .where(eq(tickets.id, Number(slow)));
      await insertEvents(db, early, actor, [
        {
          ticketId: Number(slow),
          type: 'ticket.subject_changed',
          data: { from: 'Slow writer', to: 'Slow change' },
        },
      ]);
      // …while another change commits, and a consumer reads past it.
      await rename(fast, 'Fast change');
      const mid = await exportPage({ cursor });
      expect(mid.body.data.map((t: { id: string }) => t.id)).toEqual([fast]);
      await conn.query('COMMIT');
      const after = await exportPage({ cursor: mid.body.nextCursor });
      expect(after.body.data.map((t: { id: string; subject: string }) => [t.id, t.subject])).toEqual([
        [slow, 'Slow change'],
      ]);
    } finally {
      await conn.end();
    }
  });

  it('updatedSince starts at the tickets updated since then', async () => {
    const old = await raise('Old');
    env.app.clock.advance(10 * 60_000);
    const since = env.app.clock.now().toISOString();
    const agentAgain = await signIn(env.app.http, env.db.database, 'agent');
    const userAgain = await signIn(env.app.http, env.db.database, 'user');
    const res0 = await api()
      .post('/api/v1/tickets')
      .set(...userAgain.auth)
      .send({ subject: 'New', body: 'x' });
    const fresh = res0.body.id as string;
    const res = await exportPage({ updatedSince: since }, agentAgain);
    expect(res.status, res.text).toBe(200);
    const got = res.body.data.map((t: { id: string }) => t.id);
    expect(got).toEqual([fresh]);
    expect(got).not.toContain(old);
    // Nothing updated since a future time: empty, but the cursor still catches what changes next.
    const future = await exportPage({ updatedSince: '2999-01-01T00:00:00Z' }, agentAgain);
    expect(future.body.data).toEqual([]);
  });

  it('refuses requesters, bad cursors and bad limits', async () => {
    const res = await exportPage({}, user);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
    for (const cursor of ['garbage', encodeCursor(['feed', 3]), encodeCursor(['export', -1, 0])]) {
      const bad = await exportPage({ cursor });
      expect(bad.status, cursor).toBe(400);
      expect(bad.body.code).toBe('invalid_cursor');
    }
    const bad: Record<string, string | number>[] = [
      { limit: 1001 },
      { limit: 0 },
      { updatedSince: 'yesterday' },
      { updatedSince: '\u0000' },
    ];
    for (const q of bad) {
      expect((await exportPage(q)).status, JSON.stringify(q)).toBe(422);
    }
  });

  it('a ticket changed several times within a page is listed once', async () => {
    const start = (await exportPage({ updatedSince: '2999-01-01T00:00:00Z' })).body.nextCursor as string;
    const id = await raise('Busy');
    for (const subject of ['Busy 1', 'Busy 2', 'Busy 3']) await rename(id, subject);
    const res = await exportPage({ cursor: start });
    expect(res.body.data.map((t: { id: string; subject: string }) => [t.id, t.subject])).toEqual([
      [id, 'Busy 3'],
    ]);
    expect(res.body.hasMore).toBe(false);
  });
});
