/**
 * Domain errors. Services throw these; `http/problem.ts` is the one place that turns them into HTTP
 * problem+json responses, so no service knows about status codes.
 */
/**
 * Every `code` a problem document of this API can carry: a closed set, part of the public contract. A new
 * code is added here (and to the README's error-code table, which a unit test compares with this list);
 * a code spelled anywhere else fails the typecheck.
 */
export const ERROR_CODES = [
  // 400
  'malformed_request',
  'bad_request',
  'invalid_cursor',
  'invalid_token',
  'already_verified',
  'invalid_idempotency_key',
  'malformed_multipart',
  // 401
  'unauthorized',
  'token_expired',
  'session_revoked',
  'account_disabled',
  'invalid_credentials',
  'invalid_refresh_token',
  'refresh_token_reused',
  'wrong_password',
  'invalid_api_key',
  'api_key_revoked',
  'api_key_expired',
  // 403
  'forbidden',
  'forbidden_transition',
  'insufficient_scope',
  // 404
  'not_found',
  // 408
  'request_timeout',
  // 409
  'email_taken',
  'invalid_transition',
  'last_admin',
  'ticket_closed',
  'version_conflict',
  'not_failed',
  'idempotency_key_in_use',
  'group_name_taken',
  'field_key_taken',
  // 412
  'precondition_failed',
  // 413
  'payload_too_large',
  // 415
  'unsupported_media_type',
  // 422
  'validation_failed',
  'idempotency_key_reused',
  'unknown_scope',
  'invalid_url',
  'url_not_allowed',
  'merge_into_self',
  'merge_target_closed',
  'merge_cycle',
  'already_merged',
  'macro_agent_unavailable',
  'field_key_reserved',
  'attachment_not_usable',
  // 429
  'rate_limited',
  // 431
  'headers_too_large',
  // 500
  'internal_error',
  'misconfigured',
  // 503
  'not_ready',
  'not_migrated',
  'storage_unavailable',
  // any other status Hono raises
  'http_error',
] as const;

/** One of `ERROR_CODES`. */
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  constructor(
    /** Stable snake_case code, part of the public contract. */
    readonly code: ErrorCode,
    message: string,
    /** Extra public members of the problem document (e.g. `allowed` for invalid transitions). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldError {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(
    readonly errors: FieldError[],
    message = 'The request is not valid.',
  ) {
    super('validation_failed', message);
  }
}

export class BadRequestError extends AppError {}

export class NotFoundError extends AppError {
  constructor(what: string, id?: string | number) {
    super('not_found', id === undefined ? `${what} not found.` : `${what} ${id} not found.`);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code: ErrorCode = 'unauthorized', message = 'Authentication is required.') {
    super(code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(
    code: ErrorCode = 'forbidden',
    message = 'You are not allowed to do this.',
    extra: Record<string, unknown> = {},
  ) {
    super(code, message, extra);
  }
}

export class ConflictError extends AppError {}

/** 422 for a well-formed request the server will not process (not a field-level validation failure). */
export class UnprocessableError extends AppError {}

export class PreconditionFailedError extends AppError {
  constructor(message = 'The resource has changed since you last read it.') {
    super('precondition_failed', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number, what = 'The request body') {
    super('payload_too_large', `${what} is larger than ${limitBytes} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'Send the request body as JSON with Content-Type: application/json.') {
    super('unsupported_media_type', message);
  }
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 'Too many requests; try again later.');
  }
}

export class ServiceUnavailableError extends AppError {
  /** `code` tells an operator which kind of not ready: `not_ready` (unreachable), `not_migrated`, … */
  constructor(message = 'The service is not ready.', code: ErrorCode = 'not_ready') {
    super(code, message);
  }
}
