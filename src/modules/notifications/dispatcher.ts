import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { notifications, type Role, ticketCcs, tickets, users } from '../../../db/schema/index.js';
import { isStaffRole } from '../../access/index.js';
import { type BackgroundLoop, startDrainLoop } from '../../background.js';
import type { Config } from '../../config.js';
import {
  affectedRows,
  type Database,
  type Db,
  isDatabaseUnavailable,
  retryOnDeadlock,
} from '../../database.js';
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { redact, scrubUrlCredentials } from '../../logger.js';
import type { Mailer } from './mailer.js';
import { mailDomain, ownMailHeaders, randomHex, ticketThreadId } from './outbox.js';
import { TemplateError } from './render.js';
import { replyAddress } from './reply-address.js';
import { isTemplateName, renderEmail } from './templates.js';

export interface DispatcherDeps {
  database: Database;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  mailFrom: string;
  appUrl: string;
  /** Delivery is retried until the notification is this old, then it is `failed` (config OUTBOX_MAX_AGE). */
  maxAgeSeconds: number;
  retryBaseSeconds: number;
  /** Longest wait between two attempts (config OUTBOX_MAX_RETRY_DELAY); 1 h when unset. */
  maxRetryDelaySeconds?: number;
  /** The claim lease (config OUTBOX_LEASE_SECONDS); `CLAIM_LEASE_MS` when unset. */
  leaseMs?: number;
  /**
   * INBOUND_ADDRESS and the key reply tokens are signed with: every ticket email to a person gets a
   * signed Reply-To. Absent: no Reply-To.
   */
  replyTo?: { address: { local: string; domain: string }; secret: string } | null;
  /** Once it returns true, no more rows are claimed or sent and unsent claims are handed back (shutdown). */
  stopping?: () => boolean;
}

/** The dispatcher's settings from the configuration: the same on Node (the loop) and Workers (the cron). */
export function outboxSettings(config: Config) {
  return {
    mailFrom: config.mailFrom,
    appUrl: config.appUrl,
    maxAgeSeconds: config.outbox.maxAgeSeconds,
    maxRetryDelaySeconds: config.outbox.maxRetryDelaySeconds,
    leaseMs: config.outbox.leaseSeconds * 1000,
    retryBaseSeconds: config.outbox.retryBaseSeconds,
    replyTo: config.inbound.address ? { address: config.inbound.address, secret: config.jwtSecret } : null,
  } satisfies Partial<DispatcherDeps>;
}

export interface DispatchResult {
  claimed: number;
  /** Claimed, but the lease ran out before its turn and another dispatcher took it over. */
  skipped: number;
  sent: number;
  retried: number;
  failed: number;
  /** Dropped unsent because the recipient may no longer have it (disabled, or no longer staff). */
  dropped: number;
  /** Claimed, then handed back unsent (shutdown, or the database went away mid-batch). */
  released: number;
}

const emptyResult = (): DispatchResult => ({
  claimed: 0,
  skipped: 0,
  sent: 0,
  retried: 0,
  failed: 0,
  dropped: 0,
  released: 0,
});

/**
 * How long a claimed row is hidden from other dispatchers. Short, so a crashed instance's rows come back
 * within a minute; renewed every quarter lease while its dispatcher is still at work, and longer than
 * the SMTP timeouts added up, so a live dispatcher never loses a row it is sending.
 */
export const CLAIM_LEASE_MS = 60_000;
/** Retry delays double from `retryBaseSeconds` and stop growing here unless configured otherwise. */
export const MAX_RETRY_DELAY_MS = 3600_000;
/** The `last_error` of a notification dropped because its recipient may no longer receive it. */
export const NOT_ELIGIBLE = 'recipient_not_eligible';

/** Delay before attempt `attempts + 1`: base · 2^(attempts−1), capped. */
export function retryDelayMs(attempts: number, retryBaseSeconds: number, capMs = MAX_RETRY_DELAY_MS): number {
  return Math.min(retryBaseSeconds * 1000 * 2 ** Math.min(30, Math.max(0, attempts - 1)), capMs);
}

