import { and, eq, lt, sql } from 'drizzle-orm';
import { rateLimits } from '../../../db/schema/index.js';
import type { ServiceContext } from '../../context.js';
import { RateLimitedError } from '../../errors.js';
import { normaliseEmail } from '../users/index.js';
import { sha256Hex } from './tokens.js';

export const RATE_WINDOW_MS = 15 * 60_000;

export type LimitedAction =
  | 'register'
  | 'login'
  | 'refresh'
  | 'password_reset'
  | 'password_reset_confirm'
  | 'password_change'
  | 'verify_email_resend'
  /** The satisfaction page (GET and POST /csat/<token>), per client address only. */
  | 'csat';

/**
 * Counts one attempt in a fixed 15-minute window and says how many the window holds now. The upsert is
 * atomic, so concurrent requests on any number of instances are all counted.
 */
async function hit(ctx: ServiceContext, bucket: string, windowStart: Date): Promise<number> {
  const key = await sha256Hex(bucket);
  await ctx.db
    .insert(rateLimits)
    .values({ bucket: key, windowStart, hits: 1 })
    .onDuplicateKeyUpdate({ set: { hits: sql`${rateLimits.hits} + 1` } });
  const [row] = await ctx.db
    .select({ hits: rateLimits.hits })
    .from(rateLimits)
    .where(and(eq(rateLimits.bucket, key), eq(rateLimits.windowStart, windowStart)));
  return row?.hits ?? 1;
}

/** Which per-account bucket an attempt counts against: see `accountKey`. */
export type AccountKey = `user:${number}` | `email:${string}`;

/**
 * The per-account bucket of an attempt naming `email`: the account it resolves to when there is one, so
 * every spelling that reaches an account shares that account's bucket; the normalised address otherwise.
 */
export function accountKey(user: { id: number } | null, email: string): AccountKey {
  return user ? `user:${user.id}` : `email:${normaliseEmail(email)}`;
}

/**
 * 429 `rate_limited` (with Retry-After) once a client address, or an account, has made more attempts at
 * `action` in the current window than the configured limit. Every attempt counts, successful or not,
 * so guessing passwords slowly across many addresses is still capped per account.
 *
 * `account` is counted against the per-account limit (`AUTH_RATE_LIMIT_PER_EMAIL`).
 */
export async function enforceRateLimit(
  ctx: ServiceContext,
  action: LimitedAction,
  account?: AccountKey,
): Promise<void> {
  const now = ctx.clock.now().getTime();
  const windowStart = new Date(now - (now % RATE_WINDOW_MS));
  const retryAfter = Math.ceil((windowStart.getTime() + RATE_WINDOW_MS - now) / 1000);
  const { perIp, perEmail } = ctx.config.authRateLimit;

  const checks: [string, number][] = [[`${action}:ip:${ctx.client.ip ?? 'unknown'}`, perIp]];
  if (account) checks.push([`${action}:account:${account}`, perEmail]);
  for (const [bucket, limit] of checks) {
    if ((await hit(ctx, bucket, windowStart)) > limit) throw new RateLimitedError(retryAfter);
  }
  // Expired windows are swept now and then, by whichever request happens to draw it.
  if (Math.random() < 0.01) {
    await ctx.db.delete(rateLimits).where(lt(rateLimits.windowStart, new Date(now - 2 * RATE_WINDOW_MS)));
  }
}
