import { type ZodError } from 'zod';

export const ErrorCode = {
  BAD_REQUEST: 400,
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_REQUIRED: 428,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ErrorCode;

/** The one error type routes and services throw; the error middleware maps code to status. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
  get status(): number {
    return ErrorCode[this.code];
  }
  static notFound(what: string) {
    return new AppError('NOT_FOUND', `${what} not found`);
  }
}

export function zodToAppError(err: ZodError, where = 'request'): AppError {
  const fields = err.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message }));
  const names = fields.map((f) => f.field).join(', ');
  return new AppError('VALIDATION', `Invalid ${where}: ${names}`, { fields });
}

/** Job failures: retryable ones back off and run again, permanent ones go straight to dead. */
export class PermanentJobError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
export const isPermanent = (e: unknown): boolean => Boolean(e && typeof e === 'object' && (e as { permanent?: boolean }).permanent);
