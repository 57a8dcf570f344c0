import { API_KEY_SCOPES, type ApiKeyScope } from '../../../db/schema/index.js';
import { abilityOf, authorize, isApiKeyScope } from '../../access/index.js';
import { actorUserId, requireActor, type ServiceContext, withTransaction } from '../../context.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../../errors.js';
import { afterIdCursor, type PageInput, toPage } from '../../http/pagination.js';
import { fieldChanges, record } from '../admin-audit/index.js';
import * as repo from './repo.js';
import { type CreateApiKeyInput, type CreatedApiKey, toApiKey } from './schemas.js';

/** Every key starts with this, so a bearer credential is recognised as a key before any lookup. */
export const API_KEY_PREFIX = 'hd_';
/** `hd_` and 8 characters of the key: shown in lists, 48 of its 256 bits, useless on their own. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A new key: `hd_` + 32 random bytes, base64url (43 characters). */
export const newApiKey = () => API_KEY_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));

/** SHA-256 hex of a key: what is stored and looked up. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The scopes, checked: 422 `unknown_scope` listing each unknown one; duplicates dropped, canonical order. */
function checkScopes(scopes: string[]): ApiKeyScope[] {
  const unknown = scopes.flatMap((scope, i) =>
    isApiKeyScope(scope)
      ? []
      : [{ path: `scopes.${i}`, message: `is not a scope (one of ${API_KEY_SCOPES.join(', ')})` }],
  );
  if (unknown.length > 0) {
    throw new UnprocessableError(
      'unknown_scope',
      `Unknown scope: ${unknown.length === 1 ? 'one' : unknown.length} of the scopes does not exist.`,
      {
        errors: unknown,
      },
    );
  }
  return API_KEY_SCOPES.filter((scope) => scopes.includes(scope));
}

/**
 * POST /api-keys (admin): makes a key and returns it, the only time it is ever shown; only its SHA-256
 * is stored. One `api_key.created` audit row (name, scopes, expiry: never the key or its hash).
 */
export async function create(ctx: ServiceContext, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  authorize(abilityOf(ctx), 'create', 'ApiKey');
  const scopes = checkScopes(input.scopes);
  const now = ctx.clock.now();
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt <= now) {
    throw new ValidationError([{ path: 'expiresAt', message: 'must be in the future' }]);
  }
  const key = newApiKey();
  const keyHash = await hashApiKey(key);
  const row = await withTransaction(ctx, async (tx) => {
    const id = await repo.insertApiKey(tx, {
      name: input.name,
      prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
      keyHash,
      scopes,
      createdBy: actorUserId(requireActor(ctx)),
      now,
      expiresAt,
    });
    await record(tx, ctx, {
      action: 'api_key.created',
      target: { type: 'api_key', id },
      changes: fieldChanges(null, { name: input.name, scopes, expiresAt: expiresAt?.toISOString() ?? null }),
    });
    return repo.findById(tx, id);
  });
  if (!row) throw new NotFoundError('api key');
  return { ...toApiKey(row), key };
}

/** GET /api-keys (admin): every key, revoked ones included, in id order; never the key or its hash. */
export async function list(ctx: ServiceContext, page: PageInput) {
  authorize(abilityOf(ctx), 'read', 'ApiKey');
  const rows = await repo.listApiKeys(ctx.db, afterIdCursor(page.cursor), page.limit + 1);
  return toPage(rows, page.limit, (r) => [r.id], toApiKey);
}

/**
 * DELETE /api-keys/:id (admin): the key stops working on its next request (every request looks the key
 * up; nothing caches it). Revoking a revoked key is a no-op (204, no second audit row).
 */
export async function revoke(ctx: ServiceContext, id: number): Promise<void> {
  authorize(abilityOf(ctx), 'revoke', 'ApiKey');
  await withTransaction(ctx, async (tx) => {
    const row = await repo.findById(tx, id, true);
    if (!row) throw new NotFoundError('api key', id);
    if (!(await repo.revoke(tx, id, ctx.clock.now()))) return;
    await record(tx, ctx, {
      action: 'api_key.revoked',
      target: { type: 'api_key', id },
      changes: { revoked: { from: false, to: true } },
    });
  });
}
