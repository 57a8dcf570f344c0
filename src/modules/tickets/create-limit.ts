import { and, eq, lt, sql } from 'drizzle-orm';
import { rateLimits } from '../../../db/schema/index.js';
import { seesAsStaff } from '../../access/index.js';
import { principalKey, requireActor, type ServiceContext } from '../../context.js';
import { RateLimitedError } from '../../errors.js';

/**
 * Ticket creation per principal (TICKET_CREATE_LIMIT per TICKET_CREATE_WINDOW): each ticket emails its
 * requester and every agent, so an unlimited account could turn the helpdesk into a spam relay.
 * Counted in the shared `rate_limits` table, so the limit holds across all instances and Workers
 * isolates; this write already costs a transaction, one upsert more is cheap. Staff raise tickets on
 * behalf of customers (a phone call), so their tier is higher; a rate tier is not a permission.
 */
export async function enforceTicketCreateLimit(ctx: ServiceContext): Promise<void> {
  const actor = requireActor(ctx);
  const { user, staff, windowSeconds } = ctx.config.ticketCreateLimit;
  // API keys raise tickets for customers, as staff do: the staff tier.
  const limit = seesAsStaff(actor) ? staff : user;
  const windowMs = windowSeconds * 1000;
  const now = ctx.clock.now().getTime();
  const windowStart = new Date(now - (now % windowMs));
  // Not hashed like the auth buckets: a user or key id is no secret. Fits char(64).
  const bucket = `ticket_create:${principalKey(actor)}`;
  // One atomic upsert: concurrent creations on any number of instances are all counted.
  await ctx.db
    .insert(rateLimits)
    .values({ bucket, windowStart, hits: 1 })
    .onDuplicateKeyUpdate({ set: { hits: sql`${rateLimits.hits} + 1` } });
  const [row] = await ctx.db
    .select({ hits: rateLimits.hits })
    .from(rateLimits)
    .where(and(eq(rateLimits.bucket, bucket), eq(rateLimits.windowStart, windowStart)));
  if ((row?.hits ?? 1) > limit) {
    throw new RateLimitedError(Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now) / 1000)));
  }
  // Old windows of this bucket only (the auth limiter sweeps the rest of the table).
  if (Math.random() < 0.05) {
    await ctx.db
      .delete(rateLimits)
      .where(and(eq(rateLimits.bucket, bucket), lt(rateLimits.windowStart, windowStart)));
  }
}
