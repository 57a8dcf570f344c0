import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../../errors.js';
import type { AppEnv } from '../../http/env.js';
import { findSessionUser } from './repo.js';
import { verifyAccessToken } from './tokens.js';

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
  c.set('actor', { type: 'user', id: claims.userId, role: session.role, sessionId: claims.sessionId });
  // Counted only once the caller is known to be live, so a revoked token cannot spend its user's quota.
  c.get('principalLimiter').take(c, `user:${claims.userId}`);
  await next();
};
