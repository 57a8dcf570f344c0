import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { apiKeys, ticketEvents, users, webhookDeliveries, webhooks } from '../../../db/schema/index.js';
import { affectedRows, insertId, type Queryable } from '../../database.js';
import type { EventActorRow } from '../../http/people.js';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export async function insertWebhook(db: Queryable, values: typeof webhooks.$inferInsert): Promise<number> {
  return insertId(await db.insert(webhooks).values(values));
}

/** One webhook, locked for the rest of the transaction when `lock`. */
export async function findWebhook(db: Queryable, id: number, lock = false): Promise<WebhookRow | null> {
  const q = db.select().from(webhooks).where(eq(webhooks.id, id));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

export async function listWebhooks(
  db: Queryable,
  afterId: number | null,
  take: number,
): Promise<WebhookRow[]> {
  return db
    .select()
    .from(webhooks)
    .where(afterId === null ? undefined : sql`${webhooks.id} > ${afterId}`)
    .orderBy(asc(webhooks.id))
    .limit(take);
}

export async function updateWebhook(
  db: Queryable,
  id: number,
  set: Partial<typeof webhooks.$inferInsert>,
): Promise<void> {
  await db.update(webhooks).set(set).where(eq(webhooks.id, id));
}

export async function deleteWebhook(db: Queryable, id: number): Promise<boolean> {
  return affectedRows(await db.delete(webhooks).where(eq(webhooks.id, id))) === 1;
}

export async function findDelivery(
  db: Queryable,
  webhookId: number,
  id: number,
): Promise<DeliveryRow | null> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.webhookId, webhookId)))
    .for('update');
  return row ?? null;
}

/** A webhook's deliveries, newest first, keyset-paginated by id. */
export async function listDeliveries(
  db: Queryable,
  webhookId: number,
  beforeId: number | null,
  take: number,
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        beforeId === null ? undefined : lt(webhookDeliveries.id, beforeId),
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(take);
}

export type NewDelivery = Pick<
  typeof webhookDeliveries.$inferInsert,
  'webhookId' | 'eventId' | 'type' | 'payload'
>;

export async function insertDeliveries(db: Queryable, now: Date, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.insert(webhookDeliveries).values(
    rows.map((r) => ({
      ...r,
      status: 'queued' as const,
      nextAttemptAt: now,
      queuedAt: now,
      createdAt: now,
    })),
  );
  return insertId(result);
}

/** The active webhooks and what they subscribe to: read on every ticket commit, so one small index range. */
export async function activeSubscriptions(db: Queryable): Promise<{ id: number; events: string[] }[]> {
  return db
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(eq(webhooks.active, true))
    .orderBy(asc(webhooks.id));
}

/** One ticket event as the change feed shows it, with the person or key who acted (neither: the system). */
export interface EventRow extends EventActorRow {
  id: number;
  ticketId: number;
  type: string;
  data: Record<string, unknown> | null;
  internal: boolean;
  createdAt: Date;
}

/** The `count` events a commit just inserted for `ticketId`, from `firstId` on, in id order. */
export async function committedEvents(
  db: Queryable,
  ticketId: number,
  firstId: number,
  count: number,
): Promise<EventRow[]> {
  return db
    .select({
      id: ticketEvents.id,
      ticketId: ticketEvents.ticketId,
      type: ticketEvents.type,
      data: ticketEvents.data,
      internal: ticketEvents.internal,
      createdAt: ticketEvents.createdAt,
      actorJob: ticketEvents.actorJob,
      actor: { id: users.id, name: users.name, role: users.role },
      apiKey: { id: apiKeys.id, name: apiKeys.name },
    })
    .from(ticketEvents)
    .leftJoin(users, eq(users.id, ticketEvents.actorId))
    .leftJoin(apiKeys, eq(apiKeys.id, ticketEvents.actorApiKeyId))
    .where(and(eq(ticketEvents.ticketId, ticketId), gte(ticketEvents.id, firstId)))
    .orderBy(asc(ticketEvents.id))
    .limit(count);
}

/** Due now, with a fresh retry window. */
export async function requeueDelivery(db: Queryable, id: number, now: Date): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: 'queued', nextAttemptAt: now, queuedAt: now, claimToken: null, deliveredAt: null })
    .where(eq(webhookDeliveries.id, id));
}
