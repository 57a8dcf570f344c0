import type { Queryable } from '../../database.js';
import { toEventActor } from '../../http/people.js';
import * as repo from './repo.js';
import { TEST_EVENT_TYPE } from './schemas.js';

// The webhook outbox: deliveries are rows, inserted in the transaction of the change they report, so a
// change and its deliveries commit or roll back together; the dispatcher sends them afterwards.

/** The body of every delivery: `{type, timestamp, data}` (Standard Webhooks), `data` a change-feed Event. */
export interface WebhookPayload extends Record<string, unknown> {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The change feed's Event shape (GET /events), from an event row. */
function toEvent(r: repo.EventRow): Record<string, unknown> {
  return {
    id: String(r.id),
    type: r.type,
    ticketId: String(r.ticketId),
    actor: toEventActor(r),
    data: r.data ?? {},
    internal: r.internal,
    createdAt: r.createdAt.toISOString(),
  };
}

const subscribes = (events: string[], type: string) => events.includes('*') || events.includes(type);

/**
 * Queues one delivery per (active webhook subscribed to its type, event) for the events a ticket commit
 * has just inserted (`count` of them for `ticketId`, ids from `firstEventId`). Call it in that commit's
 * transaction. With no active webhook this is one indexed read and nothing else. Returns how many
 * deliveries it queued.
 */
export async function queueTicketEvents(
  tx: Queryable,
  now: Date,
  ticketId: number,
  firstEventId: number,
  count: number,
): Promise<number> {
  if (count === 0) return 0;
  const subs = await repo.activeSubscriptions(tx);
  if (subs.length === 0) return 0;
  const events = await repo.committedEvents(tx, ticketId, firstEventId, count);
  const rows: repo.NewDelivery[] = [];
  for (const e of events) {
    const payload: WebhookPayload = { type: e.type, timestamp: e.createdAt.toISOString(), data: toEvent(e) };
    for (const s of subs) {
      if (subscribes(s.events, e.type)) rows.push({ webhookId: s.id, eventId: e.id, type: e.type, payload });
    }
  }
  await repo.insertDeliveries(tx, now, rows);
  return rows.length;
}

/** Queues the `webhook.test` delivery for one webhook; returns its id. */
export async function queueTestEvent(tx: Queryable, now: Date, webhookId: number): Promise<number> {
  const payload: WebhookPayload = {
    type: TEST_EVENT_TYPE,
    timestamp: now.toISOString(),
    data: { webhookId: String(webhookId), message: 'A test event sent from the helpdesk.' },
  };
  return repo.insertDeliveries(tx, now, [{ webhookId, eventId: null, type: TEST_EVENT_TYPE, payload }]);
}
