import type { Context, MiddlewareHandler, Next } from 'hono';
import { principalKey } from '../../context.js';
import { UnauthorizedError } from '../../errors.js';
import type { AppEnv } from '../../http/env.js';
import { ApiKeyUsage, isApiKey, verifyApiKey } from '../api-keys/index.js';
import { findSessionUser } from './repo.js';
import { verifyAccessToken } from './tokens.js';

/**
 * Requires a valid bearer credential: an access token whose session is live and whose user is active,
 * or an API key (`hd_…`) that is neither revoked nor expired. Both are checked against the database on
 * every request, so logout, revocation and disabling take effect at once, and the role comes from the
 * database, not from the (up to 15 minutes old) token. One per app: it holds the app's key-usage memory.
 */
export const authenticate = (): MiddlewareHandler<AppEnv> => {
  const keyUsage = new ApiKeyUsage();
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new UnauthorizedError('unauthorized', 'Send an access token: Authorization: Bearer <token>.');
    const credential = match[1]!;
    if (!isApiKey(credential)) return asUser(c, next, credential);
    const { clock } = c.get('deps');
    const actor = await verifyApiKey(c.get('db'), clock, credential);
    c.set('actor', actor);
    c.get('principalLimiter').take(c, principalKey(actor));
    await next();
    await keyUsage.record(c.get('db'), clock, c.get('log'), actor.id);
  };
};

const asUser = async (c: Context<AppEnv>, next: Next, token: string) => {
  const { config, clock } = c.get('deps');
  const claims = await verifyAccessToken(config, clock, token);
  const session = await findSessionUser(c.get('db'), claims.sessionId, claims.userId);
  if (!session || session.revokedAt || session.expiresAt <= clock.now()) {
    throw new UnauthorizedError('session_revoked', 'This session has ended; log in again.');
  }
  if (!session.active) throw new UnauthorizedError('account_disabled', 'This account has been disabled.');
  const actor = { type: 'user', id: claims.userId, role: session.role, sessionId: claims.sessionId } as const;
  c.set('actor', actor);
  // Counted only once the caller is known to be live, so a revoked token cannot spend its user's quota.
  c.get('principalLimiter').take(c, principalKey(actor));
  await next();
};
