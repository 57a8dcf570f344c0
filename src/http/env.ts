import type { MiddlewareHandler } from 'hono';
import type { Actor } from '../context.js';
import type { Db } from '../database.js';
import type { AppDeps } from '../deps.js';
import type { Logger } from '../logger.js';
import type { PrincipalLimiter } from './principal-limit.js';

/** Hono's typed context variables for this app. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** Request-scoped logger carrying the request id. */
    log: Logger;
    /** Database handle for this request (a pooled handle on Node, the request's own connection on Workers). */
    db: Db;
    deps: AppDeps;
    /** The client's address as TRUST_PROXY allows it to be known (src/http/client-ip.ts); null if unknown. */
    clientIp: string | null;
    /** The app's per-principal request limiter (one per app, so per instance). */
    principalLimiter: PrincipalLimiter;
    /** Proves the caller's credentials and sets `actor` (modules/auth's `authenticate()`, set by createApp). */
    authenticator: MiddlewareHandler<AppEnv>;
    /** Set by the authenticator on protected routes. */
    actor: Actor;
    /**
     * Top-level fields of this response's JSON body that hold a secret shown once (an API key, a webhook
     * secret). The Idempotency-Key store keeps the response without them, so a secret is never at rest in
     * clear and a replay answers the created resource without it.
     */
    secretFields?: readonly string[];
  };
}
