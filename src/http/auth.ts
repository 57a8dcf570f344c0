import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/**
 * Runs the app's authenticator (`modules/auth`'s `authenticate()`, which `createApp` puts on every request's
 * context): http/ knows that a route needs a principal, not how one is proven, so it imports no module.
 */
const requirePrincipal: MiddlewareHandler<AppEnv> = (c, next) => c.get('authenticator')(c, next);

/** Spread into a route definition: bearer authentication, enforced and documented. */
export const authenticated = () => ({
  security: [{ bearerAuth: [] }],
  middleware: requirePrincipal,
});
