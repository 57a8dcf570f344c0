import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../db/schema/index.js';
import { type Actor, call, raise, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Tickets: create, list (filters, keyset cursor), get, patch with If-Match, other users' tickets.

describe.each(TARGET_NAMES)('tickets on %s', (name) => {
  const t = useTarget(name);
  let alice: Actor;
  let bob: Actor;
  let agent: Actor;

  beforeAll(async () => {
    [alice, bob, agent] = await Promise.all([signIn(t(), 'user'), signIn(t(), 'user'), signIn(t(), 'agent')]);
  });

  it('POST /tickets: 201 with Location and ETag; the body is the first message', async () => {
    const res = await call(t(), 'POST', '/tickets', {
      token: alice.token,
      body: {
        subject: '  VPN down ',
        body: 'Cannot connect since 9am.',
        priority: 'high',
        tags: ['VPN', 'network'],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      subject: 'VPN down',
      status: 'new',
      priority: 'high',
      tags: ['network', 'vpn'],
      requester: { id: alice.id, name: alice.name, email: alice.email },
      assignee: null,
      version: 1,
    });
    expect(res.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.headers.get('location')).toBe(`/api/v1/tickets/${res.body.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    const messages = await call(t(), 'GET', `/tickets/${res.body.id}/messages`, { token: alice.token });
    expect(messages.body.data).toMatchObject([{ body: 'Cannot connect since 9am.', internal: false }]);
    const bad = await call(t(), 'POST', '/tickets', { token: alice.token, body: { subject: '', body: 'x' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['subject']);
  });

  it('GET /tickets: a user sees their own, staff see all; filters; the cursor pages without gaps', async () => {
    const mine = [
      await raise(t(), alice, { subject: 'Printer jammed', priority: 'low', tags: ['printer'] }),
      await raise(t(), alice, {
        subject: 'Monitor flickers',
        priority: 'high',
        tags: ['printer', 'hardware'],
      }),
      await raise(t(), alice, { subject: 'Password expired', priority: 'urgent' }),
    ];
    const theirs = await raise(t(), bob, { subject: 'Printer offline', priority: 'high', tags: ['printer'] });
    await call(t(), 'PATCH', `/tickets/${mine[1]}`, { token: agent.token, body: { assigneeId: agent.id } });

    const pages = async (token: string, query: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call(t(), 'GET', `/tickets?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
          token,
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        ids.push(...res.body.data.map((x: { id: string }) => x.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      return ids;
    };
    // Oldest first by creation: exactly the user's own tickets, whatever the page boundaries.
    // Other tests of this file raise tickets too: look only at this test's own.
    const ours = (ids: string[]) => ids.filter((id) => [...mine, theirs].includes(id));
    const aliceAll = await pages(alice.token, 'sort=createdAt');
    expect(ours(aliceAll)).toEqual(mine);
    expect(aliceAll).not.toContain(theirs);
    expect(ours(await pages(agent.token, 'tag=printer&sort=createdAt'))).toEqual([mine[0], mine[1], theirs]);
    expect(ours(await pages(agent.token, 'priority=high&sort=createdAt'))).toEqual([mine[1], theirs]);
    expect(ours(await pages(agent.token, 'sort=-createdAt'))).toEqual([theirs, mine[2], mine[1], mine[0]]);
    expect(await pages(agent.token, 'assignee=me')).toEqual([mine[1]]);
    expect(await pages(alice.token, `q=flickers`)).toEqual([mine[1]]);
    const bad = await call(t(), 'GET', '/tickets?cursor=not-a-cursor', { token: alice.token });
    expect(bad.status).toBe(400);
  });

  it('GET /tickets/:id: requester and staff get it with an ETag; another user gets 404', async () => {
    const id = await raise(t(), alice);
    for (const who of [alice, agent]) {
      const res = await call(t(), 'GET', `/tickets/${id}`, { token: who.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body.id).toBe(id);
    }
    for (const path of [`/tickets/${id}`, '/tickets/999999999', `/tickets/${id}/messages`]) {
      const res = await call(t(), 'GET', path, { token: bob.token });
      expect(res.status, path).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  it('PATCH with If-Match: 200 and a new ETag; stale is 412 and changes nothing; roles and strangers', async () => {
    const id = await raise(t(), alice);
    const ok = await call(t(), 'PATCH', `/tickets/${id}`, {
      token: agent.token,
      headers: { 'if-match': '"1"' },
      body: { priority: 'urgent', assigneeId: agent.id },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ priority: 'urgent', assignee: { id: agent.id }, version: 2 });
    expect(ok.headers.get('etag')).toBe('"2"');

    const stale = await call(t(), 'PATCH', `/tickets/${id}`, {
      token: agent.token,
      headers: { 'if-match': '"1"' },
      body: { priority: 'low' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('precondition_failed');

    const denied = await call(t(), 'PATCH', `/tickets/${id}`, {
      token: alice.token,
      body: { priority: 'low' },
    });
    expect(denied.status).toBe(403);
    const stranger = await call(t(), 'PATCH', `/tickets/${id}`, {
      token: bob.token,
      body: { subject: 'mine' },
    });
    expect(stranger.status).toBe(404);
    const subject = await call(t(), 'PATCH', `/tickets/${id}`, {
      token: alice.token,
      body: { subject: 'Renamed' },
    });
    expect(subject.status).toBe(200);

    const [row] = await t().database.use((db) =>
      db
        .select()
        .from(tickets)
        .where(eq(tickets.id, Number(id))),
    );
    expect(row).toMatchObject({ priority: 'urgent', subject: 'Renamed', version: 3 });
  });
});
