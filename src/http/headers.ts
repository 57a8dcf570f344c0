import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Config } from '../config.js';
import type { AppEnv } from './env.js';

/** For HTML that sets no policy of its own: nothing loads, nothing runs, nothing frames it. */
export const DEFAULT_HTML_CSP =
  "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Security headers on every response, errors included (this runs outermost, after onError has built the
 * response). Pages that need more (the /docs reference, an HTML form) set their own CSP and keep it.
 * `apiPrefix`: responses under it carry tokens or personal data, so unless a route chose its own
 * Cache-Control, nothing (browser, proxy, CDN) may store them.
 */
export function securityHeaders(config: Config, apiPrefix: string): MiddlewareHandler<AppEnv> {
  // HSTS only when the public address is https: over plain http it would be ignored, and on a local
  // http://localhost it could pin a developer's browser to https for a year.
  const hsts = config.appUrl.startsWith('https://') ? 'max-age=31536000; includeSubDomains' : null;
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    if (hsts) h.set('Strict-Transport-Security', hsts);
    const type = h.get('content-type') ?? '';
    if (type.startsWith('text/html') && !h.has('content-security-policy')) {
      h.set('Content-Security-Policy', DEFAULT_HTML_CSP);
    }
    if (c.req.path.startsWith(apiPrefix) && !h.has('cache-control')) h.set('Cache-Control', 'no-store');
  };
}

/**
 * CORS for the origins in CORS_ORIGINS (none by default: then no CORS header is ever sent and browsers
 * keep other sites out). Bearer tokens, not cookies, so no credentials mode.
 */
export function corsPolicy(config: Config): MiddlewareHandler<AppEnv> | null {
  if (config.corsOrigins.length === 0) return null;
  return cors({
    origin: config.corsOrigins,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'X-Request-Id'],
    exposeHeaders: [
      'ETag',
      'Location',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'X-Request-Id',
    ],
    maxAge: 600,
  });
}
