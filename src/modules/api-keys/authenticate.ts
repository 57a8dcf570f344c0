import type { ApiKeyActor } from '../../context.js';
import type { Queryable } from '../../database.js';
import type { Clock } from '../../deps.js';
import { UnauthorizedError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import * as repo from './repo.js';
import { API_KEY_PREFIX, hashApiKey } from './service.js';

/** Whether a bearer credential is an API key (rather than an access token, which never starts so). */
export const isApiKey = (credential: string) => credential.startsWith(API_KEY_PREFIX);

/**
 * The actor a key authenticates as; 401 `invalid_api_key` (unknown), `api_key_revoked`, `api_key_expired`.
 * The key is looked up by its hash on every request (one read on a unique index, like the session check
 * of an access token): no cache, so a revocation is seen by the very next request on every instance.
 */
export async function verifyApiKey(db: Queryable, clock: Clock, key: string): Promise<ApiKeyActor> {
  const row = await repo.findByHash(db, await hashApiKey(key));
  if (!row) throw new UnauthorizedError('invalid_api_key', 'This API key is not valid.');
  if (row.revokedAt) throw new UnauthorizedError('api_key_revoked', 'This API key has been revoked.');
  if (row.expiresAt && row.expiresAt <= clock.now())
    throw new UnauthorizedError('api_key_expired', 'This API key has expired.');
  return { type: 'api_key', id: row.id, name: row.name, scopes: row.scopes };
}

/**
 * Keeps `api_keys.last_used_at` without a write per request. Each instance remembers when it last wrote
 * each key's time and writes again only `intervalMs` later; the UPDATE itself is conditional
 * (`last_used_at < now - interval`), so other instances' writes in between make it a no-op. A key used
 * non-stop therefore costs one UPDATE per minute per instance, and `lastUsedAt` is at most a minute
 * (plus the request's own time) behind. The write runs after the response is ready, on the request's
 * own database handle (so it works the same on Workers, whose connections live as long as the request);
 * a failed write is logged, never the request's problem.
 */
export class ApiKeyUsage {
  private readonly written = new Map<number, number>();

  constructor(private readonly intervalMs = 60_000) {}

  /** Whether this instance should record a use of `keyId` at `now` (and notes that it will). */
  due(keyId: number, now: number): boolean {
    const last = this.written.get(keyId);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.written.set(keyId, now);
    return true;
  }

  async record(db: Queryable, clock: Clock, log: Logger, keyId: number): Promise<void> {
    const now = clock.now();
    if (!this.due(keyId, now.getTime())) return;
    try {
      await repo.touch(db, keyId, now, this.intervalMs);
    } catch (err) {
      // Forget the write, so the next request tries again.
      this.written.delete(keyId);
      log.warn({ err, apiKeyId: keyId }, 'could not record an API key use');
    }
  }
}
