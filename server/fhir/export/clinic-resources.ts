import * as Y from 'yjs';
import { listLedger, listSuperbills } from '../../../src/lib/chart/billing-doc';
import { feeCurrency } from '../../../src/lib/chart/fees-doc';
import { listRegistries } from '../../../src/lib/chart/registries-doc';
import { listTasks } from '../../../src/lib/chart/tasks-doc';
import { builtInRegistry } from '../../../src/lib/domain/registries/built-in-registries';
import type { RegistryRule } from '../../../src/lib/domain/registries/registry-rules';
import { codeInCategory, prefixTouchesCategory, type RestrictionCategory } from '../../../src/lib/domain/restriction-categories';
import { taskToFhir, type Task } from '../../../src/lib/domain/tasks';
import { toFhirClaim, type FhirClaim } from '../../../src/lib/fhir/export/claim';

/**
 * The FHIR resources served from outside the chart (fhir-read-routes.ts):
 * the clinic's tasks (`tasks:<clinic>`, domain/tasks.ts taskToFhir) and a
 * patient's bills as Claims (the account in `patient:<id>`, the same
 * mapping as the desk's download, fhir/export/claim.ts). Pure over decoded
 * documents; the routes load them and decide who may read. The read API
 * (fhir-read-routes.ts) and the bulk export (bulk-export.ts) both map and
 * filter with these functions.
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
    return listSuperbills(doc)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((bill) => toFhirClaim(bill, ledger, { patientId, clinicName, currency }));
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

/** A registry's rules by its id: the built-in ones and the clinic's own (`registries:<clinic>`); null for an unknown id. */
export function registryRulesOf(state: Uint8Array | null): (id: string) => readonly RegistryRule[] | null {
  const own = new Map<string, readonly RegistryRule[]>();
  if (state) {
    const doc = new Y.Doc({ guid: 'registries' });
    try {
      Y.applyUpdate(doc, state);
      for (const r of listRegistries(doc)) own.set(r.id, r.rules);
    } finally {
      doc.destroy();
    }
  }
  return (id) => builtInRegistry(id)?.rules ?? own.get(id) ?? null;
}

/** Whether a registry's rules select patients by a problem code in one of these categories. */
function rulesTouch(rules: readonly RegistryRule[], categories: readonly RestrictionCategory[]): boolean {
  return rules.some((r) =>
    r.kind === 'any'
      ? rulesTouch(r.rules, categories)
      : r.kind === 'condition' && r.icd10Prefixes.some((p) => categories.some((cat) => prefixTouchesCategory(p, cat)))
  );
}

export interface TaskReader {
  /** The categories hidden from this reader for the task's patient (access gate). */
  hidden: readonly RestrictionCategory[];
  /** Whether the reader may see this Observation of the patient's chart (asked only when something is hidden). */
  resultVisible(patientId: string, observationId: string): Promise<boolean>;
  /** The rules of a registry (registryRulesOf); null when unknown. */
  registryRules(id: string): Promise<readonly RegistryRule[] | null>;
}

/**
 * Whether a task may go to a reader from whom a patient's restriction hides
 * some categories. What a task carries of its prompt is its description
 * and label, free text naming the prompt: it is left out, whole, when the
 * prompt is restricted for the reader:
 *
 * - a result (`Observation/<id>`) the reader may not see in the chart;
 * - a registry whose rules select patients by a problem code in a hidden
 *   category (its name says the patient has it), or a registry no longer
 *   known (what it selected cannot be checked).
 *
 * The other prompts carry nothing of the restricted part: the inbox's
 * (message, refill request, home reading, intake form) are written by the
 * server in fixed words (server/portal/inbox.ts callers), a referral names
 * where the patient is sent, and no task can point into
 * `restricted:<patient>`.
 */
export async function taskVisible(task: Task, reader: TaskReader): Promise<boolean> {
  if (reader.hidden.length === 0) return true;
  const { focus, patientId } = task;
  if (focus.kind === 'result' && focus.ref) return reader.resultVisible(patientId, focus.ref);
  if (focus.kind === 'registry') {
    const rules = await reader.registryRules(focus.ref);
    return rules !== null && !rulesTouch(rules, reader.hidden);
  }
  return true;
}
