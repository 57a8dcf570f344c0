import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { notifications } from '../../../db/schema/index.js';
import { type BackgroundLoop, startLoop } from '../../background.js';
import { affectedRows, type Database, type Db, retryOnDeadlock } from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { redact, scrubUrlCredentials } from '../../logger.js';
import type { Mailer } from './mailer.js';
import { mailDomain, randomHex, ticketThreadId } from './outbox.js';
import { TemplateError } from './render.js';
import { isTemplateName, renderEmail } from './templates.js';

export interface DispatcherDeps {
  database: Database;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  mailFrom: string;
  appUrl: string;
  maxAttempts: number;
  retryBaseSeconds: number;
}

export interface DispatchResult {
  claimed: number;
  /** Claimed, but the lease ran out before its turn and another dispatcher took it over. */
  skipped: number;
  sent: number;
  retried: number;
  failed: number;
}

/** How long a claimed row is hidden from other dispatchers; far above the SMTP timeouts. */
export const CLAIM_LEASE_MS = 5 * 60_000;
/** Retry delays double from `retryBaseSeconds` and stop growing here. */
export const MAX_RETRY_DELAY_MS = 6 * 3600_000;

/** Delay before attempt `attempts + 1`: base · 2^(attempts−1), capped. */
export function retryDelayMs(attempts: number, retryBaseSeconds: number): number {
  return Math.min(retryBaseSeconds * 1000 * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Claims up to `limit` due rows. `FOR UPDATE SKIP LOCKED` lets concurrent dispatchers take disjoint rows;
 * moving `next_attempt_at` forward by the lease hides the claimed rows from everyone until the lease ends,
 * which is also how a crashed dispatcher's rows come back.
 */
async function claimOnce(db: Db, now: Date, limit: number, token: string) {
  // READ COMMITTED: no gap locks, so moving next_attempt_at inside the index cannot deadlock with another
  // dispatcher's range scan (it does under REPEATABLE READ, the default).
  return db.transaction(
    async (tx) => {
      const due = await tx
        .select({ id: notifications.id })
        .from(notifications)
        .where(and(eq(notifications.status, 'queued'), lte(notifications.nextAttemptAt, now)))
        .orderBy(asc(notifications.nextAttemptAt), asc(notifications.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      const ids = due.map((r) => r.id);
      await tx
        .update(notifications)
        .set({
          attempts: sql`${notifications.attempts} + 1`,
          nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS),
          claimToken: token,
        })
        .where(inArray(notifications.id, ids));
      return tx
        .select()
        .from(notifications)
        .where(inArray(notifications.id, ids))
        .orderBy(asc(notifications.id));
    },
    { isolationLevel: 'read committed' },
  );
}

const claim = (db: Db, now: Date, limit: number, token: string) =>
  retryOnDeadlock(() => claimOnce(db, now, limit, token));

/**
 * A delivered (or abandoned) row keeps its payload for the audit view, minus secrets: a password-reset
 * token must live in the database only as long as it is needed to send the email.
 */
function settled(payload: Record<string, unknown>): Record<string, unknown> {
  return redact(payload) as Record<string, unknown>;
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return scrubUrlCredentials(message).slice(0, 1000);
}

/** Sends every due notification once (one batch), recording the outcome of each. */
export async function dispatchBatch(deps: DispatcherDeps, limit = 25): Promise<DispatchResult> {
  const result: DispatchResult = { claimed: 0, skipped: 0, sent: 0, retried: 0, failed: 0 };
  const token = randomHex(16);
  const domain = mailDomain(deps.mailFrom);
  await deps.database.use(async (db) => {
    const rows = await claim(db, deps.clock.now(), limit, token);
    result.claimed = rows.length;
    // Several emails at once, one per pooled SMTP connection: one at a time, each send waits out two
    // database round trips and the SMTP dialogue's four.
    await eachConcurrently(rows, SEND_CONCURRENCY, async (row) => {
      const mine = and(eq(notifications.id, row.id), eq(notifications.claimToken, token));
      // Renew the lease just before sending: a batch on a slow SMTP server can outlast one lease, and a
      // row whose lease ran out may already be in another dispatcher's hands; then it is theirs to send.
      const renewed = await db
        .update(notifications)
        .set({ nextAttemptAt: new Date(deps.clock.now().getTime() + CLAIM_LEASE_MS) })
        .where(and(mine, eq(notifications.status, 'queued')));
      if (affectedRows(renewed) === 0) {
        result.skipped++;
        return;
      }
      try {
        if (!isTemplateName(row.template)) throw new TemplateError(`unknown template ${row.template}`);
        const rendered = renderEmail(row.template, {
          appName: 'Helpdesk',
          appUrl: deps.appUrl,
          ...row.payload,
        });
        const thread = row.ticketId ? ticketThreadId(row.ticketId, domain) : undefined;
        await deps.mailer.send({
          from: deps.mailFrom,
          to: row.recipient,
          ...rendered,
          messageId: row.messageId,
          ...(thread ? { inReplyTo: thread, references: [thread] } : {}),
        });
        await db
          .update(notifications)
          .set({
            status: 'sent',
            sentAt: deps.clock.now(),
            claimToken: null,
            lastError: null,
            payload: settled(row.payload),
          })
          .where(mine);
        result.sent++;
      } catch (err) {
        // A template error will not fix itself by waiting; everything else (SMTP down, 4xx) is retried.
        const permanent = err instanceof TemplateError || row.attempts >= deps.maxAttempts;
        const lastError = errorText(err);
        if (permanent) {
          await db
            .update(notifications)
            .set({ status: 'failed', claimToken: null, lastError, payload: settled(row.payload) })
            .where(mine);
          result.failed++;
          deps.logger.error(
            { notificationId: row.id, attempts: row.attempts, error: lastError },
            'notification failed',
          );
        } else {
          const next = new Date(
            deps.clock.now().getTime() + retryDelayMs(row.attempts, deps.retryBaseSeconds),
          );
          await db
            .update(notifications)
            .set({ nextAttemptAt: next, claimToken: null, lastError })
            .where(mine);
          result.retried++;
          deps.logger.warn(
            { notificationId: row.id, attempts: row.attempts, error: lastError },
            'notification will be retried',
          );
        }
      }
    });
  });
  return result;
}

/** Emails in flight at once per dispatcher; matches the SMTP pool's connections (mailer.ts). */
export const SEND_CONCURRENCY = 4;

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function eachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Drains the outbox: batches until nothing is due or `budgetMs` is spent (a Workers cron has limits). */
export async function drainOutbox(deps: DispatcherDeps, budgetMs = 25_000): Promise<DispatchResult> {
  const total: DispatchResult = { claimed: 0, skipped: 0, sent: 0, retried: 0, failed: 0 };
  const started = Date.now();
  const batch = 50;
  for (;;) {
    const r = await dispatchBatch(deps, batch);
    total.claimed += r.claimed;
    total.skipped += r.skipped;
    total.sent += r.sent;
    total.retried += r.retried;
    total.failed += r.failed;
    if (r.claimed < batch || Date.now() - started > budgetMs) return total;
  }
}

/**
 * The Node background loop: drains the outbox every `pollMs`. `stop()` resolves once the current batch
 * has finished, so a graceful shutdown never abandons a half-sent batch.
 */
export function startOutboxLoop(deps: DispatcherDeps, pollMs: number): BackgroundLoop {
  return startLoop(
    deps.logger,
    'outbox dispatch',
    async () => {
      const r = await drainOutbox(deps);
      if (r.claimed > 0) deps.logger.info(r, 'outbox drained');
    },
    pollMs,
  );
}
