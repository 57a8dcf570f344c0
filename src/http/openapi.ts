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
