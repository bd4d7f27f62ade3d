import * as Y from 'yjs';
import { readPatient } from '../chart/patient-doc';
import { parseDocName } from '../domain/doc-names';
import { toSummary, type PatientSummary } from '../domain/patient';
import type { UserVault } from '../storage/user-vault';

/**
 * Rebuilds patient-list rows from `patient:` documents that changed. Each
 * document is loaded (decrypted and merged) once, however many diffs it got.
 * A document without demographics yet (created elsewhere, not synced in
 * full) yields no row.
 */
export async function refreshPatientRows(vault: UserVault, changedDocs: readonly string[]): Promise<PatientSummary[]> {
  const names = [...new Set(changedDocs)].filter((n) => parseDocName(n)?.kind === 'patient');
  const summaries: PatientSummary[] = [];
  for (const name of names) {
    const doc = new Y.Doc();
    try {
      if (!(await vault.docs.loadInto(name, doc, null))) continue;
      const summary = summaryOf(doc);
      if (summary) summaries.push(summary);
    } finally {
      doc.destroy();
    }
  }
  if (summaries.length > 0) await vault.patients.putMany(summaries);
  return summaries;
}

/** The list row of an open patient document, or null while it has no demographics. */
export function summaryOf(doc: Y.Doc): PatientSummary | null {
  const record = readPatient(doc);
  return record ? toSummary(record) : null;
}
