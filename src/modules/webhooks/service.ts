import { abilityOf, authorize } from '../../access/index.js';
import { actorUserId, type ServiceContext, withTransaction } from '../../context.js';
import { NotFoundError, UnprocessableError } from '../../errors.js';
import { afterIdCursor, toPage } from '../../http/pagination.js';
import { fieldChanges, record } from '../admin-audit/index.js';
import { queueTestEvent } from './outbox.js';
import * as repo from './repo.js';
import type {
  CreatedWebhook,
  CreateWebhookInput,
  UpdateWebhookInput,
  Webhook,
  WebhookDelivery,
} from './schemas.js';
import { encryptSecret, generateSecret } from './secrets.js';
import type { WebhookTransport } from './transport.js';
import { checkDestination, parseWebhookUrl, UrlRefused } from './url-guard.js';

// The webhook verbs: admins (the `Webhook` subject) manage subscriptions and read their delivery log.
// Every change writes one admin-audit row in its transaction; the secret never appears in one.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toWebhook(r: repo.WebhookRow): Webhook {
  return {
    id: String(r.id),
    url: r.url,
    events: r.events,
    description: r.description,
    active: r.active,
    disabledAt: iso(r.disabledAt),
    disabledReason: r.disabledReason,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toDelivery(r: repo.DeliveryRow): WebhookDelivery {
  return {
    id: String(r.id),
    eventId: r.eventId === null ? null : String(r.eventId),
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    responseStatus: r.responseStatus,
    lastError: r.lastError,
    nextAttemptAt: r.status === 'queued' ? r.nextAttemptAt.toISOString() : null,
    deliveredAt: iso(r.deliveredAt),
    createdAt: r.createdAt.toISOString(),
  };
}

/** `["*"]` alone when it is listed, else the types once each, in a stable order. */
const normaliseEvents = (events: string[]) => (events.includes('*') ? ['*'] : [...new Set(events)].sort());

/** The URL, checked: syntax, then where it resolves (422 `invalid_url` / `url_not_allowed`). */
async function checkedUrl(ctx: ServiceContext, raw: string, transport: WebhookTransport): Promise<string> {
  try {
    const url = parseWebhookUrl(raw);
    await checkDestination(url, transport.resolve, ctx.config.webhooks.allowPrivateUrls);
    return url.href;
  } catch (err) {
    if (err instanceof UrlRefused) throw new UnprocessableError(err.code, err.message);
    throw err;
  }
}

async function mustFind(ctx: ServiceContext, id: number, lock = false): Promise<repo.WebhookRow> {
  const row = await repo.findWebhook(ctx.db, id, lock);
  if (!row) throw new NotFoundError('webhook', id);
  return row;
}

/** POST /webhooks: the secret is in this response and nowhere else, ever. */
export async function create(
  ctx: ServiceContext,
  input: CreateWebhookInput,
  transport: WebhookTransport,
): Promise<CreatedWebhook> {
  authorize(abilityOf(ctx), 'create', 'Webhook');
  const url = await checkedUrl(ctx, input.url, transport);
  const secret = generateSecret();
  const secretEncrypted = await encryptSecret(secret, ctx.config.webhooks.secretKey);
  const events = normaliseEvents(input.events);
  const row = await withTransaction(ctx, async (tx, ctx) => {
    const now = ctx.clock.now();
    const id = await repo.insertWebhook(tx, {
      url,
      events,
      description: input.description ?? null,
      active: true,
      secretEncrypted,
      createdBy: actorUserId(ctx.actor),
      createdAt: now,
      updatedAt: now,
    });
    await record(tx, ctx, {
      action: 'webhook.created',
      target: { type: 'webhook', id },
      changes: {
        ...fieldChanges(null, { url, events, description: input.description ?? null, active: true }),
        secret: { changed: true },
      },
    });
    return (await repo.findWebhook(tx, id))!;
  });
  return { ...toWebhook(row), secret };
}

export async function list(ctx: ServiceContext, query: { limit: number; cursor?: string | undefined }) {
  authorize(abilityOf(ctx), 'read', 'Webhook');
  const rows = await repo.listWebhooks(ctx.db, afterIdCursor(query.cursor), query.limit + 1);
  return toPage(rows, query.limit, (r) => [r.id], toWebhook);
}

export async function get(ctx: ServiceContext, id: number): Promise<Webhook> {
  authorize(abilityOf(ctx), 'read', 'Webhook');
  return toWebhook(await mustFind(ctx, id));
}

/** PATCH /webhooks/{id}: `active: true` also clears an automatic disable and its failure count. */
export async function update(
  ctx: ServiceContext,
  id: number,
  input: UpdateWebhookInput,
  transport: WebhookTransport,
): Promise<Webhook> {
  authorize(abilityOf(ctx), 'update', 'Webhook');
  const url = input.url === undefined ? undefined : await checkedUrl(ctx, input.url, transport);
  const row = await withTransaction(ctx, async (tx, ctx) => {
    const before = await mustFind(ctx, id, true);
    const after = {
      url,
      events: input.events === undefined ? undefined : normaliseEvents(input.events),
      description: input.description,
      active: input.active,
    };
    const changes = fieldChanges<Record<string, unknown>>(
      { ...before, events: before.events } as Record<string, unknown>,
      after,
    );
    // Arrays compare by identity above: keep `events` only when it really changed.
    if (after.events && JSON.stringify(after.events) === JSON.stringify(before.events)) delete changes.events;
    if (Object.keys(changes).length === 0) return before;
    const reenabled = input.active === true && !before.active;
    await repo.updateWebhook(tx, id, {
      ...(after.url !== undefined && { url: after.url }),
      ...(after.events !== undefined && { events: after.events }),
      ...(after.description !== undefined && { description: after.description }),
      ...(after.active !== undefined && { active: after.active }),
      ...(reenabled && {
        disabledAt: null,
        disabledReason: null,
        consecutiveFailures: 0,
        failingSince: null,
      }),
      updatedAt: ctx.clock.now(),
    });
    await record(tx, ctx, { action: 'webhook.updated', target: { type: 'webhook', id }, changes });
    return (await repo.findWebhook(tx, id))!;
  });
  return toWebhook(row);
}

/** DELETE /webhooks/{id}: its queued deliveries go with it (nothing more is sent). */
export async function remove(ctx: ServiceContext, id: number): Promise<void> {
  authorize(abilityOf(ctx), 'revoke', 'Webhook');
  await withTransaction(ctx, async (tx, ctx) => {
    const before = await mustFind(ctx, id, true);
    await repo.deleteWebhook(tx, id);
    await record(tx, ctx, {
      action: 'webhook.deleted',
      target: { type: 'webhook', id },
      changes: { url: { from: before.url, to: null }, events: { from: before.events, to: null } },
    });
  });
}

/** POST /webhooks/{id}/test: queues a `webhook.test` delivery (sent like any other, in order). */
export async function sendTest(
  ctx: ServiceContext,
  id: number,
): Promise<{ deliveryId: string; status: 'queued' }> {
  authorize(abilityOf(ctx), 'update', 'Webhook');
  const deliveryId = await withTransaction(ctx, async (tx, ctx) => {
    await mustFind(ctx, id, true);
    return queueTestEvent(tx, ctx.clock.now(), id);
  });
  return { deliveryId: String(deliveryId), status: 'queued' };
}

export async function deliveries(
  ctx: ServiceContext,
  id: number,
  query: { limit: number; cursor?: string | undefined },
) {
  authorize(abilityOf(ctx), 'read', 'Webhook');
  await mustFind(ctx, id);
  const rows = await repo.listDeliveries(ctx.db, id, afterIdCursor(query.cursor), query.limit + 1);
  return toPage(rows, query.limit, (r) => [r.id], toDelivery);
}

/**
 * POST /webhooks/{id}/deliveries/{deliveryId}/retry: a failed or queued delivery is due now, with a
 * fresh 24 h of retries. One being sent right now is left to finish; a succeeded one is sent again.
 * Order still holds: it waits for the webhook's earlier queued deliveries.
 */
export async function retry(
  ctx: ServiceContext,
  id: number,
  deliveryId: number,
): Promise<{ deliveryId: string; status: 'queued' }> {
  authorize(abilityOf(ctx), 'update', 'Webhook');
  await withTransaction(ctx, async (tx, ctx) => {
    const d = await repo.findDelivery(tx, id, deliveryId);
    if (!d) throw new NotFoundError('delivery', deliveryId);
    if (d.status === 'queued' && d.claimToken !== null) return;
    const now = ctx.clock.now();
    await repo.requeueDelivery(tx, deliveryId, now);
  });
  return { deliveryId: String(deliveryId), status: 'queued' };
}
