import type { ServerResponse } from 'node:http';
import { fallbackRefusalCode, isPortalRefusalCode } from '../../src/lib/domain/portal-refusals';
import { sendJson, toErrorResponse } from '../http/errors';
import type { Logger } from '../http/logger';

/**
 * Errors under /api/portal: the usual answer (server/http/errors.ts), and
 * always a refusal code the patient's app knows (src/lib/domain/
 * portal-refusals.ts), so a patient reading the portal in Swahili is never
 * left with an English sentence. A refusal thrown without a code of its own
 * (a malformed body, a route's generic refusal) gets its kind's code.
 */
export function sendPortalError(res: ServerResponse, err: unknown, logger: Logger, where: string): void {
  const { status, body, headers } = toErrorResponse(err, logger, where);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!isPortalRefusalCode(body.error.reason)) {
    body.error.reason = fallbackRefusalCode(body.error.code);
    delete body.error.params;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 413 || status === 408) res.setHeader('Connection', 'close');
  sendJson(res, status, body);
}