/** Templates only staff may receive (internal notes, the staff alert about a new ticket). */
const STAFF_TEMPLATES = new Set(['note_created', 'ticket_created_staff']);

/** A claimed row with what decides, at send time, whether its recipient may still have it. */
interface Claimed {
  row: typeof notifications.$inferSelect;
  role: Role | null;
  active: boolean | null;
  requesterId: number | null;
  /** Whether the recipient is copied on the ticket now (a CC takes its public emails). */
  isCc?: boolean;
}

/**
 * Checked when the email is sent, not only when it was queued: an agent demoted to `user` in between
 * must not get a customer's reply or an internal note, and a disabled account gets nothing. A ticket
 * email to a non-staff account is only ever for that ticket's requester or one of its CCs (still copied).
 */
export function recipientEligible(c: Claimed): boolean {
  if (c.row.recipientUserId === null || c.active === null) return true;
  if (!c.active) return false;
  if (c.role !== null && isStaffRole(c.role)) return true;
  if (STAFF_TEMPLATES.has(c.row.template)) return false;
  return c.row.ticketId === null || c.requesterId === c.row.recipientUserId || c.isCc === true;
}

/**
 * Claims up to `limit` due rows. `FOR UPDATE SKIP LOCKED` lets concurrent dispatchers take disjoint rows;
 * moving `next_attempt_at` forward by the lease hides the claimed rows from everyone until the lease ends,
 * which is also how a crashed dispatcher's rows come back.
 */
async function claimOnce(
  db: Db,
  now: Date,
  limit: number,
  token: string,
  leaseMs: number,
): Promise<Claimed[]> {
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
          nextAttemptAt: new Date(now.getTime() + leaseMs),
          claimToken: token,
        })
        .where(inArray(notifications.id, ids));
      return tx
        .select({
          row: notifications,
          role: users.role,
          active: users.active,
          requesterId: tickets.requesterId,
          isCc: sql<boolean>`EXISTS (SELECT 1 FROM ${ticketCcs} WHERE ${ticketCcs.ticketId} = ${notifications.ticketId} AND ${ticketCcs.userId} = ${notifications.recipientUserId})`.mapWith(
            (v) => Number(v) === 1,
          ),
        })
        .from(notifications)
        .leftJoin(users, eq(users.id, notifications.recipientUserId))
        .leftJoin(tickets, eq(tickets.id, notifications.ticketId))
        .where(inArray(notifications.id, ids))
        .orderBy(asc(notifications.id));
    },
    { isolationLevel: 'read committed' },
  );
}

const claim = (db: Db, now: Date, limit: number, token: string, leaseMs: number) =>
  retryOnDeadlock(() => claimOnce(db, now, limit, token, leaseMs));

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a database write again and again while the database is unreachable, until `deadline()` (a time
 * on `clock`) has passed; then rethrows. Used for the writes that record what SMTP already did: losing
 * them would send an email twice.
 */
async function untilWritten(clock: Clock, deadline: () => number, write: () => Promise<unknown>) {
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    try {
      return await write();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || clock.now().getTime() + pause >= deadline()) throw err;
      await sleep(pause);
    }
  }
}

/**
 * Emails SMTP accepted whose "sent" mark could not be written before their lease ran out (a long
 * database outage). Kept in memory and written first thing by every later batch of this process; the
 * write applies to the row whoever holds it now, so a dispatcher that took it over finds it sent and
 * leaves it alone, unless it had already begun sending it (the documented duplicate window).
 */
const acceptedUnmarked = new Map<number, { sentAt: Date; payload: Record<string, unknown> }>();

const markSent = (db: Db, id: number, sentAt: Date, payload: Record<string, unknown>, token?: string) =>
  db
    .update(notifications)
    .set({ status: 'sent', sentAt, claimToken: null, lastError: null, payload })
    .where(
      and(
        eq(notifications.id, id),
        token === undefined ? eq(notifications.status, 'queued') : eq(notifications.claimToken, token),
      ),
    );

