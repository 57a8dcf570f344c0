import { describe, expect, it } from 'vitest';
import { call, expectProblem, signIn, uniqueEmail } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// API keys end to end on Node and on Workers: an admin makes one, an integration raises a ticket for a
// customer with it and reads the feed, the admin revokes it and its very next request is refused.

describe.each(TARGET_NAMES)('API keys on %s', (name) => {
  const t = useTarget(name);

  it('create, use (requester by email, key as actor, feed), revoke: 401 on the next request', async () => {
    const admin = await signIn(t(), 'admin');
    const created = await call(t(), 'POST', '/api-keys', {
      token: admin.token,
      body: { name: 'Chat bot', scopes: ['tickets:write', 'events:read'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { key, id } = created.body as { key: string; id: string };
    expect(key).toMatch(/^hd_[A-Za-z0-9_-]{43}$/);

    const email = uniqueEmail('cust');
    const ticket = await call(t(), 'POST', '/tickets', {
      token: key,
      headers: { 'idempotency-key': `parity-${id}` },
      body: { subject: 'Where is my order?', body: 'Relayed from chat.', requester: { email } },
    });
    expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
    expect(ticket.body.requester.email).toBe(email);
    const keyActor = { type: 'api_key', id, name: 'Chat bot' };
    const events = await call(t(), 'GET', `/tickets/${ticket.body.id}/events`, { token: key });
    expect(events.status).toBe(200);
    expect(events.body.data[0]).toMatchObject({ type: 'ticket.created', actor: keyActor });
    const messages = await call(t(), 'GET', `/tickets/${ticket.body.id}/messages`, { token: key });
    expect(messages.body.data[0].author).toEqual(keyActor);

    // A scope it lacks; a person-only route.
    expectProblem(await call(t(), 'GET', '/users', { token: key }), 403, 'insufficient_scope');
    expectProblem(await call(t(), 'GET', '/me', { token: key }), 403, 'forbidden');
    expect((await call(t(), 'GET', '/events', { token: key })).status).toBe(200);

    // The list never shows the key; lastUsedAt was recorded.
    const list = await call(t(), 'GET', '/api-keys?limit=100', { token: admin.token });
    expect(JSON.stringify(list.body)).not.toContain(key);
    const listed = list.body.data.find((k: { id: string }) => k.id === id);
    expect(listed.lastUsedAt).not.toBeNull();

    expect((await call(t(), 'DELETE', `/api-keys/${id}`, { token: admin.token })).status).toBe(204);
    expectProblem(await call(t(), 'GET', '/tickets', { token: key }), 401, 'api_key_revoked');

    const audit = await call(t(), 'GET', `/audit-log?targetType=api_key&targetId=${id}`, {
      token: admin.token,
    });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'api_key.revoked',
      'api_key.created',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(key);
  });
});
