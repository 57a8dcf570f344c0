/**
 * Domain errors. Services throw these; `http/problem.ts` is the one place that turns them into HTTP
 * problem+json responses, so no service knows about status codes.
 */
export class AppError extends Error {
  constructor(
    /** Stable snake_case code, part of the public contract. */
    readonly code: string,
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
  constructor(code = 'unauthorized', message = 'Authentication is required.') {
    super(code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(
    code = 'forbidden',
    message = 'You are not allowed to do this.',
    extra: Record<string, unknown> = {},
  ) {
    super(code, message, extra);
  }
}

export class ConflictError extends AppError {}

export class PreconditionFailedError extends AppError {
  constructor(message = 'The resource has changed since you last read it.') {
    super('precondition_failed', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.');
  }
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 'Too many requests; try again later.');
  }
}

export class ServiceUnavailableError extends AppError {
  /** `code` tells an operator which kind of not ready: `not_ready` (unreachable), `not_migrated`, … */
  constructor(message = 'The service is not ready.', code = 'not_ready') {
    super(code, message);
  }
}
