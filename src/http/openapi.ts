import { OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors.js';
import type { AppEnv } from './env.js';

/** Turns zod issues into the contract's `errors[]` (`path` is dotted, e.g. `tags.2`). */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): { path: string; message: string }[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

/**
 * Every router is built here so validation failures anywhere go through the one error mapper
 * (a 422 problem with `errors[]`), never Hono's default 400. A path parameter that fails its schema is a
 * 404 instead: path params are ids (`http/ids.ts`), and an id that cannot exist names nothing.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      if (result.target === 'param') throw new NotFoundError('resource');
      throw new ValidationError(toFieldErrors(result.error.issues));
    },
  });
}

type Operation = { security?: Record<string, string[]>[]; responses?: Record<string, unknown> };

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'Requests allowed per window', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in this window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
};

/**
 * Every authenticated operation is rate-limited per principal (RATE_LIMIT_PER_PRINCIPAL): document its 429
 * and the `RateLimit-*` headers on each of them, rather than in every route definition. Routes with a
 * limit of their own (ticket creation, the auth routes) keep their own description.
 */
export function documentPrincipalLimits<D extends { paths?: object }>(doc: D, tooMany: object): D {
  for (const item of Object.values(doc.paths ?? {}) as Record<string, Operation>[]) {
    for (const op of Object.values(item)) {
      if (!op.security?.some((s) => 'bearerAuth' in s)) continue;
      op.responses ??= {};
      op.responses['429'] ??= {
        ...tooMany,
        description: '`rate_limited`: more requests than RATE_LIMIT_PER_PRINCIPAL in the window',
      };
      for (const [status, response] of Object.entries(op.responses)) {
        if (!status.startsWith('2')) continue;
        const r = response as { headers?: Record<string, unknown> };
        r.headers = { ...RATE_LIMIT_HEADERS, ...r.headers };
      }
    }
  }
  return doc;
}

/** The `Idempotency-Key` request header (README, "Idempotency"), as the document shows it. */
const IDEMPOTENCY_KEY_PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the request safe to retry: the first response to this key (scoped to the caller, kept 24 h) is ' +
    'replayed with `Idempotent-Replayed: true` and nothing runs twice. The same key with a different body ' +
    'is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use`; ' +
    'a key that is not 1–255 visible ASCII characters, 400 `invalid_idempotency_key`.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
};

const REPLAYED_HEADER = {
  'Idempotent-Replayed': {
    description:
      '`true` when this is the stored response to an earlier request with the same `Idempotency-Key`',
    schema: { type: 'string', enum: ['true'] },
  },
};

/**
 * Every authenticated POST honours `Idempotency-Key` (the idempotency module, installed with the
 * authenticator): document the header and the replay marker on each of them, rather than in every route.
 */
export function documentIdempotency<D extends { paths?: object }>(doc: D): D {
  for (const item of Object.values(doc.paths ?? {}) as Record<
    string,
    Operation & { parameters?: object[] }
  >[]) {
    const op = item.post;
    if (!op?.security?.some((s) => 'bearerAuth' in s)) continue;
    op.parameters = [...(op.parameters ?? []), IDEMPOTENCY_KEY_PARAMETER];
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      if (!status.startsWith('2')) continue;
      const r = response as { headers?: Record<string, unknown> };
      r.headers = { ...r.headers, ...REPLAYED_HEADER };
    }
  }
  return doc;
}
