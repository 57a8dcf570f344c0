import type { Context } from 'hono';
import type { ServiceContext } from '../context.js';
import { inlineHasher } from '../passwords.js';
import type { AppEnv } from './env.js';

/** Builds the service context for a request: the only way routes hand dependencies to services. */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  const deps = c.get('deps');
  return {
    db: c.get('db'),
    clock: deps.clock,
    config: deps.config,
    log: c.get('log'),
    actor: c.get('actor') ?? null,
    client: { ip: c.get('clientIp') ?? null, userAgent: c.req.header('user-agent') ?? null },
    passwords: deps.passwords ?? inlineHasher,
    storage: deps.storage,
  };
}