async function writeAcceptedUnmarked(db: Db): Promise<void> {
  for (const [id, mark] of acceptedUnmarked) {
    await markSent(db, id, mark.sentAt, mark.payload);
    acceptedUnmarked.delete(id);
  }
}

/**
 * Sends up to `limit` due notifications (one batch), recording the outcome of each. Claims only what it
 * is about to send (the Node loop claims one row per send slot), renews the lease while sending, keeps
 * trying to record "sent" through a database blip, and hands back whatever it claimed and did not send.
 */
export async function dispatchBatch(deps: DispatcherDeps, limit = SEND_CONCURRENCY): Promise<DispatchResult> {
  const result = emptyResult();
  const token = randomHex(16);
  const domain = mailDomain(deps.mailFrom);
  const capMs = (deps.maxRetryDelaySeconds ?? MAX_RETRY_DELAY_MS / 1000) * 1000;
  const now = () => deps.clock.now();
  const leaseMs = deps.leaseMs ?? CLAIM_LEASE_MS;
  await deps.database.use(async (db) => {
    await writeAcceptedUnmarked(db);
    if (deps.stopping?.()) return;
    const claimed = await claim(db, now(), limit, token, leaseMs);
    result.claimed = claimed.length;
    if (claimed.length === 0) return;
    // Rows claimed and not yet settled; the lease end as last written to the database.
    const held = new Set(claimed.map((c) => c.row.id));
    let leaseUntil = now().getTime() + leaseMs;
    const renew = async () => {
      if (held.size === 0) return;
      const until = now().getTime() + leaseMs;
      await db
        .update(notifications)
        .set({ nextAttemptAt: new Date(until) })
        .where(
          and(
            eq(notifications.claimToken, token),
            eq(notifications.status, 'queued'),
            inArray(notifications.id, [...held]),
          ),
        );
      leaseUntil = until;
    };
    const heartbeat = setInterval(() => void renew().catch(() => {}), leaseMs / 4);
    heartbeat.unref?.();
    let aborted = false;

    const sendOne = async (c: Claimed) => {
      const { row } = c;
      const mine = and(eq(notifications.id, row.id), eq(notifications.claimToken, token));
      // Renew the lease just before sending: a row whose lease ran out may already be in another
      // dispatcher's hands; then it is theirs to send.
      const until = now().getTime() + leaseMs;
      const renewed = await db
        .update(notifications)
        .set({ nextAttemptAt: new Date(until) })
        .where(and(mine, eq(notifications.status, 'queued')));
      if (affectedRows(renewed) === 0) {
        held.delete(row.id);
        result.skipped++;
        return;
      }
      if (!recipientEligible(c)) {
        await db
          .update(notifications)
          .set({ status: 'failed', claimToken: null, lastError: NOT_ELIGIBLE, payload: settled(row.payload) })
          .where(mine);
        held.delete(row.id);
        result.dropped++;
        deps.logger.info(
          { notificationId: row.id, template: row.template },
          'notification dropped: recipient not eligible',
        );
        return;
      }
      let sendError: unknown;
      try {
        if (!isTemplateName(row.template)) throw new TemplateError(`unknown template ${row.template}`);
        const rendered = renderEmail(row.template, {
          appName: 'Helpdesk',
          appUrl: deps.appUrl,
          ...row.payload,
        });
        const thread = row.ticketId ? ticketThreadId(row.ticketId, domain) : undefined;
        const replyTo =
          deps.replyTo && row.ticketId && row.recipientUserId
            ? await replyAddress(deps.replyTo.secret, deps.replyTo.address, row.ticketId, row.recipientUserId)
            : undefined;
        await deps.mailer.send({
          from: deps.mailFrom,
          to: row.recipient,
          ...rendered,
          messageId: row.messageId,
          ...(thread ? { inReplyTo: thread, references: [thread] } : {}),
          ...(replyTo ? { replyTo } : {}),
          headers: ownMailHeaders(domain, row.event),
        });
      } catch (err) {
        sendError = err;
      }
      // From here on the row is no longer handed back: SMTP has accepted it, or its outcome is recorded.
      held.delete(row.id);
      if (sendError === undefined) {
        const sentAt = now();
        const payload = settled(row.payload);
        try {
          await untilWritten(
            deps.clock,
            () => leaseUntil,
            () => markSent(db, row.id, sentAt, payload, token),
          );
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          acceptedUnmarked.set(row.id, { sentAt, payload });
          throw err;
        }
        result.sent++;
        return;
      }
      // A template error will not fix itself by waiting; everything else (SMTP down, 4xx) is retried until
      // the notification is OUTBOX_MAX_AGE old.
      const age = now().getTime() - row.createdAt.getTime();
      const permanent = sendError instanceof TemplateError || age >= deps.maxAgeSeconds * 1000;
      const lastError = errorText(sendError);
      if (permanent) {
        await untilWritten(
          deps.clock,
          () => leaseUntil,
          () =>
            db
              .update(notifications)
              .set({ status: 'failed', claimToken: null, lastError, payload: settled(row.payload) })
              .where(mine),
        );
        result.failed++;
        deps.logger.error(
          { notificationId: row.id, attempts: row.attempts, error: lastError },
          'notification failed',
        );
      } else {
        const next = new Date(now().getTime() + retryDelayMs(row.attempts, deps.retryBaseSeconds, capMs));
        await untilWritten(
          deps.clock,
          () => leaseUntil,
          () =>
            db.update(notifications).set({ nextAttemptAt: next, claimToken: null, lastError }).where(mine),
        );
        result.retried++;
        deps.logger.warn(
          { notificationId: row.id, attempts: row.attempts, error: lastError },
          'notification will be retried',
        );
      }
    };

    let firstError: unknown;
    try {
      // Several emails at once, one per pooled SMTP connection. A lane that fails (the database went away)
      // stops the batch from starting more sends; the others finish what they began.
      await eachConcurrently(claimed, SEND_CONCURRENCY, async (c) => {
        if (aborted || deps.stopping?.()) return;
        try {
          await sendOne(c);
        } catch (err) {
          aborted = true;
          firstError ??= err;
        }
      });
    } finally {
      clearInterval(heartbeat);
    }
    if (held.size > 0) {
      // Hand back what was claimed and not sent, due at once, so it does not wait out the lease.
      const ids = [...held];
      try {
        await untilWritten(
          deps.clock,
          () => leaseUntil,
          () =>
            db
              .update(notifications)
              .set({ nextAttemptAt: now(), claimToken: null, attempts: sql`${notifications.attempts} - 1` })
              .where(
                and(
                  eq(notifications.claimToken, token),
                  eq(notifications.status, 'queued'),
                  inArray(notifications.id, ids),
                ),
              ),
        );
        result.released = ids.length;
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
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

const add = (total: DispatchResult, r: DispatchResult) => {
  for (const k of Object.keys(total) as (keyof DispatchResult)[]) total[k] += r[k];
};

/**
 * Drains the outbox: `SEND_CONCURRENCY` independent lanes, each claiming one row, sending it and
 * recording the outcome, until nothing is due or `budgetMs` is spent (a Workers cron has limits). A slow
 * send holds up only its own lane, and a crash leaves at most one claimed row per lane behind.
 */
export async function drainOutbox(deps: DispatcherDeps, budgetMs = 25_000): Promise<DispatchResult> {
  const total = emptyResult();
  const started = Date.now();
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && !deps.stopping?.() && Date.now() - started <= budgetMs) {
      try {
        const r = await dispatchBatch(deps, 1);
        add(total, r);
        if (r.claimed === 0) return;
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: SEND_CONCURRENCY }, lane));
  if (failure !== undefined) throw failure;
  return total;
}

/**
 * The Node background loop: drains the outbox every `pollMs`. `stop()` stops claiming at once, hands
 * back claimed rows not yet being sent, and resolves once the sends in flight are recorded.
 */
export function startOutboxLoop(deps: DispatcherDeps, pollMs: number): BackgroundLoop {
  return startDrainLoop(deps, 'outbox dispatch', 'outbox drained', drainOutbox, pollMs);
}
