import type { Context, MiddlewareHandler } from 'hono';
import type { ServiceContext } from '../context.js';
import { UnauthorizedError } from '../errors.js';
import { findSessionUser } from '../modules/auth/repo.js';
import { verifyAccessToken } from '../modules/auth/tokens.js';
import type { AppEnv } from './env.js';

/**
 * Requires a valid bearer access token whose session is live and whose user is active. The session is
 * checked on every request, so logout, revocation and disabling take effect at once, and the role
 * comes from the database, not from the (up to 15 minutes old) token.
 */
export const authenticate = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match)
    throw new UnauthorizedError('unauthorized', 'Send an access token: Authorization: Bearer <token>.');
  const { config, clock } = c.get('deps');
  const claims = await verifyAccessToken(config, clock, match[1]!);
  const session = await findSessionUser(c.get('db'), claims.sessionId, claims.userId);
  if (!session || session.revokedAt || session.expiresAt <= clock.now()) {
    throw new UnauthorizedError('session_revoked', 'This session has ended; log in again.');
  }
  if (!session.active) throw new UnauthorizedError('account_disabled', 'This account has been disabled.');
  c.set('actor', { id: claims.userId, role: session.role, sessionId: claims.sessionId });
  await next();
};

/**
 * The client's address. Workers: CF-Connecting-IP, set by Cloudflare. Behind a proxy (Render): the last
 * X-Forwarded-For entry, the one our own proxy appended (earlier entries are whatever the client sent).
 * Otherwise the socket's peer address, which @hono/node-server exposes as `env.incoming`.
 */
function clientIp(c: Context<AppEnv>): string | null {
  const cf = c.req.header('cf-connecting-ip');
  if (cf) return cf;
  const xff = c.req.header('x-forwarded-for');
  if (xff) return xff.split(',').at(-1)!.trim() || null;
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

/** Builds the service context for a request: the only way routes hand dependencies to services. */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  const deps = c.get('deps');
  return {
    db: c.get('db'),
    clock: deps.clock,
    config: deps.config,
    log: c.get('log'),
    actor: c.get('actor') ?? null,
    client: { ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null },
  };
}
