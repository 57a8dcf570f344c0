import type { Context } from 'hono';
import type { ServiceContext } from '../context.js';
import { inlineHasher } from '../modules/users/passwords.js';
import type { AppEnv } from './env.js';

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
    passwords: deps.passwords ?? inlineHasher,
  };
}
