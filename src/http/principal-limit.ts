import type { Context } from 'hono';
import type { Clock } from '../deps.js';
import { RateLimitedError } from '../errors.js';

/**
 * A fixed-window request counter per principal, held in process memory. Every authenticated request
 * passes through it, and the read paths must not pay a database round trip for it; the price is that
 * each Node instance (each Workers isolate) counts on its own, so N instances allow up to N times the
 * limit. Expensive writes add a shared, database-backed limit on top (ticket creation).
 *
 * All principals share one window boundary, so a window's end clears the whole map: memory is bounded by
 * the principals seen in one window, with no sweeping.
 */
export class PrincipalLimiter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts one request for `principal`, sets the RateLimit-* headers, and throws a 429 (`rate_limited`,
   * with Retry-After) once the window's limit is spent.
   */
  take(c: Context, principal: string): void {
    const now = this.clock.now().getTime();
    const start = now - (now % this.windowMs);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.counts.clear();
    }
    const used = (this.counts.get(principal) ?? 0) + 1;
    this.counts.set(principal, used);
    const reset = Math.max(1, Math.ceil((start + this.windowMs - now) / 1000));
    c.header('RateLimit-Limit', String(this.limit));
    c.header('RateLimit-Remaining', String(Math.max(0, this.limit - used)));
    c.header('RateLimit-Reset', String(reset));
    if (used > this.limit) throw new RateLimitedError(reset);
  }
}
