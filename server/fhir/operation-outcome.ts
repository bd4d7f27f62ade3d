import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../../src/lib/domain/errors';
import { sendText } from '../http/compression';
import { toErrorResponse } from '../http/errors';
import type { Logger } from '../http/logger';

/**
 * The one error shape of the FHIR API: an OperationOutcome (FHIR R4). Every
 * failure under /fhir, an unknown endpoint or a 401 included, is answered
 * with one, so a FHIR client never has to parse the app's own error body.
 * Messages are the same safe, patient-data-free texts the rest of the server
 * uses; diagnostics of a bundle issue name the field, never its value.
 */

/** FHIR issue-type codes used here (http://hl7.org/fhir/valueset-issue-type). */
export type IssueCode = 'invalid' | 'structure' | 'required' | 'value' | 'not-supported' | 'login' | 'forbidden' | 'not-found' | 'conflict' | 'too-costly' | 'timeout' | 'throttled' | 'transient' | 'exception' | 'informational';

export interface Issue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: IssueCode;
  diagnostics: string;
  /** FHIRPath of the offending element, e.g. `Bundle.entry[3].resource.effectiveDateTime`. */
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Issue[];
}

/** An expected refusal with FHIR issues (bundle validation); answered with `status`. */
export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly issues: Issue[]
  ) {
    super(issues[0]?.diagnostics ?? 'The request was refused');
    this.name = 'OperationOutcomeError';
  }
}

const ISSUE_CODE: Record<ErrorCode, IssueCode> = {
  invalid: 'invalid',
  unauthenticated: 'login',
  forbidden: 'forbidden',
  'not-found': 'not-found',
  conflict: 'conflict',
  'too-large': 'too-costly',
  timeout: 'timeout',
  'rate-limited': 'throttled',
  unavailable: 'transient',
  internal: 'exception',
  'device-revoked': 'forbidden'
};

export function outcome(issues: Issue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** Maps any error to a status and OperationOutcome; faults are logged by the shared mapping and stay generic. */
export function toOperationOutcome(err: unknown, logger: Logger, where: string): { status: number; body: OperationOutcome; headers: Record<string, string> } {
  if (err instanceof OperationOutcomeError) return { status: err.status, body: outcome(err.issues), headers: {} };
  const { status, body, headers } = toErrorResponse(err, logger, where);
  const e = body.error;
  const issues: Issue[] = e.details?.length
    ? e.details.map((d) => ({ severity: 'error', code: ISSUE_CODE[e.code], diagnostics: `${e.message}: ${d.message}`, ...(d.path ? { expression: [d.path] } : {}) }))
    : [{ severity: status >= 500 ? 'fatal' : 'error', code: ISSUE_CODE[e.code], diagnostics: e.message }];
  return { status, body: outcome(issues), headers };
}

/** Error sender for the request handler's `/fhir` prefix. */
export function sendOperationOutcome(res: ServerResponse, err: unknown, logger: Logger, where: string): void {
  const { status, body, headers } = toOperationOutcome(err, logger, where);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 413 || status === 408) res.setHeader('Connection', 'close');
  sendFhir(res, status, body);
}

/** Writes a FHIR JSON resource with the FHIR media type. */
export function sendFhir(res: ServerResponse, status: number, resource: unknown): void {
  sendText(res, status, 'application/fhir+json; charset=utf-8', JSON.stringify(resource));
}

