/**
 * One error shape end to end (modelled on FHIR's OperationOutcome issue):
 * a machine code, a message safe to show a user (never patient data), and
 * optional details such as the path of an invalid field.
 */
export const ERROR_CODES = [
  'invalid',
  'unauthenticated',
  'forbidden',
  'not-found',
  'conflict',
  'too-large',
  'timeout',
  'rate-limited',
  'unavailable',
  'internal',
  /** This device was reported lost or stolen: it must sign out and erase what it holds (see server/devices). */
  'device-revoked'
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A refusal's stable code and its parameters (portal-refusals.ts), so the
 * app can say it in the reader's language; `message` stays the English text.
 */
export interface Refusal {
  reason: string;
  params?: Record<string, string | number>;
}

export interface AppErrorBody {
  error: { code: ErrorCode; message: string; details?: { path?: string; message: string }[]; reason?: string; params?: Record<string, string | number> };
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { path?: string; message: string }[],
    readonly refusal?: Refusal
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): AppErrorBody {
    const refusal = this.refusal ? { reason: this.refusal.reason, ...(this.refusal.params && Object.keys(this.refusal.params).length ? { params: this.refusal.params } : {}) } : {};
    return { error: { code: this.code, message: this.message, details: this.details, ...refusal } };
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  timeout: 408,
  'rate-limited': 429,
  unavailable: 503,
  internal: 500,
  // Gone: not "sign in again" (401) but "this device may not be used again".
  'device-revoked': 410
};
