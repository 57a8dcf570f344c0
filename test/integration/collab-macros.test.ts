import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { useMailbox } from '../helpers/mailbox.js';

const env = useTestApp();
const mail = useMailbox(env);
let user: Actor;
let agent: Actor;
let admin: Actor;
let leaver: Actor;

beforeAll(async () => {
  [user, agent, admin, leaver] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
    signIn(env.app.http, env.db.database, 'admin'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
async function raise() {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...user.auth)
    .send({ subject: 'Crash on save', body: 'The editor crashes.' });
  return res.body.id as string;
}
const createMacro = (by: Actor, body: unknown) =>
  api()
    .post('/api/v1/macros')
    .set(...by.auth)
    .send(body as object);
const applyMacro = (by: Actor, ticket: string, macro: string, ifMatch?: string) => {
  const req = api()
    .post(`/api/v1/tickets/${ticket}/macros/${macro}/apply`)
    .set(...by.auth);
  return ifMatch ? req.set('If-Match', ifMatch) : req;
};

describe('macros', () => {
  it('admins write (audited), staff read, requesters get 403; bad templates and actions are 422', async () => {
    const ok = await createMacro(admin, {
      name: 'Ask for logs',
      actions: {
        reply: { body: 'Hi {{requester.name}}, logs for #{{ticket.id}} please. {{agent.name}}' },
        status: 'pending',
      },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.actions.reply.internal).toBe(false);
    expect((await createMacro(agent, { name: 'x', actions: { priority: 'low' } })).status).toBe(403);
    for (const actions of [
      {},
      { reply: { body: 'Hi {{requester.email}}' } },
      { reply: { body: 'Hi {{#if ticket.id}}' } },
      { reply: { body: '{{constructor.name}}' } },
      { status: 'gone' },
      { groupId: 'one' },
    ]) {
      expect((await createMacro(admin, { name: 'bad', actions })).status, JSON.stringify(actions)).toBe(422);
    }
    const list = await api()
      .get('/api/v1/macros')
      .set(...agent.auth);
    expect(list.body.data.map((m: { id: string }) => m.id)).toContain(ok.body.id);
    expect(
      (
        await api()
          .get('/api/v1/macros')
          .set(...user.auth)
      ).status,
    ).toBe(403);
    const renamed = await api()
      .patch(`/api/v1/macros/${ok.body.id}`)
      .set(...admin.auth)
      .send({ name: 'Ask for logs v2' });
    expect(renamed.body.name).toBe('Ask for logs v2');
    const audit = await api()
      .get('/api/v1/audit-log')
      .set(...admin.auth);
    const actions = audit.body.data.map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['macro.created', 'macro.updated']));
    const gone = await createMacro(admin, { name: 'Temp', actions: { priority: 'low' } });
    expect(
      (
        await api()
          .delete(`/api/v1/macros/${gone.body.id}`)
          .set(...admin.auth)
      ).status,
    ).toBe(204);
    expect(
      (
        await api()
          .get(`/api/v1/macros/${gone.body.id}`)
          .set(...agent.auth)
      ).status,
    ).toBe(404);
  });

  it('apply: every action as one change (one version bump), reply rendered, emails sent; If-Match honoured', async () => {
    const macro = await createMacro(admin, {
      name: 'Escalate',
      actions: {
        reply: { body: 'Hello {{requester.name}}, #{{ticket.id}} is escalated. — {{agent.name}}' },
        status: 'pending',
        priority: 'urgent',
        assigneeId: agent.id,
        addTags: ['escalated'],
      },
    });
    const id = await raise();
    await mail.deliver();
    expect((await applyMacro(agent, id, macro.body.id, '"7"')).status).toBe(412);
    const res = await applyMacro(agent, id, macro.body.id, '"1"');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'pending',
      priority: 'urgent',
      tags: ['escalated'],
      version: 2,
    });
    expect(res.body.assignee.id).toBe(agent.id);
    expect(res.headers.etag).toBe('"2"');
    const messages = await api()
      .get(`/api/v1/tickets/${id}/messages`)
      .set(...user.auth);
    expect(messages.body.data.at(-1).body).toBe(`Hello ${user.name}, #${id} is escalated. — ${agent.name}`);
    const mails = (await mail.deliver()).filter((m) => m.to === user.email);
    expect(mails.some((m) => m.text.includes('is escalated'))).toBe(true);
    // Requesters cannot apply macros; strangers see 404.
    expect((await applyMacro(user, id, macro.body.id)).status).toBe(403);
    const stranger = await signIn(env.app.http, env.db.database, 'user');
    expect((await applyMacro(stranger, id, macro.body.id)).status).toBe(404);
    expect((await applyMacro(agent, id, '999999')).status).toBe(404);
  });

  it('a macro assigning an agent who left is 422 macro_agent_unavailable, and nothing is applied', async () => {
    const macro = await createMacro(admin, {
      name: 'Give to Lee',
      actions: { assigneeId: leaver.id, reply: { body: 'Lee will help.' }, priority: 'high' },
    });
    await api()
      .patch(`/api/v1/users/${leaver.id}`)
      .set(...admin.auth)
      .send({ active: false });
    const id = await raise();
    const res = await applyMacro(agent, id, macro.body.id);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('macro_agent_unavailable');
    const t = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...agent.auth);
    expect(t.body).toMatchObject({ version: 1, priority: 'normal', assignee: null });
    const messages = await api()
      .get(`/api/v1/tickets/${id}/messages`)
      .set(...agent.auth);
    expect(messages.body.data).toHaveLength(1);
  });

  it('groupId: a round-robin group assigns its member; a group deleted since is 422 and applies nothing', async () => {
    const group = await api()
      .post('/api/v1/groups')
      .set(...admin.auth)
      .send({ name: `Macro team ${Date.now()}`, memberIds: [agent.id], assignment: 'round_robin' });
    expect(group.status, group.text).toBe(201);
    const macro = await createMacro(admin, {
      name: `To the team ${Date.now()}`,
      actions: { groupId: group.body.id, priority: 'high' },
    });
    expect(macro.status, macro.text).toBe(201);
    const id = await raise();
    const applied = await applyMacro(agent, id, macro.body.id);
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body).toMatchObject({
      version: 2,
      priority: 'high',
      group: { id: group.body.id },
      assignee: { id: agent.id },
    });

    await api()
      .delete(`/api/v1/groups/${group.body.id}`)
      .set(...admin.auth);
    const other = await raise();
    const refused = await applyMacro(agent, other, macro.body.id);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('groupId');
    const t = await api()
      .get(`/api/v1/tickets/${other}`)
      .set(...agent.auth);
    expect(t.body).toMatchObject({ version: 1, priority: 'normal', group: null, assignee: null });
  });

  it('an internal-note macro leaves the requester view as it was', async () => {
    const macro = await createMacro(admin, {
      name: 'Note',
      actions: { reply: { body: 'Checked {{ticket.id}}', internal: true } },
    });
    const id = await raise();
    expect((await applyMacro(agent, id, macro.body.id)).status).toBe(200);
    const theirs = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...user.auth);
    expect(theirs.body.version).toBe(1);
  });
});
