import { outcome, type OperationOutcome } from './operation-outcome';
import type { BundleEntry } from './validate-bundle';

/**
 * The answer to an imported transaction: a `transaction-response` Bundle
 * with one entry per request entry, in the same order (FHIR R4 §3.1.0.11):
 * `201 Created` for a record new to Outpost, `200 OK` for one that was
 * already there (updated or unchanged), and where it now lives. Resources
 * Outpost keeps without charting them say so in the entry's outcome.
 */

export interface TransactionResponse {
  resourceType: 'Bundle';
  type: 'transaction-response';
  entry: { response: { status: string; location: string; outcome?: OperationOutcome } }[];
}

export interface EntryResult {
  entry: BundleEntry;
  location: string;
  created: boolean;
  kept: boolean;
}

export function transactionResponse(results: readonly EntryResult[]): TransactionResponse {
  return {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: results.map((r) => ({
      response: {
        status: r.created ? '201 Created' : '200 OK',
        location: r.location,
        ...(r.kept
          ? {
              outcome: outcome([
                { severity: 'information', code: 'informational', diagnostics: `Kept as received: Outpost stores ${r.entry.type} resources without charting them.` }
              ])
            }
          : {})
      }
    }))
  };
}
