import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { Webhook as Signer } from 'standardwebhooks';
import { users, webhookDeliveries, webhooks } from '../../../db/schema/index.js';
import { ADMIN_ROLE } from '../../access/index.js';
import { type BackgroundLoop, startDrainLoop } from '../../background.js';
import type { Config } from '../../config.js';
import { affectedRows, type Database, type Db, retryOnDeadlock } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { scrubUrlCredentials } from '../../logger.js';
import { enqueue, mailDomain } from '../notifications/index.js';
import { decryptSecret } from './secrets.js';
import { MAX_RESPONSE_BYTES, type WebhookTransport } from './transport.js';
import { checkDestination, parseWebhookUrl, UrlRefused } from './url-guard.js';

// The webhook dispatcher: claims due deliveries (FOR UPDATE SKIP LOCKED, so dispatchers on several
// instances never send one twice), one webhook's deliveries strictly in order, signs them (Standard
// Webhooks), checks the destination again (DNS can change), sends with a deadline, and records the
// outcome: succeeded, retried with backoff, or failed after WEBHOOK_MAX_AGE; a webhook whose deliveries
// keep failing is disabled and the admins are emailed (through the email outbox). It shares nothing with
// the email dispatcher but the database: a receiver that never answers holds one lane for at most
// WEBHOOK_TIMEOUT, never an email.

export interface WebhookDispatcherDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  transport: WebhookTransport;
  settings: Config['webhooks'];
  /** MAIL_FROM and APP_URL, for the "webhook disabled" email. */
  mailFrom: string;
  appUrl: string;
  /** Jitter source in [0, 1); `Math.random` unless a test pins it. */
  random?: () => number;
  /** Once it returns true, no more deliveries are claimed (shutdown). */
  stopping?: () => boolean;
}

export const webhookSettings = (config: Config) => ({
  settings: config.webhooks,
  mailFrom: config.mailFrom,
  appUrl: config.appUrl,
});

export interface WebhookDispatchResult {
  claimed: number;
  succeeded: number;
  retried: number;
  failed: number;
  /** Webhooks disabled in this run. */
  disabled: number;
}

const emptyResult = (): WebhookDispatchResult => ({
  claimed: 0,
  succeeded: 0,
  retried: 0,
  failed: 0,
  disabled: 0,
});

/** Delay before the next attempt after `attempts` failed ones: base · 2^(attempts−1), capped, then jittered to 50–100 %. */
export function webhookRetryDelayMs(
  attempts: number,
  settings: Pick<Config['webhooks'], 'retryBaseSeconds' | 'maxRetryDelaySeconds'>,
  random: () => number = Math.random,
): number {
  const full = Math.min(
    settings.retryBaseSeconds * 1000 * 2 ** Math.min(30, Math.max(0, attempts - 1)),
    settings.maxRetryDelaySeconds * 1000,
  );
  return Math.round(full / 2 + (random() * full) / 2);
}

/**
 * Deliveries of one webhook claimed together (its head and the queued ones right behind it), then sent
 * one after the other by one slot: a busy webhook's deliveries cost one claim per chain, not per delivery.
 */
export const CHAIN_LENGTH = 10;

/** How long a claimed chain is hidden from other dispatchers: well past its attempts' deadlines. */
const leaseMs = (s: Config['webhooks']) => Math.max(60_000, s.timeoutMs * (CHAIN_LENGTH + 2));

interface Claimed {
  delivery: typeof webhookDeliveries.$inferSelect;
  webhook: typeof webhooks.$inferSelect;
}

/**
 * Claims up to `limit` due deliveries, each the oldest queued one of its (active) webhook, so a webhook's
 * deliveries go out one at a time, in order: the next waits while the previous is in flight (its lease
 * keeps it queued) or waiting for its retry. Each webhook's head comes from a loose index scan of
 * `(status, webhook_id, id)`, so a long backlog behind a failing receiver costs nothing per claim. READ
 * COMMITTED, as the email outbox, so concurrent claims take no gap locks; SKIP LOCKED, so two
 * dispatchers never claim the same row.
 */
