import * as Y from 'yjs';
import { listLedger, listSuperbills } from '../../../src/lib/chart/billing-doc';
import { feeCurrency } from '../../../src/lib/chart/fees-doc';
import { listTasks } from '../../../src/lib/chart/tasks-doc';
import { codeInCategory, type RestrictionCategory } from '../../../src/lib/domain/restriction-categories';
import { taskToFhir, type Task } from '../../../src/lib/domain/tasks';
import { toFhirClaim, type FhirClaim } from '../../../src/lib/fhir/export/claim';

/**
 * The FHIR resources served from outside the chart (fhir-read-routes.ts):
 * the clinic's tasks (`tasks:<clinic>`, domain/tasks.ts taskToFhir) and a
 * patient's bills as Claims (the account in `patient:<id>`, the same
 * mapping as the desk's download, fhir/export/claim.ts). Pure over decoded
 * documents; the routes load them and decide who may read.
 */

/** Every task of the clinic's tasks document, with its FHIR resource. */
export function tasksOf(state: Uint8Array | null): { task: Task; resource: Record<string, unknown> & { id: string; resourceType: string } }[] {
  if (!state) return [];
  const doc = new Y.Doc({ guid: 'tasks' });
  try {
    Y.applyUpdate(doc, state);
    return listTasks(doc).map((task) => ({ task, resource: taskToFhir(task) as Record<string, unknown> & { id: string; resourceType: string } }));
  } finally {
    doc.destroy();
  }
}

/** The clinic's currency: set in the fee schedule, else the account's own entries'; null when neither says. */
function currencyOf(feesState: Uint8Array | null, entries: readonly { currency: string }[]): string | null {
  if (feesState) {
    const fees = new Y.Doc({ guid: 'fees' });
    try {
      Y.applyUpdate(fees, feesState);
      const c = feeCurrency(fees);
      if (c) return c;
    } finally {
      fees.destroy();
    }
  }
  return entries[0]?.currency ?? null;
}

/** A patient's bills as FHIR Claims, oldest first. */
export function claimsOf(patientState: Uint8Array, feesState: Uint8Array | null, patientId: string, clinicName: string): FhirClaim[] {
  const doc = new Y.Doc({ guid: `patient:${patientId}` });
  try {
    Y.applyUpdate(doc, patientState);
    const ledger = listLedger(doc);
    const currency = currencyOf(feesState, ledger);
    return listSuperbills(doc).map((bill) => toFhirClaim(bill, ledger, { patientId, clinicName, currency }));
  } finally {
    doc.destroy();
  }
}

/** The bills' ids of a patient document, for the resource index. */
export function claimIds(patientState: Uint8Array, patientId: string): string[] {
  const doc = new Y.Doc({ guid: `patient:${patientId}` });
  try {
    Y.applyUpdate(doc, patientState);
    return listSuperbills(doc).map((b) => b.id);
  } finally {
    doc.destroy();
  }
}

/** Whether a claim names a diagnosis (ICD-10-CM) in one of these restricted categories. */
export function claimInCategories(claim: FhirClaim, categories: readonly RestrictionCategory[]): boolean {
  if (categories.length === 0) return false;
  const diagnoses = (claim.diagnosis ?? []) as { diagnosisCodeableConcept?: { coding?: { code?: string }[] } }[];
  return diagnoses.some((d) => (d.diagnosisCodeableConcept?.coding ?? []).some((c) => typeof c.code === 'string' && categories.some((cat) => codeInCategory(c.code as string, cat))));
}
