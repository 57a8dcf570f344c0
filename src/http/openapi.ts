import { OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { AppEnv } from './env.js';

/** Turns zod issues into the contract's `errors[]` (`path` is dotted, e.g. `tags.2`). */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): { path: string; message: string }[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

/**
 * Every router is built here so validation failures anywhere go through the one error mapper
 * (a 422 problem with `errors[]`), never Hono's default 400.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new ValidationError(toFieldErrors(result.error.issues));
    },
  });
}
