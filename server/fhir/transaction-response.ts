import { outcome, type OperationOutcome } from './operation-outcome';
import { IMPORT_REFUSALS, type ImportRefusal } from './import-guard';
import type { BundleEntry } from './validate-bundle';

/**
 * The answer to an imported transaction: a `transaction-response` Bundle
 * with one entry per request entry, in the same order (FHIR R4 §3.1.0.11):
 * `201 Created` for a record new to Outpost, `200 OK` for one that was
 * already there (updated or unchanged), and where it now lives. Resources
 * Outpost keeps without charting them say so in the entry's outcome. An
 * entry the import may not write (import-guard.ts) is `409 Conflict` with
 * the reason in its outcome and no location; the Patient entry says when
 * its demographics were put up for review instead of applied.
 */

export interface TransactionResponse {
  resourceType: 'Bundle';
  type: 'transaction-response';
  entry: { response: { status: string; location?: string; outcome?: OperationOutcome } }[];
}

export interface EntryResult {
  entry: BundleEntry;
  location: string;
  created: boolean;
  kept: boolean;
  refused?: ImportRefusal;
  demographicsProposed?: boolean;
  /** Sent by another clinic: waits in the chart's incoming records for a clinician to reconcile (incoming-doc.ts). */
  staged?: boolean;
}

export function transactionResponse(results: readonly EntryResult[]): TransactionResponse {
  return { resourceType: 'Bundle', type: 'transaction-response', entry: results.map((r) => ({ response: responseOf(r) })) };
}

function responseOf(r: EntryResult): TransactionResponse['entry'][number]['response'] {
  if (r.refused) {
    return { status: '409 Conflict', outcome: outcome([{ severity: 'error', code: 'conflict', diagnostics: IMPORT_REFUSALS[r.refused], expression: [`Bundle.entry[${r.entry.index}].resource.id`] }]) };
  }
  if (r.staged && !r.created) {
    return { status: '200 OK', location: r.location, outcome: outcome([{ severity: 'information', code: 'informational', diagnostics: 'Already received from this clinic: nothing new to reconcile.' }]) };
  }
  if (r.staged) {
    return {
      status: '202 Accepted',
      location: r.location,
      outcome: outcome([{ severity: 'information', code: 'informational', diagnostics: 'Received from another clinic: it waits on the chart for a clinician to accept or reject it before it joins the active list.' }])
    };
  }
  const note = r.kept
    ? `Kept as received: Outpost stores ${r.entry.type} resources without charting them.`
    : r.demographicsProposed
      ? 'The demographics differ from the clinic\u2019s record: they were not changed, and the differences wait on the patient\u2019s record for staff to accept or reject.'
      : undefined;
  return {
    status: r.created ? '201 Created' : '200 OK',
    location: r.location,
    ...(note ? { outcome: outcome([{ severity: 'information', code: 'informational', diagnostics: note }]) } : {})
  };
}
