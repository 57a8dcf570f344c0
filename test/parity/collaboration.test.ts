import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, call, raise, settle, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Collaboration on both runtimes: what a CC may see and do, a macro applied as one change, a merge.

describe.each(TARGET_NAMES)('collaboration on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;
  let cc: Actor;
  let agent: Actor;
  let admin: Actor;

  beforeAll(async () => {
    [user, cc, agent, admin] = await Promise.all([
      signIn(t(), 'user'),
      signIn(t(), 'user'),
      signIn(t(), 'agent'),
      signIn(t(), 'admin'),
    ]);
  });

  it('a CC reads the public side, replies, changes nothing, and never gets an internal note', async () => {
    const secret = `okapi${Math.random().toString(36).slice(2, 8)}`;
    const id = await raise(t(), user, { subject: 'Team printer', body: 'Broken for all of us.' });
    const copied = await call(t(), 'PATCH', `/tickets/${id}`, {
      token: user.token,
      body: { ccs: [cc.email.toUpperCase()] },
    });
    expect(copied.status).toBe(200);
    expect(copied.body.ccs).toEqual([{ id: cc.id, name: cc.name, email: cc.email }]);
    await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: agent.token,
      body: { body: `Note: ${secret}`, internal: true },
    });
    await call(t(), 'POST', `/tickets/${id}/messages`, { token: agent.token, body: { body: 'On it.' } });

    expect((await call(t(), 'GET', `/tickets/${id}`, { token: cc.token })).status).toBe(200);
    const msgs = await call(t(), 'GET', `/tickets/${id}/messages`, { token: cc.token });
    expect(msgs.body.data.map((m: { body: string }) => m.body)).toEqual(['Broken for all of us.', 'On it.']);
    const reply = await call(t(), 'POST', `/tickets/${id}/messages`, {
      token: cc.token,
      body: { body: 'Me too.' },
    });
    expect(reply.status).toBe(201);
    expect(
      (await call(t(), 'PATCH', `/tickets/${id}`, { token: cc.token, body: { subject: 'x' } })).status,
    ).toBe(403);
    const tooMany = Array.from({ length: 51 }, (_, i) => `p${i}@example.test`);
    expect(
      (await call(t(), 'PATCH', `/tickets/${id}`, { token: user.token, body: { ccs: tooMany } })).status,
    ).toBe(422);

    const mails = await settle(t());
    expect(mails.some((m) => m.to === cc.email && m.text.includes('On it.'))).toBe(true);
    for (const m of mails.filter((x) => x.to !== agent.email)) expect(m.text + m.html).not.toContain(secret);
  });

  it('a macro applies as one change with a rendered reply', async () => {
    const macro = await call(t(), 'POST', '/macros', {
      token: admin.token,
      body: {
        name: 'Logs',
        actions: {
          reply: { body: 'Hi {{requester.name}}, logs for #{{ticket.id}}?' },
          status: 'pending',
          priority: 'high',
        },
      },
    });
    expect(macro.status).toBe(201);
    const id = await raise(t(), user);
    const res = await call(t(), 'POST', `/tickets/${id}/macros/${macro.body.id}/apply`, {
      token: agent.token,
      headers: { 'If-Match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', priority: 'high', version: 2 });
    const msgs = await call(t(), 'GET', `/tickets/${id}/messages`, { token: user.token });
    expect(msgs.body.data.at(-1).body).toBe(`Hi ${user.name}, logs for #${id}?`);
  });

  it('a merge closes the source, notes the target, and redirects later replies', async () => {
    const target = await raise(t(), user, { subject: 'VPN down' });
    const source = await raise(t(), cc, { subject: 'VPN?' });
    const res = await call(t(), 'POST', `/tickets/${target}/merge`, {
      token: agent.token,
      body: { sourceIds: [source] },
    });
    expect(res.status).toBe(200);
    const src = await call(t(), 'GET', `/tickets/${source}`, { token: cc.token });
    expect(src.body).toMatchObject({ status: 'closed', mergedInto: { id: target } });
    const reply = await call(t(), 'POST', `/tickets/${source}/messages`, {
      token: cc.token,
      body: { body: 'Any news?' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.ticketId).toBe(target);
    const self = await call(t(), 'POST', `/tickets/${target}/merge`, {
      token: agent.token,
      body: { sourceIds: [target] },
    });
    expect(self.status).toBe(422);
    expect(self.body.code).toBe('merge_into_self');
    const mails = await settle(t());
    expect(mails.some((m) => m.to === cc.email && m.subject.includes(`Merged into #${target}`))).toBe(true);
  });
});
