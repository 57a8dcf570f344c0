import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, call, raise, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Conversations: messages and their pages, and internal notes kept from the requester everywhere.

describe.each(TARGET_NAMES)('conversations on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;
  let other: Actor;
  let agent: Actor;

  beforeAll(async () => {
    [user, other, agent] = await Promise.all([
      signIn(t(), 'user'),
      signIn(t(), 'user'),
      signIn(t(), 'agent'),
    ]);
  });

  const post = (by: Actor, id: string, body: Record<string, unknown>) =>
    call(t(), 'POST', `/tickets/${id}/messages`, { token: by.token, body });

  it('replies are 201 Messages, paged oldest first; a requester cannot post internal notes', async () => {
    const id = await raise(t(), user, { body: 'First.' });
    const mine = await post(user, id, { body: ' More detail. ' });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({
      ticketId: id,
      body: 'More detail.',
      internal: false,
      author: { id: user.id, name: user.name, role: 'user' },
    });
    const note = await post(user, id, { body: 'psst', internal: true });
    expect(note.status).toBe(422);
    expect((await post(other, id, { body: 'hi' })).status).toBe(404);
    for (let i = 1; i <= 3; i++) expect((await post(agent, id, { body: `reply ${i}` })).status).toBe(201);

    const bodies: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        t(),
        'GET',
        `/tickets/${id}/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        {
          token: user.token,
        },
      );
      expect(res.status).toBe(200);
      bodies.push(...res.body.data.map((m: { body: string }) => m.body));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(bodies).toEqual(['First.', 'More detail.', 'reply 1', 'reply 2', 'reply 3']);
  });

  it('internal notes are hidden from the requester in messages, events and search', async () => {
    const secret = `quokka${Math.random().toString(36).slice(2, 8)}`;
    const id = await raise(t(), user, { subject: 'Mailbox full', body: 'I cannot receive email.' });
    expect(
      (await post(agent, id, { body: `Customer is on the ${secret} plan`, internal: true })).status,
    ).toBe(201);
    expect((await post(agent, id, { body: 'We are looking into it.' })).status).toBe(201);

    const theirs = await call(t(), 'GET', `/tickets/${id}/messages`, { token: user.token });
    expect(theirs.body.data.map((m: { body: string }) => m.body)).toEqual([
      'I cannot receive email.',
      'We are looking into it.',
    ]);
    const staff = await call(t(), 'GET', `/tickets/${id}/messages`, { token: agent.token });
    expect(staff.body.data).toHaveLength(3);
    expect(staff.body.data[1]).toMatchObject({ internal: true, body: expect.stringContaining(secret) });

    const events = await call(t(), 'GET', `/tickets/${id}/events`, { token: user.token });
    expect(events.status).toBe(200);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual([
      'ticket.created',
      'message.created',
      'ticket.status_changed',
    ]);
    const staffEvents = await call(t(), 'GET', `/tickets/${id}/events`, { token: agent.token });
    expect(staffEvents.body.data.filter((e: { type: string }) => e.type === 'message.created')).toHaveLength(
      2,
    );
    expect(staffEvents.body.data[0]).toMatchObject({ actor: { id: user.id, role: 'user' }, ticketId: id });

    const search = await call(t(), 'GET', `/tickets?q=${secret}`, { token: user.token });
    expect(search.status).toBe(200);
    expect(search.body.data).toEqual([]);
    const staffSearch = await call(t(), 'GET', `/tickets?q=${secret}`, { token: agent.token });
    expect(staffSearch.body.data.map((x: { id: string }) => x.id)).toEqual([id]);
  });
});
