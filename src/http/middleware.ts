import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { AppDeps } from '../deps.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { clientIpResolver } from './client-ip.js';
import type { AppEnv } from './env.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** `X-Request-Id` on every response, echoing a well-formed incoming one (letters, digits, `-_=`; ≤ 128). */
export const requestIds = (): MiddlewareHandler<AppEnv> =>
  requestId({ headerName: 'X-Request-Id', limitLength: 128 });

/**
 * Puts the deps and a request-scoped logger on the context and logs one line per request.
 * `tokenPaths`: path prefixes whose rest is a secret (the token of a CSAT link, `/csat/<token>`); the
 * log line keeps the prefix only.
 */
export function requestLogging(deps: AppDeps, tokenPaths: readonly string[] = []): MiddlewareHandler<AppEnv> {
  const logPath = (path: string) => {
    const prefix = tokenPaths.find((p) => path.startsWith(p));
    return prefix ? `${prefix}[redacted]` : path;
  };
  return async (c, next) => {
    const started = performance.now();
    const log = deps.logger.child({ reqId: c.get('requestId') });
    c.set('log', log);
    c.set('deps', deps);
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    // The path only: query strings may carry tokens (password-reset links).
    log.info({ method: c.req.method, path: logPath(c.req.path), status: c.res.status, ms }, 'request');
  };
}

/**
 * Resolves the client's address once per request, as TRUST_PROXY allows: rate limits, sessions and
 * audit all read `clientIp`, so a forged header is ignored everywhere at once.
 */
export function clientAddress(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const resolve = clientIpResolver(deps.config.trustProxy);
  return async (c, next) => {
    // @hono/node-server passes the IncomingMessage as `env.incoming`; Workers have no socket.
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    c.set(
      'clientIp',
      resolve({ socket: env?.incoming?.socket?.remoteAddress, header: (name) => c.req.header(name) }),
    );
    await next();
  };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Routes that read their own body as a stream (file uploads): they enforce their own size limit and
 * content type, so the JSON-only and 1 MiB checks below let them through.
 */
export type StreamedBodyPaths = readonly RegExp[];

const limiter = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new PayloadTooLargeError(maxSize);
    },
  });

/**
 * 413 over 1 MiB, counted on the bytes actually read (a lying Content-Length does not help). `larger`
 * names the paths that take bigger bodies (raw inbound mail) and their own limit; `streamed` paths
 * (file uploads) read their own body and enforce their own limit.
 */
export const bodySizeLimit = (
  larger: Record<string, number> = {},
  streamed: StreamedBodyPaths = [],
): MiddlewareHandler<AppEnv> => {
  const limit = limiter(MAX_BODY_BYTES);
  const special = new Map(Object.entries(larger).map(([path, max]) => [path, limiter(max)]));
  return (c, next) => {
    if (!BODY_METHODS.has(c.req.method) || streamed.some((re) => re.test(c.req.path))) return next();
    return (special.get(c.req.path) ?? limit)(c, next);
  };
};

/**
 * 415 for a request that carries a body in anything but JSON, except on `otherPaths`: the HTML pages
 * that take a plain form post (the links in emails), and routes that check their own media type (raw
 * inbound mail).
 */
export const jsonOnly =
  (
    otherPaths: readonly (string | RegExp)[] = [],
    streamed: StreamedBodyPaths = [],
  ): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const path = c.req.path;
    if (
      BODY_METHODS.has(c.req.method) &&
      !otherPaths.some((p) => (typeof p === 'string' ? p === path : p.test(path))) &&
      !streamed.some((re) => re.test(c.req.path))
    ) {
      const length = c.req.header('content-length');
      const hasBody =
        (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const isJson = type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
      if (hasBody && !isJson) throw new UnsupportedMediaTypeError();
    }
    await next();
  };

/** Gives the request a database handle for its whole lifetime. */
export const databaseHandle =
  (deps: AppDeps): MiddlewareHandler<AppEnv> =>
  (c, next) =>
    deps.database.use(async (db) => {
      c.set('db', db);
      await next();
    });

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Calls `deps.afterWrite` once a write request has succeeded (see AppDeps). */
export const afterWrites =
  (deps: AppDeps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    await next();
    if (deps.afterWrite && WRITES.has(c.req.method) && c.res.status >= 200 && c.res.status < 300) {
      deps.afterWrite();
    }
  };
