import { describe, expect, it } from 'vitest';
import { call, expectProblem, signIn, uniqueEmail } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// The admin audit log, end to end, on Node and on Workers: the rows written with account changes, the
// client address each runtime sees, and who may read them.

const PASSWORD = 'correct horse battery';

describe.each(TARGET_NAMES)('admin audit log on %s', (name) => {
  const t = useTarget(name);

  it('records an admin creating, promoting and disabling an account, and a sign-up; admins only', async () => {
    const [admin, agent] = await Promise.all([signIn(t(), 'admin'), signIn(t(), 'agent')]);
    const email = uniqueEmail('audited');
    const created = await call(t(), 'POST', '/users', {
      token: admin.token,
      body: { email, name: 'Audie', role: 'user', password: PASSWORD },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const promoted = await call(t(), 'PATCH', `/users/${id}`, {
      token: admin.token,
      body: { role: 'agent', active: false },
    });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);

    const page = await call(t(), 'GET', `/audit-log?targetType=user&targetId=${id}`, { token: admin.token });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    const by = { type: 'user', id: admin.id, name: admin.name };
    // Newest first; the address is the socket's peer on Node, CF-Connecting-IP on Workers.
    expect(page.body).toEqual({
      data: [
        expect.objectContaining({
          action: 'user.disabled',
          actor: by,
          changes: { active: { from: true, to: false } },
        }),
        expect.objectContaining({
          action: 'user.role_changed',
          actor: by,
          changes: { role: { from: 'user', to: 'agent' } },
        }),
        expect.objectContaining({
          action: 'user.created',
          actor: by,
          target: { type: 'user', id },
          changes: {
            email: { from: null, to: email },
            name: { from: null, to: 'Audie' },
            role: { from: null, to: 'user' },
          },
          ip: '127.0.0.1',
        }),
      ],
      nextCursor: null,
    });
    for (const entry of page.body.data) expect(entry.ip).toBe('127.0.0.1');

    const signUp = await call(t(), 'POST', '/auth/register', {
      body: { email: uniqueEmail('self'), password: PASSWORD, name: 'Selfie' },
    });
    expect(signUp.status).toBe(201);
    const mine = await call(t(), 'GET', `/audit-log?actorId=${signUp.body.user.id}`, { token: admin.token });
    expect(mine.body.data).toEqual([
      expect.objectContaining({
        action: 'user.registered',
        actor: { type: 'user', id: signUp.body.user.id, name: 'Selfie' },
        target: { type: 'user', id: signUp.body.user.id },
      }),
    ]);

    const two = await call(t(), 'GET', `/audit-log?actorId=${admin.id}&limit=2`, { token: admin.token });
    expect(two.body.data.map((e: { action: string }) => e.action)).toEqual([
      'user.disabled',
      'user.role_changed',
    ]);
    const rest = await call(t(), 'GET', `/audit-log?actorId=${admin.id}&cursor=${two.body.nextCursor}`, {
      token: admin.token,
    });
    expect(rest.body).toEqual({
      data: [expect.objectContaining({ action: 'user.created' })],
      nextCursor: null,
    });

    expectProblem(await call(t(), 'GET', '/audit-log', { token: agent.token }), 403, 'forbidden');
    expectProblem(await call(t(), 'GET', '/audit-log', { token: signUp.body.accessToken }), 403, 'forbidden');
    expectProblem(await call(t(), 'GET', '/audit-log'), 401, 'unauthorized');
    expectProblem(
      await call(t(), 'GET', '/audit-log?targetId=5', { token: admin.token }),
      422,
      'validation_failed',
    );
  });
});
