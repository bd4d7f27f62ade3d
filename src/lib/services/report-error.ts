import { AppError } from '../domain/errors';

/**
 * Logs a background failure nobody awaits (closing a record, a timer's
 * sync). Only the error's kind and code reach the console: messages of
 * lower layers could one day carry data, and the console must never hold
 * patient data.
 */
export function reportError(context: string, error: unknown): void {
  const what = error instanceof AppError ? `${error.name}(${error.code})` : error instanceof Error ? error.name : typeof error;
  console.error(`${context}: ${what}`);
}
