import { AppError } from '../../../src/lib/domain/errors';
import type { Role } from '../../../src/lib/domain/roles';
import { MatchReviewPending, type FhirImporter } from '../../fhir/import-bundle';
import type { InboundKey } from '../../transfer/transfer-store';
import { sendFhir } from '../../fhir/operation-outcome';
import { OperationOutcomeError } from '../../fhir/operation-outcome';
import { docName } from '../../../src/lib/domain/doc-names';
import type { Audit } from '../../types';
import { readJson } from '../body';
import { requireUser, type Route } from '../context';

/** Synthea writes bundles of up to a few MiB for a long life; this leaves room without letting one request exhaust memory. */
export const FHIR_BODY_LIMIT = 32 * 1024 * 1024;
const FHIR_MEDIA_TYPES = ['application/fhir+json', 'application/json'] as const;

/**
 * Importing registers patients and writes their charts in bulk: clinicians
 * only. An administrator has no clinical access, so may not write charts by
 * way of an import either.
 */
const IMPORT_ROLES: readonly Role[] = ['clinician'];

/**
 * The FHIR R4 endpoint. `POST /fhir/R4` takes a transaction Bundle (one
 * patient's record, as Synthea writes them) and answers a
 * transaction-response Bundle; every error under /fhir is an
 * OperationOutcome (the request handler's error shape for this prefix).
 */
/**
 * Another clinic sending a record here (transfer or referral) presents the
 * key this clinic issued to it (`Authorization: Bearer otk_…`, see
 * transfer-store.ts) instead of a session. Such a caller may import only a
 * document or collection Bundle, which is reconciled on arrival (or held
 * for a match review); never a transaction.
 */
function keyCaller(ctx: Parameters<Route['handler']>[0], verifyKey: ((key: string) => InboundKey | null) | undefined) {
  const header = ctx.req.headers.authorization;
  if (ctx.user || !verifyKey || typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
  const key = verifyKey(header.slice('Bearer '.length).trim());
  return key ? { id: `transfer-key:${key.id}`, name: `Transfer from ${key.name}`, clinicId: key.clinicId, roles: ['clinician'] as Role[] } : null;
}

export function fhirRoutes(importer: FhirImporter, audit: Audit, verifyKey?: (key: string) => InboundKey | null): Route[] {
  return [
    {
      method: 'POST',
      path: '/fhir/R4',
      async handler(ctx) {
        const sender = keyCaller(ctx, verifyKey);
        if (!sender && !ctx.user && /^Bearer otk_/.test(String(ctx.req.headers.authorization ?? ''))) {
          // A transfer key that is unknown or was revoked: refused, and the refusal kept (never the key).
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: null, target: 'fhir-import', ip: ctx.ip, detail: { reason: 'transfer-key-invalid' } });
        }
        const user = sender ?? requireUser(ctx);
        if (!user.roles.some((r) => IMPORT_ROLES.includes(r))) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'fhir-import', ip: ctx.ip });
          throw new AppError('forbidden', 'Only clinicians may import records.');
        }
        const body = await readJson(ctx.req, FHIR_BODY_LIMIT, FHIR_MEDIA_TYPES);
        if (sender && (body as { type?: unknown } | null)?.type === 'transaction') {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'fhir-import', ip: ctx.ip, detail: { reason: 'transfer-key-transaction' } });
          throw new AppError('forbidden', 'A transfer key sends document or collection Bundles only.');
        }
        try {
          const { response, summary } = await importer.importBundle({ userId: user.id, name: user.name, clinicId: user.clinicId }, body);
          audit.record({
            action: 'import',
            outcome: 'success',
            userId: user.id,
            target: docName('patient', summary.patientId),
            ip: ctx.ip,
            detail: {
              via: 'fhir-transaction',
              newPatient: summary.newPatient,
              created: summary.created,
              updated: summary.updated,
              unchanged: summary.unchanged,
              kept: summary.kept,
              refused: summary.refused,
              refusedReasons: summary.refusedReasons,
              demographicsProposed: summary.demographicsProposed,
              types: summary.types,
              ...(summary.matchedBy ? { via: sender ? 'transfer-key' : 'fhir-document', matchedBy: summary.matchedBy, staged: summary.staged } : {})
            }
          });
          if (summary.refused > 0) {
            // A bundle that tried to change what it may not is a security event of its own, not only a count.
            audit.record({
              action: 'import',
              outcome: 'failure',
              userId: user.id,
              target: docName('patient', summary.patientId),
              ip: ctx.ip,
              detail: { reason: 'entries-refused', refused: summary.refused, refusedReasons: summary.refusedReasons }
            });
          }
          sendFhir(ctx.res, 200, response);
        } catch (err) {
          if (err instanceof MatchReviewPending) {
            audit.record({ action: 'import', outcome: 'success', userId: user.id, target: `match-review:${err.reviewId}`, ip: ctx.ip, detail: { held: 'match-review', reason: err.reason, candidates: err.candidates } });
            sendFhir(ctx.res, 202, {
              resourceType: 'OperationOutcome',
              issue: [
                {
                  severity: 'information',
                  code: 'multiple-matches',
                  diagnostics: 'The patient could not be matched with certainty. Nothing was merged: the record is held until a clinician here confirms whose record it is.',
                  details: { coding: [{ system: 'urn:outpost:match-review', code: err.reviewId }] }
                }
              ]
            });
            return;
          }
          if (err instanceof OperationOutcomeError) {
            audit.record({ action: 'import', outcome: 'failure', userId: user.id, target: 'fhir-import', ip: ctx.ip, detail: { reason: 'invalid-bundle', issues: err.issues.length } });
          }
          throw err;
        }
      }
    }
  ];
}
