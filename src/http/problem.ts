import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDatabaseUnavailable } from '../database.js';
import {
  AppError,
  BadRequestError,
  ConflictError,
  type ErrorCode,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RateLimitedError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import type { AppEnv } from './env.js';

export const PROBLEM_BASE = 'https://helpdesk.dev/problems/';

/** RFC 9457 problem details, as every error response of this API is shaped. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  /** `urn:request:<id>`: the request's `X-Request-Id`, to quote when reporting the error. */
  instance?: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

const STATUS_BY_CLASS: [new (...args: never[]) => AppError, ContentfulStatusCode, string][] = [
  [ValidationError, 422, 'Validation failed'],
  [BadRequestError, 400, 'Bad request'],
  [UnauthorizedError, 401, 'Unauthorized'],
  [ForbiddenError, 403, 'Forbidden'],
  [NotFoundError, 404, 'Not found'],
  [ConflictError, 409, 'Conflict'],
  [PreconditionFailedError, 412, 'Precondition failed'],
  [PayloadTooLargeError, 413, 'Payload too large'],
  [UnsupportedMediaTypeError, 415, 'Unsupported media type'],
  [UnprocessableError, 422, 'Unprocessable content'],
  [RateLimitedError, 429, 'Too many requests'],
  [ServiceUnavailableError, 503, 'Service unavailable'],
];

export function problem(
  status: number,
  code: ErrorCode,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return { type: `${PROBLEM_BASE}${code}`, title, status, detail, code, ...extra };
}

/** Maps any thrown value to a problem document; unknown errors become an opaque 500. */
export function toProblem(err: unknown): Problem {
  if (err instanceof AppError) {
    const entry = STATUS_BY_CLASS.find(([cls]) => err instanceof cls);
    const [, status, title] = entry ?? [undefined, 500, 'Internal server error'];
    const extra = err instanceof ValidationError ? { ...err.extra, errors: err.errors } : err.extra;
    return problem(status, err.code, title, err.message, extra);
  }
  if (err instanceof HTTPException) {
    // Hono raises these for malformed JSON and similar protocol-level problems.
    if (err.status === 400)
      return problem(400, 'malformed_request', 'Bad request', 'The request body is not valid JSON.');
    if (err.status === 413)
      return problem(413, 'payload_too_large', 'Payload too large', 'The request body is too large.');
    return problem(err.status, 'http_error', 'Error', err.message || 'Request failed.');
  }
  if (isDatabaseUnavailable(err)) {
    return problem(
      503,
      'not_ready',
      'Service unavailable',
      'The database is unreachable; try again shortly.',
    );
  }
  return problem(
    500,
    'internal_error',
    'Internal server error',
    'Something went wrong on our side. It has been logged.',
  );
}

/** A problem's `instance` for a request id: a URN, so it is never mistaken for a resource's path. */
export const requestInstance = (requestId: string) => `urn:request:${requestId}`;

/**
 * Writes a problem as `application/problem+json`, with `instance` naming the request (the id also sent
 * as `X-Request-Id`) whenever the request has one.
 */
export function problemResponse(
  c: Context<AppEnv>,
  p: Problem,
  headers: Record<string, string> = {},
): Response {
  const requestId = c.get('requestId');
  const body = requestId ? { ...p, instance: requestInstance(requestId) } : p;
  return c.body(JSON.stringify(body), p.status as ContentfulStatusCode, {
    'Content-Type': 'application/problem+json',
    ...headers,
  });
}

/** The app's single onError handler. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const p = toProblem(err);
  const log = c.get('log');
  // Domain errors are expected outcomes; only unexpected ones are worth a warning or an error.
  if (err instanceof AppError || err instanceof HTTPException)
    log?.debug({ code: p.code }, 'request rejected');
  else if (p.status === 503) log?.warn({ err }, 'database unavailable');
  else log?.error({ err }, 'request failed');
  const headers: Record<string, string> = {};
  if (p.status === 503) headers['Retry-After'] = '5';
  if (err instanceof RateLimitedError) headers['Retry-After'] = String(err.retryAfterSeconds);
  if (err instanceof UnauthorizedError) headers['WWW-Authenticate'] = 'Bearer';
  // The unread rest of an oversized body is still on the connection: close it rather than keep it alive
  // and have the adapter drop it mid-drain, which would kill the client's next request on it.
  if (p.status === 413) headers.Connection = 'close';
  return problemResponse(c, p, headers);
}
