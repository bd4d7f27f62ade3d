import type { FhirResource } from './chart-to-fhir';

/**
 * What of a chart's FHIR export (chart-to-fhir.ts, the one mapping) a patient
 * or their proxy is shown. An allowlist: a resource type not named here —
 * orders (ServiceRequest, the clinic's own workflow, with internal notes),
 * care plans, anything added later — is never shown until someone decides it
 * should be. Pure: the server applies it before anything leaves for a patient.
 *
 * - Only what is finished: signed notes (chart-to-fhir exports no draft) and
 *   their addenda, results that are final, amended or corrected (a
 *   preliminary result is released when final; 45 CFR 171 lets a clinic
 *   finish a result before it is released), given vaccinations, completed
 *   procedures; prescriptions that were issued (not `draft`).
 * - Nothing entered in error: the patient sees the record as it stands.
 * - Staff comments (`note` on problems, results and medicines) are the
 *   clinic's working notes, not part of the record shown to the patient.
 */
const SHOWN_STATUS: Record<string, (r: FhirResource) => boolean> = {
  AllergyIntolerance: (r) => verification(r) !== 'entered-in-error',
  Condition: (r) => verification(r) !== 'entered-in-error',
  MedicationRequest: (r) => r.status !== 'draft' && r.status !== 'entered-in-error',
  MedicationStatement: (r) => r.status !== 'entered-in-error',
  Observation: (r) => FINISHED_RESULT.has(String(r.status)),
  DiagnosticReport: (r) => FINISHED_RESULT.has(String(r.status)),
  Immunization: (r) => r.status === 'completed',
  Procedure: (r) => r.status === 'completed',
  Encounter: (r) => r.status !== 'entered-in-error' && r.status !== 'cancelled',
  DocumentReference: (r) => r.status === 'current'
};

const FINISHED_RESULT = new Set(['final', 'amended', 'corrected']);

/** The resource types a patient may ever be shown. */
export const PATIENT_VISIBLE_TYPES = Object.keys(SHOWN_STATUS);

function verification(r: FhirResource): string | undefined {
  const coding = (r.verificationStatus as { coding?: { code?: unknown }[] } | undefined)?.coding;
  const code = coding?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The chart resources a patient (or proxy) may see, staff comments removed.
 * `hide` drops more (a proxy is not shown what the patient keeps
 * confidential: the server passes the restriction categories' test).
 */
export function patientVisibleResources(resources: readonly FhirResource[], hide: (r: FhirResource) => boolean = () => false): FhirResource[] {
  const out: FhirResource[] = [];
  for (const r of resources) {
    const shown = SHOWN_STATUS[r.resourceType];
    if (!shown || !shown(r) || hide(r)) continue;
    const { note: _note, ...rest } = r as FhirResource & { note?: unknown };
    out.push(rest as FhirResource);
  }
  return out;
}