async function claimBatch(
  db: Db,
  now: Date,
  token: string,
  lease: number,
  limit: number,
): Promise<Claimed[]> {
  return db.transaction(
    async (tx) => {
      const heads = await tx
        .select({ id: sql<number>`MIN(${webhookDeliveries.id})`.mapWith(Number) })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.status, 'queued'),
            inArray(
              webhookDeliveries.webhookId,
              tx.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.active, true)),
            ),
          ),
        )
        .groupBy(webhookDeliveries.webhookId);
      if (heads.length === 0) return [];
      const due = await tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            inArray(
              webhookDeliveries.id,
              heads.map((h) => h.id),
            ),
            eq(webhookDeliveries.status, 'queued'),
            lte(webhookDeliveries.nextAttemptAt, now),
          ),
        )
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      // Behind each locked head, the webhook's next queued deliveries (never attempted, so due), in order.
      // Nobody else claims them: other dispatchers only claim heads, and this head is ours.
      const ids = due.map((d) => d.id);
      for (const head of due) {
        const [w] = await tx
          .select({ webhookId: webhookDeliveries.webhookId })
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.id, head.id));
        const next = await tx
          .select({ id: webhookDeliveries.id, nextAttemptAt: webhookDeliveries.nextAttemptAt })
          .from(webhookDeliveries)
          .where(
            and(
              eq(webhookDeliveries.status, 'queued'),
              eq(webhookDeliveries.webhookId, w!.webhookId),
              gt(webhookDeliveries.id, head.id),
            ),
          )
          .orderBy(asc(webhookDeliveries.id))
          .limit(CHAIN_LENGTH - 1)
          // Not SKIP LOCKED: a skipped row would be overtaken by the ones behind it.
          .for('update');
        for (const n of next) {
          if (n.nextAttemptAt > now) break;
          ids.push(n.id);
        }
      }
      await tx
        .update(webhookDeliveries)
        .set({
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          nextAttemptAt: new Date(now.getTime() + lease),
          claimToken: token,
        })
        .where(inArray(webhookDeliveries.id, ids));
      return tx
        .select({ delivery: webhookDeliveries, webhook: webhooks })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(inArray(webhookDeliveries.id, ids))
        .orderBy(asc(webhookDeliveries.id));
    },
    { isolationLevel: 'read committed' },
  );
}

