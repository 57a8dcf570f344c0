import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { type Actor, call, expectProblem, raise, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Webhooks on both runtimes: Node sends from its background loop (woken after the write), Workers from
// `waitUntil` after the write and from the cron. Both deliver to a real receiver on 127.0.0.1, signed so
// that `standardwebhooks` verifies it, and keep the same delivery log.

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver?.close());

describe.each(TARGET_NAMES)('webhooks on %s', (name) => {
  const t = useTarget(name);
  let admin: Actor;
  let user: Actor;

  beforeAll(async () => {
    [admin, user] = await Promise.all([signIn(t(), 'admin'), signIn(t(), 'user')]);
  });

  it('delivers a signed ticket.created after the write, and a webhook.test; the log shows both', async () => {
    const path = `/${name}`;
    const created = await call(t(), 'POST', '/webhooks', {
      token: admin.token,
      body: { url: `${receiver.base}${path}`, events: ['ticket.created'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);
    expect((await call(t(), 'GET', `/webhooks/${id}`, { token: admin.token })).body).not.toHaveProperty(
      'secret',
    );

    const ticketId = await raise(t(), user, { subject: `Webhook parity ${name}` });
    const [got] = await receiver.waitFor(1, path, 20_000);
    const body = new Verifier(secret).verify(got!.body, got!.headers as Record<string, string>) as {
      type: string;
      data: { ticketId: string; type: string; actor: { type: string } };
    };
    expect(body.type).toBe('ticket.created');
    expect(body.data).toMatchObject({ ticketId, type: 'ticket.created', actor: { type: 'user' } });

    const test = await call(t(), 'POST', `/webhooks/${id}/test`, { token: admin.token });
    expect(test.status).toBe(202);
    // Workers: the cron sends whatever `waitUntil` did not; Node: a loop pass.
    await t().scheduled();
    const both = await receiver.waitFor(2, path, 20_000);
    expect(JSON.parse(both[1]!.body).type).toBe('webhook.test');
    expect(both[1]!.headers['webhook-id']).toBe(test.body.deliveryId);

    let log: { status: string; type: string }[] = [];
    for (let i = 0; i < 50; i++) {
      log = (await call(t(), 'GET', `/webhooks/${id}/deliveries`, { token: admin.token })).body.data;
      if (log.every((d) => d.status === 'succeeded')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(log.map((d) => [d.type, d.status])).toEqual([
      ['webhook.test', 'succeeded'],
      ['ticket.created', 'succeeded'],
    ]);
  });

  it('refuses bad URLs and non-admins the same way', async () => {
    expectProblem(
      await call(t(), 'POST', '/webhooks', {
        token: admin.token,
        body: { url: 'ftp://example.com/', events: ['*'] },
      }),
      422,
      'invalid_url',
    );
    expectProblem(
      await call(t(), 'POST', '/webhooks', {
        token: admin.token,
        body: { url: 'https://user:pw@example.com/', events: ['*'] },
      }),
      422,
      'invalid_url',
    );
    expectProblem(await call(t(), 'GET', '/webhooks', { token: user.token }), 403, 'forbidden');
  });
});
