import { AppError } from '../domain/errors';

/**
 * Turns any failure into a sentence a clinician can act on. Programmer
 * errors are logged (without their data) and shown as a generic message, so
 * nothing internal or clinical leaks into the screen or the console.
 */
export function messageOf(error: unknown): string {
  if (error instanceof AppError) {
    // A detail that only repeats the message is not said twice.
    const detail = error.details?.map((d) => d.message).filter((m) => m && m !== error.message);
    return detail && detail.length > 0 && error.code === 'invalid' ? `${error.message}: ${detail.join('; ')}` : error.message;
  }
  console.error('Unexpected error', error instanceof Error ? error.name : typeof error);
  return 'Something went wrong. Your work is saved on this device; try again.';
}

/** Field errors of an AppError('invalid'), keyed by the first path segment, for forms. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof AppError && error.code === 'invalid') {
    for (const d of error.details ?? []) {
      const key = (d.path ?? '').split('.')[0];
      if (key && !out[key]) out[key] = d.message;
    }
  }
  return out;
}
