import type { ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import { AppError, HTTP_STATUS, type AppErrorBody } from '../../src/lib/domain/errors';
import { RateLimitedError } from '../auth/auth-service';
import { sendText } from './compression';
import { describeError, type Logger } from './logger';

/**
 * The one place an error becomes an HTTP answer. Expected outcomes are
 * AppErrors and map to their status; anything else is a fault: logged (kind
 * and stack, no request data) and answered with a safe, generic message.
 */
export function toErrorResponse(
  err: unknown,
  logger: Logger,
  where: string
): { status: number; body: AppErrorBody; headers: Record<string, string> } {
  if (err instanceof AppError) {
    const headers: Record<string, string> = {};
    if (err instanceof RateLimitedError) headers['Retry-After'] = String(err.retryAfterSeconds);
    return { status: HTTP_STATUS[err.code], body: err.toBody(), headers };
  }
  if (err instanceof ZodError) {
    const e = fromZod(err);
    return { status: HTTP_STATUS[e.code], body: e.toBody(), headers: {} };
  }
  logger.error(`unexpected error in ${where}: ${describeError(err)}`);
  return {
    status: 500,
    body: {
      error: {
        code: 'internal',
        message: 'Something went wrong on the server. Try again; if it keeps happening, tell your administrator.'
      }
    },
    headers: {}
  };
}

export function fromZod(err: ZodError, message = 'The request is not valid'): AppError {
  return new AppError(
    'invalid',
    message,
    err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
  );
}

export function sendError(res: ServerResponse, err: unknown, logger: Logger, where: string): void {
  const { status, body, headers } = toErrorResponse(err, logger, where);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  // The rest of the body was not read (too large, or stalled): the socket cannot carry another request.
  if (status === 413 || status === 408) res.setHeader('Connection', 'close');
  sendJson(res, status, body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}
