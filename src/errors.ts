/** One field-level problem, as it appears in a problem+json `errors` array. */
export interface FieldError {
  path: string;
  message: string;
}

interface AppErrorOptions {
  details?: Record<string, unknown>;
  errors?: FieldError[];
  cause?: unknown;
  /** Response headers that belong to the error (Retry-After on a 429). */
  headers?: Record<string, string>;
  /** Whether `message` may reach the client; defaults to status < 500. */
  expose?: boolean;
}

/**
 * The one error type handlers throw. `expose` decides whether `message` may reach a client:
 * never for 5xx, whose cause is logged and replaced by a generic title.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.expose = options.expose ?? status < 500;
    this.details = options.details;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, errors: FieldError[], details?: Record<string, unknown>) {
    super(422, 'validation_failed', message, { errors, ...(details ? { details } : {}) });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, 'conflict', message, details ? { details } : {});
  }
}

export class LimitError extends AppError {
  constructor(limit: string, message: string) {
    super(422, 'limit_exceeded', message, { details: { limit } });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'a valid API key is required (Authorization: Bearer <key>)') {
    super(401, 'unauthorized', message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    // 503 is a server-side status, but its reason (e.g. "the LLM is rate-limited") is for the user.
    super(503, 'unavailable', message, { cause, expose: true });
  }
}

/** Outcome type for code where failure is an expected value (parser, runner), not an exception. */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };
