import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();
const api = () => env.app.http;
let requester: Actor;
let agent: Actor;

beforeAll(async () => {
  [requester, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

describe('concurrent replies to one ticket', () => {
  // Every write to a ticket queues on its row lock; what it reads after the lock must be what the writer
  // before it committed (the next requester-visible event number above all). A plain read before the lock
  // (following merges) once fixed the transaction's snapshot early, so queued replies numbered their events
  // from a stale maximum and failed with a 500 on the unique (ticket, public_seq) key.
  it('24 replies at once from the agent and the requester all succeed, each with its own event number', async () => {
    const created = await api()
      .post('/api/v1/tickets')
      .set(...requester.auth)
      .send({ subject: 'Busy thread', body: 'First message' });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        api()
          .post(`/api/v1/tickets/${id}/messages`)
          .set(...(i % 3 === 0 ? requester : agent).auth)
          .send({ body: `Reply ${i}` }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(24).fill(201));
    const messages = await api()
      .get(`/api/v1/tickets/${id}/messages?limit=100`)
      .set(...agent.auth);
    expect(messages.status, messages.text).toBe(200);
    expect(messages.body.data).toHaveLength(25);
    // The requester's trail numbers its events 1, 2, 3, … without a gap or a repeat.
    const events = await api()
      .get(`/api/v1/tickets/${id}/events?limit=100`)
      .set(...requester.auth);
    expect(events.status, events.text).toBe(200);
    const seqs = (events.body.data as { id: string }[]).map((e) => Number(e.id));
    expect(seqs.length).toBeGreaterThanOrEqual(25);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});
