import type { Context, MiddlewareHandler } from 'hono';
import { principalKey } from '../../context.js';
import { BadRequestError, ConflictError, UnprocessableError } from '../../errors.js';
import type { AppEnv } from '../../http/env.js';
import * as repo from './repo.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Completed keys are kept (and replayed) this long. */
export const KEY_TTL_MS = 24 * 3_600_000;
/**
 * A `running` key is held at most this long. The handler's own transaction commits before the response
 * is stored (the store is a second statement, after the handler): a process that dies between the two
 * leaves a `running` row, and without an expiry the client could never use its key again. After this
 * the key is free and a retry runs the request again — the one case where a request may run twice, and
 * only after a crash in that instant. (Storing the response inside the handler's transaction would close
 * it, but every verb opens its own transaction; requests are bounded well under a minute by the
 * request timeout, so a live request does not lose its key to this expiry.)
 */
export const RUNNING_TTL_MS = 60_000;
/** Response headers a replay repeats; the rest (request id, security headers) come from the new request. */
const REPLAYED_HEADERS = ['location', 'etag', 'content-type'] as const;
/** 1–255 visible ASCII characters (no spaces or controls). */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

const encoder = new TextEncoder();
async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether the handler's response is kept for replay: all but server errors and rate limiting (transient). */
const storable = (status: number) => status < 500 && status !== 429;

function replay(row: repo.KeyRow): Response {
  const headers = new Headers(row.headers ?? {});
  headers.set('Idempotent-Replayed', 'true');
  const empty = row.status === 204 || row.status === 304;
  return new Response(empty ? null : (row.body ?? ''), { status: row.status ?? 200, headers });
}

/**
 * Makes authenticated POSTs that carry `Idempotency-Key` run once (README, "Idempotency"). Runs after the
 * authenticator has set `actor` (createApp wraps the authenticator with it), so the key is scoped to the
 * caller; public POSTs never reach it and ignore the header. Other methods and requests without the
 * header pass straight through.
 */
export const idempotency = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (c.req.method !== 'POST') return next();
  const key = c.req.header(IDEMPOTENCY_HEADER);
  if (key === undefined) return next();
  if (!VALID_KEY.test(key)) {
    throw new BadRequestError(
      'invalid_idempotency_key',
      `${IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters.`,
    );
  }
  const actor = c.get('actor');
  // A file upload streams its body; fingerprinting it would read the whole file into memory first. It
  // is not replayed: a retried upload is a second, unused upload, which the sweep deletes after 24 h.
  if ((c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) return next();
  const principal = principalKey(actor);
  const [keyHash, fingerprint] = await Promise.all([
    sha256Hex(key),
    sha256Hex(`${c.req.method}\n${c.req.path}\n${await c.req.text()}`),
  ]);
  const db = c.get('db');
  const { clock } = c.get('deps');

  // Claim the key in its own statement, before the handler, so a concurrent duplicate sees it.
  for (let attempt = 0; ; attempt++) {
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + RUNNING_TTL_MS);
    if (await repo.claim(db, { principal, keyHash, fingerprint, now, expiresAt })) break;
    const row = await repo.find(db, principal, keyHash);
    if (row && row.expiresAt > now) {
      if (row.fingerprint !== fingerprint) {
        throw new UnprocessableError(
          'idempotency_key_reused',
          `This ${IDEMPOTENCY_HEADER} was used with a different request; use a new key.`,
        );
      }
      if (row.state === 'running') {
        throw new ConflictError(
          'idempotency_key_in_use',
          `A request with this ${IDEMPOTENCY_HEADER} is still running; retry shortly.`,
        );
      }
      c.res = replay(row);
      return;
    }
    if (attempt >= 2) {
      throw new ConflictError(
        'idempotency_key_in_use',
        `A request with this ${IDEMPOTENCY_HEADER} is still running; retry shortly.`,
      );
    }
    if (row) await repo.deleteExpired(db, principal, keyHash, row.expiresAt);
  }

  try {
    await next();
  } catch (err) {
    await repo.release(db, principal, keyHash, fingerprint);
    throw err;
  }
  try {
    await store(c, principal, keyHash, fingerprint);
  } catch (err) {
    // The request itself succeeded (and committed): answer it. The key stays `running` until it expires
    // (RUNNING_TTL_MS), so a retry meanwhile is 409 rather than a second run.
    c.get('log').warn({ err }, 'could not store the response for Idempotency-Key');
  }
};

async function store(c: Context<AppEnv>, principal: string, keyHash: string, fingerprint: string) {
  const db = c.get('db');
  const res = c.res;
  if (!storable(res.status)) {
    await repo.release(db, principal, keyHash, fingerprint);
    return;
  }
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const body = withoutSecrets(await res.clone().text(), c.get('secretFields'));
  const expiresAt = new Date(c.get('deps').clock.now().getTime() + KEY_TTL_MS);
  await repo.complete(db, principal, keyHash, fingerprint, { status: res.status, headers, body, expiresAt });
}

/**
 * The body to keep for replays: without the fields the route named as once-shown secrets (README,
 * "Idempotency"). A replay of such a create answers the resource without its secret.
 */
function withoutSecrets(body: string, fields: readonly string[] | undefined): string {
  if (!fields?.length) return body;
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return body;
  const kept = Object.fromEntries(Object.entries(parsed).filter(([name]) => !fields.includes(name)));
  return JSON.stringify(kept);
}

/** Wraps the app's authenticator so idempotency runs once the caller is known. */
export function withIdempotency(authenticator: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  const inner = idempotency();
  return (c, next) => authenticator(c, () => inner(c, next).then(() => undefined));
}
