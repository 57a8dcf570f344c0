import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();
let user: Actor;
let agent: Actor;
let admin: Actor;

beforeAll(async () => {
  [user, agent, admin] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
    signIn(env.app.http, env.db.database, 'admin'),
  ]);
  const define = (body: object) =>
    env.app.http
      .post('/api/v1/ticket-fields')
      .set(...admin.auth)
      .send(body);
  for (const body of [
    { key: 'plan', label: 'Plan', type: 'dropdown', options: ['free', 'pro'], visibleToRequester: true },
    { key: 'seats', label: 'Seats', type: 'number', visibleToRequester: true },
    { key: 'renewal', label: 'Renewal', type: 'date' },
    { key: 'churn_risk', label: 'Churn risk', type: 'checkbox' },
    { key: 'order_ref', label: 'Order', type: 'text', visibleToRequester: true },
  ]) {
    expect((await define(body)).status, JSON.stringify(body)).toBe(201);
  }
});

const api = () => env.app.http;
const raise = (by: Actor, fields: object) =>
  api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject: 'Billing', body: 'Invoice wrong.', fields });

describe('custom ticket fields', () => {
  it('definitions: admin only, audited; reserved keys, duplicates, bad dropdowns refused', async () => {
    const post = (by: Actor, body: object) =>
      api()
        .post('/api/v1/ticket-fields')
        .set(...by.auth)
        .send(body);
    expect((await post(agent, { key: 'x1', label: 'X', type: 'text' })).status).toBe(403);
    const reserved = await post(admin, { key: 'status', label: 'S', type: 'text' });
    expect(reserved.status).toBe(422);
    expect(reserved.body.code).toBe('field_key_reserved');
    expect((await post(admin, { key: 'plan', label: 'P', type: 'text' })).body.code).toBe('field_key_taken');
    expect((await post(admin, { key: 'd1', label: 'D', type: 'dropdown' })).status).toBe(422);
    expect((await post(admin, { key: 'd2', label: 'D', type: 'text', options: ['a'] })).status).toBe(422);
    expect((await post(admin, { key: 'Bad-Key', label: 'D', type: 'text' })).status).toBe(422);
    const mine = await api()
      .get('/api/v1/ticket-fields')
      .set(...user.auth);
    expect(mine.body.data.map((f: { key: string }) => f.key)).toEqual(['plan', 'seats', 'order_ref']);
    const audit = await api()
      .get('/api/v1/audit-log')
      .set(...admin.auth);
    expect(audit.body.data.some((r: { action: string }) => r.action === 'custom_field.created')).toBe(true);
  });

  it('values are validated by type on create and PATCH; requesters set and see only visible fields', async () => {
    const ok = await raise(user, { plan: 'pro', seats: 12, order_ref: 'A-1' });
    expect(ok.status).toBe(201);
    expect(ok.body.fields).toEqual({ plan: 'pro', seats: 12, order_ref: 'A-1' });
    for (const [fields, path] of [
      [{ plan: 'enterprise' }, 'fields.plan'],
      [{ seats: '12' }, 'fields.seats'],
      [{ renewal: '2026-12-01' }, 'fields.renewal'], // hidden from requesters: unknown to them
      [{ nope: 1 }, 'fields.nope'],
      [{ order_ref: 'a\nb' }, 'fields.order_ref'],
    ] as const) {
      const res = await raise(user, fields);
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expect(res.body.errors[0].path).toBe(path);
    }
    const id = ok.body.id as string;
    const staff = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .send({ fields: { renewal: '2027-02-28', churn_risk: true, seats: null } });
    expect(staff.status).toBe(200);
    expect(staff.body.fields).toEqual({
      plan: 'pro',
      renewal: '2027-02-28',
      churn_risk: true,
      order_ref: 'A-1',
    });
    expect(
      (
        await api()
          .patch(`/api/v1/tickets/${id}`)
          .set(...agent.auth)
          .send({ fields: { renewal: '2027-02-30' } })
      ).status,
    ).toBe(422);
    const theirs = await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...user.auth);
    expect(theirs.body.fields).toEqual({ plan: 'pro', order_ref: 'A-1' });
    const events = await api()
      .get(`/api/v1/tickets/${id}/events`)
      .set(...user.auth);
    expect(JSON.stringify(events.body)).not.toContain('renewal');
    expect(
      (
        await api()
          .patch(`/api/v1/tickets/${id}`)
          .set(...user.auth)
          .send({ fields: { churn_risk: false } })
      ).status,
    ).toBe(422);
  });

  it('GET /tickets?field.<key>=<value> filters by a typed value; unknown or hidden keys are 422', async () => {
    const a = (await raise(agent, { plan: 'free', churn_risk: true })).body.id;
    const b = (await raise(agent, { plan: 'free', seats: 3 })).body.id;
    const list = async (by: Actor, q: string) =>
      api()
        .get(`/api/v1/tickets?${q}`)
        .set(...by.auth);
    const ids = async (q: string) => (await list(agent, q)).body.data.map((t: { id: string }) => t.id);
    const risky = await ids('field.churn_risk=true');
    expect(risky).toContain(a);
    expect(risky).not.toContain(b);
    expect(await ids('field.seats=3')).toEqual([b]);
    expect((await ids('field.plan=free&limit=100')).sort()).toEqual([a, b].sort());
    expect((await list(agent, 'field.plan=gold')).status).toBe(422);
    expect((await list(agent, 'field.seats=lots')).status).toBe(422);
    expect((await list(agent, 'field.nope=1')).status).toBe(422);
    expect((await list(user, 'field.churn_risk=true')).status).toBe(422);
  });
});
