/** Typed errors with stable codes; the error handler maps them to the response envelope. */
export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  constructor(details: FieldError[], message = 'Invalid input') {
    super(400, 'VALIDATION_ERROR', message, details);
  }
}

export const fieldError = (field: string, message: string) => new ValidationError([{ field, message }]);

export class UnauthorizedError extends AppError {
  constructor(message = 'Invalid or missing authentication token', code = 'UNAUTHORIZED') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Token does not have required scope', code = 'FORBIDDEN') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super(404, 'NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: FieldError[]) {
    super(409, 'CONFLICT', message, details);
  }
}

export class RateLimitError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'RATE_LIMIT_EXCEEDED', 'Too many requests', undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}

/** A foreign-key violation on a known constraint becomes a field error; anything else is rethrown. */
export function rethrowReference(err: unknown, fields: Record<string, [field: string, message: string]>): never {
  const e = err as { code?: string; constraint?: string };
  const hit = e.code === '23503' && e.constraint ? fields[e.constraint] : undefined;
  if (hit) throw fieldError(hit[0], hit[1]);
  throw err;
}

/** The value, or a 404 naming `what`: the one not-found check (`return found(await get(…), 'Finding')`). */
export function found<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new NotFoundError(what);
  return value;
}