function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** What one attempt came to. */
type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Signs and sends one delivery; never throws (every failure is an outcome to record). */
async function attempt(deps: WebhookDispatcherDeps, c: Claimed): Promise<Outcome> {
  const { settings } = deps;
  let secret: string;
  try {
    secret = await decryptSecret(c.webhook.secretEncrypted, settings.secretKey);
  } catch {
    return {
      ok: false,
      status: null,
      error:
        'secret_unreadable: the signing secret cannot be decrypted (was WEBHOOK_SECRET_KEY or JWT_SECRET changed?)',
    };
  }
  try {
    const url = parseWebhookUrl(c.webhook.url);
    // Resolved and checked on every attempt; the connection goes to the address checked here.
    const [address] = await checkDestination(url, deps.transport.resolve, settings.allowPrivateUrls);
    const body = JSON.stringify(c.delivery.payload);
    const msgId = String(c.delivery.id);
    // The signature's timestamp is the wall clock of this attempt (receivers compare it with theirs).
    const sentAt = new Date();
    const signature = new Signer(secret).sign(msgId, sentAt, body);
    const res = await deps.transport.post({
      url,
      address: address!,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Helpdesk-Webhooks/1.0',
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const why =
      res.status >= 300 && res.status < 400
        ? ' (redirects are not followed)'
        : res.body
          ? `: ${clip(res.body, 200)}`
          : '';
    return { ok: false, status: res.status, error: `HTTP ${res.status}${why}` };
  } catch (err) {
    if (err instanceof UrlRefused) return { ok: false, status: null, error: `${err.code}: ${err.message}` };
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const detail = e.name === 'TimeoutError' ? `timed out after ${settings.timeoutMs / 1000} s` : e.message;
    const cause = e.cause?.code ?? e.cause?.message;
    return {
      ok: false,
      status: null,
      error: clip(scrubUrlCredentials(cause ? `${detail} (${cause})` : detail), 500),
    };
  }
}

/** Records a failed delivery against its webhook; disables it (and emails the admins) at the limit. */
async function countFailure(deps: WebhookDispatcherDeps, db: Db, c: Claimed, now: Date): Promise<boolean> {
  return retryOnDeadlock(() =>
    db.transaction(async (tx) => {
      const [w] = await tx.select().from(webhooks).where(eq(webhooks.id, c.webhook.id)).for('update');
      if (!w) return false;
      const failures = w.consecutiveFailures + 1;
      const disable = w.active && failures >= deps.settings.disableAfter;
      await tx
        .update(webhooks)
        .set({
          consecutiveFailures: failures,
          failingSince: w.failingSince ?? c.delivery.queuedAt,
          ...(disable && {
            active: false,
            disabledAt: now,
            disabledReason: `${failures} consecutive deliveries failed`,
            updatedAt: now,
          }),
        })
        .where(eq(webhooks.id, w.id));
      if (!disable) return false;
      const admins = await tx
        .select({ id: users.id, email: users.email, name: users.name })
        .from(users)
        .where(and(eq(users.role, ADMIN_ROLE), eq(users.active, true)));
      await enqueue(
        tx,
        deps.clock,
        mailDomain(deps.mailFrom),
        admins.map((a) => ({
          event: 'webhook.disabled',
          template: 'webhook_disabled' as const,
          to: { email: a.email, userId: a.id },
          payload: {
            recipient: { name: a.name },
            webhook: {
              id: String(w.id),
              url: w.url,
              failures,
              lastError: c.delivery.lastError ?? '',
            },
          },
        })),
      );
      return true;
    }),
  );
}

/** Claims up to `limit` due deliveries (one per webhook at most). */
export function claimDeliveries(
  deps: WebhookDispatcherDeps,
  token: string,
  limit: number,
): Promise<Claimed[]> {
  return deps.database.use((db) =>
    retryOnDeadlock(() => claimBatch(db, deps.clock.now(), token, leaseMs(deps.settings), limit)),
  );
}

/** Sends one claimed delivery and records the outcome (no connection is held while the receiver answers). */
async function deliver(
  deps: WebhookDispatcherDeps,
  c: Claimed,
  token: string,
): Promise<WebhookDispatchResult> {
  const result = { ...emptyResult(), claimed: 1 };
  const outcome = await attempt(deps, c);
  return deps.database.use(async (db) => {
    const mine = and(eq(webhookDeliveries.id, c.delivery.id), eq(webhookDeliveries.claimToken, token));
    const at = deps.clock.now();
    const attempts = c.delivery.attempts; // as claimed: this attempt included
    // The outcome's write is one statement, idempotent under the claim token: a deadlock (InnoDB picks a
    // victim among writers of these rows, such as another drain's claim) runs it again. Unretried, the
    // delivery stayed claimed and its whole webhook's chain waited for the lease to expire.
    if (outcome.ok) {
      await retryOnDeadlock(() =>
        db
          .update(webhookDeliveries)
          .set({
            status: 'succeeded',
            responseStatus: outcome.status,
            lastError: null,
            deliveredAt: at,
            claimToken: null,
          })
          .where(mine),
      );
      // A success ends a failing streak; a healthy webhook is not written to.
      if (c.webhook.consecutiveFailures !== 0 || c.webhook.failingSince !== null) {
        await db
          .update(webhooks)
          .set({ consecutiveFailures: 0, failingSince: null })
          .where(eq(webhooks.id, c.webhook.id));
      }
      result.succeeded++;
      return result;
    }
    const expired = at.getTime() - c.delivery.queuedAt.getTime() >= deps.settings.maxAgeSeconds * 1000;
    const next = new Date(at.getTime() + webhookRetryDelayMs(attempts, deps.settings, deps.random));
    const written = await retryOnDeadlock(() =>
      db
        .update(webhookDeliveries)
        .set({
          status: expired ? 'failed' : 'queued',
          responseStatus: outcome.status,
          lastError: outcome.error,
          nextAttemptAt: expired ? at : next,
          claimToken: null,
        })
        .where(mine),
    );
    const log = { webhookId: c.webhook.id, deliveryId: c.delivery.id, attempts, error: outcome.error };
    if (!expired) {
      result.retried++;
      deps.logger.warn(log, 'webhook delivery will be retried');
      return result;
    }
    result.failed++;
    deps.logger.error(log, 'webhook delivery failed');
    const failed = { ...c, delivery: { ...c.delivery, lastError: outcome.error } };
    if (affectedRows(written) === 1 && (await countFailure(deps, db, failed, at))) {
      result.disabled++;
      deps.logger.error({ webhookId: c.webhook.id }, 'webhook disabled after repeated failed deliveries');
    }
    return result;
  });
}

/** Claimed rows (in id order) grouped per webhook, each group in order. */
function chains(claimed: Claimed[]): Claimed[][] {
  const byWebhook = new Map<number, Claimed[]>();
  for (const c of claimed) {
    const list = byWebhook.get(c.webhook.id) ?? [];
    list.push(c);
    byWebhook.set(c.webhook.id, list);
  }
  return [...byWebhook.values()];
}

/** Hands claimed deliveries back unsent, due at once, their attempt not counted (retried on a deadlock). */
function handBack(deps: WebhookDispatcherDeps, ids: number[], token: string): Promise<unknown> {
  return deps.database.use((db) =>
    retryOnDeadlock(() =>
      db
        .update(webhookDeliveries)
        .set({
          claimToken: null,
          nextAttemptAt: deps.clock.now(),
          attempts: sql`${webhookDeliveries.attempts} - 1`,
        })
        .where(and(inArray(webhookDeliveries.id, ids), eq(webhookDeliveries.claimToken, token))),
    ),
  );
}

/**
 * Sends one webhook's claimed deliveries in order. At the first that does not succeed (or at shutdown)
 * the rest are handed back unsent, due at once, so they wait behind it as order requires.
 */
async function deliverChain(
  deps: WebhookDispatcherDeps,
  chain: Claimed[],
  token: string,
  total: WebhookDispatchResult,
): Promise<void> {
  for (let i = 0; i < chain.length; i++) {
    const r = i === 0 || !deps.stopping?.() ? await deliver(deps, chain[i]!, token) : null;
    if (r) add(total, r);
    if (r?.succeeded !== 1) {
      // The rest go back; stopping before this one was sent, it goes back too.
      const back = chain.slice(r ? i + 1 : i).map((c) => c.delivery.id);
      if (back.length > 0) await handBack(deps, back, token);
      return;
    }
  }
}

const add = (total: WebhookDispatchResult, r: WebhookDispatchResult) => {
  for (const k of Object.keys(total) as (keyof WebhookDispatchResult)[]) total[k] += r[k];
};

/** While sends are in flight and nothing else is due, how often the drain looks for new deliveries. */
const RECHECK_MS = 250;

/**
 * Sends due deliveries, at most `settings.concurrency` at once, until nothing is due or `budgetMs` is
 * spent (a Workers invocation has limits). It claims only for free slots, in batches (one claim
 * transaction for many webhooks' heads), and claims again whenever a send finishes: a receiver that hangs
 * holds one slot for at most the timeout while the others go on with other webhooks, and the webhook
 * whose delivery just succeeded has its next one claimed at once.
 */
export async function drainWebhooks(
  deps: WebhookDispatcherDeps,
  budgetMs = 25_000,
): Promise<WebhookDispatchResult> {
  const total = emptyResult();
  const started = Date.now();
  const token = randomToken();
  const slots = deps.settings.concurrency;
  const running = new Set<Promise<void>>();
  /** Sends finished so far: one that finished while a claim ran may have made its webhook's next due. */
  let finished = 0;
  let failure: unknown;
  while (failure === undefined && !deps.stopping?.() && Date.now() - started <= budgetMs) {
    const free = slots - running.size;
    const finishedBefore = finished;
    const claimed =
      free > 0
        ? await claimDeliveries(deps, token, free).catch((err: unknown) => {
            failure ??= err;
            return [];
          })
        : [];
    for (const chain of chains(claimed)) {
      const p: Promise<void> = deliverChain(deps, chain, token, total)
        .then(
          () => {},
          (err: unknown) => {
            failure ??= err;
          },
        )
        .finally(() => {
          finished++;
          running.delete(p);
        });
      running.add(p);
    }
    if (claimed.length === 0) {
      // Nothing due (or no free slot): wait for a send to finish, whose webhook may have a next delivery,
      // but look again soon anyway: a slow receiver must not keep new deliveries to others waiting.
      if (running.size === 0) {
        if (finished === finishedBefore) break;
        continue;
      }
      await Promise.race([...running, new Promise((r) => setTimeout(r, RECHECK_MS))]);
    }
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
  return total;
}

/** The Node background loop: drains every `pollMs`, and at once when woken after a write. */
export function startWebhookLoop(deps: WebhookDispatcherDeps, pollMs: number): BackgroundLoop {
  return startDrainLoop(deps, 'webhook dispatch', 'webhooks drained', drainWebhooks, pollMs);
}
