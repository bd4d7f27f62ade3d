import type * as Y from 'yjs';
import { allergyStatus } from '../domain/allergy-status';
import { checkOrder, isInterruptive, type Alert } from '../domain/drugs';
import type { AllergyInput, MedicationInput, PatientContext } from '../domain/drugs';
import { ageInYears, PEDIATRIC_UNDER_YEARS } from '../domain/drugs/rules/context';
import { vitalSeries } from '../domain/vitals';
import { listNoKnownAllergyStatements } from './allergy-status';
import { listAllergies } from './chart-doc';
import { listObservations } from './clinical-doc';
import { listMedicationRecords, MIN_OVERRIDE_REASON, OVERRIDE_REQUIRED, type DetectedIssue, type MedicationRecord } from './medication-doc';

/**
 * The drug checks of one order against a chart, as a prescriber sees them
 * before signing. Shared by the prescribe page (prescribe.service.ts, on the
 * device, offline too) and the server's write policy, which runs the same
 * checks again on every prescription signed and refuses to take one whose
 * serious alerts carry no reason from the signing clinician
 * (server/policy/rules/prescription-checks.ts). Reads only the chart
 * document (Yjs) and pure rules: no browser API.
 */

/** Whether a record made at `at` was in the chart at `asOf` (always, without `asOf`; a record with no readable time counts). */
function recordedBy(at: string | undefined, asOf: number | undefined): boolean {
  if (asOf === undefined) return true;
  const t = at ? Date.parse(at) : NaN;
  return Number.isNaN(t) || t <= asOf;
}

/** Active medications of the chart as check inputs (stopped, completed and entered-in-error ones are not). */
export function activeMedicationInputs(meds: readonly MedicationRecord[], exceptId?: string): MedicationInput[] {
  return meds
    .filter((m) => m.status === 'active' && m.id !== exceptId)
    .map((m) => ({
      id: m.id,
      text: m.medicationCodeableConcept.text,
      codings: m.medicationCodeableConcept.coding,
      route: m.dosage?.route.text,
      dose: m.dosage?.doseQuantity,
      timing: m.dosage ? { frequency: m.dosage.timing.frequency, period: m.dosage.timing.period, periodUnit: m.dosage.timing.periodUnit } : undefined
    }));
}

/** A prescription as the order the checks read (the same fields the prescribe form turns into an order). */
export function orderOfRecord(med: MedicationRecord): MedicationInput {
  return activeMedicationInputs([{ ...med, status: 'active' }])[0];
}

/** Recorded allergies as check inputs; entered-in-error and refuted ones are left out. */
export function allergyInputs(chartDoc: Y.Doc, asOf?: number): AllergyInput[] {
  return listAllergies(chartDoc)
    .filter((a) => recordedBy(a.createdAt, asOf))
    .filter((a) => a.verificationStatus !== 'entered-in-error' && a.verificationStatus !== 'refuted' && a.clinicalStatus === 'active')
    .map((a) => ({
      id: a.id,
      text: a.code.text,
      codings: a.code.coding,
      category: a.category,
      criticality: a.criticality,
      reaction: a.reaction || undefined,
      verificationStatus: a.verificationStatus
    }));
}

/**
 * What the checks read about the patient: the birth date (adult or
 * pediatric dose checks; without it the checks assume an adult) and, for a
 * child, the most recent body weight from the chart's vitals (children's
 * doses are checked per kg; no check reads an adult's weight, and reading
 * every observation of a long chart is the costliest part of a check).
 * Entered-in-error readings and weights in units that cannot be read as kg
 * are left out.
 */
export function patientContext(chartDoc: Y.Doc, birthDate: string | null | undefined, now: Date = new Date(), asOf?: number): PatientContext {
  if (!birthDate) return {};
  const age = ageInYears(birthDate, now);
  const weight = age !== undefined && age < PEDIATRIC_UNDER_YEARS ? vitalSeries(listObservations(chartDoc)).weight.filter((w) => recordedBy(w.at, asOf)).at(-1) : undefined;
  return { birthDate, ...(weight ? { weight: { kg: weight.value, at: weight.at } } : {}) };
}

/** The rule id of the "allergies not yet asked" alert (the prescribe page offers to record them). */
export const ALLERGIES_NOT_ASKED = 'allergies-not-asked';

/**
 * The drug–allergy check needs to know the patient's allergies, and an empty
 * list does not say the patient has none: nobody may have asked. When the
 * chart holds neither an allergy nor a "no known allergies" statement, the
 * order cannot be checked against allergies. That is said as a serious alert,
 * so the prescriber records the answer first (the alert then goes away) or
 * gives the reason for going ahead without it, which is stored with the
 * prescription and audited as an override like any other.
 */
export function allergyQuestion(chartDoc: Y.Doc, asOf?: number): Alert | null {
  const statements = listNoKnownAllergyStatements(chartDoc).filter((st) => recordedBy(st.recordedAt, asOf));
  const status = allergyStatus(statements, listAllergies(chartDoc).filter((a) => recordedBy(a.createdAt, asOf)));
  if (status.kind !== 'not-asked') return null;
  return {
    kind: 'not-checked',
    severity: 'serious',
    title: 'Allergies not yet asked: this order was not checked against allergies',
    detail:
      'The chart records no allergy and no \u201cno known allergies\u201d statement, and an empty list does not mean the patient has none.' +
      (status.lastEnded ? ` An earlier \u201cno known allergies\u201d statement ended: ${status.lastEnded.endedReason ?? 'no reason given'}.` : ''),
    action: 'Ask the patient and record their allergies, or \u201cNo known allergies\u201d, before signing. If they cannot be asked now, give the reason to go ahead.',
    source: {
      citation:
        'HL7 FHIR R4 AllergyIntolerance (the absence of allergy records is not a statement of no known allergies); ISMP Medication Safety Self-Assessment, Key Element I: patient information such as allergies is available to prescribers before ordering',
      url: 'https://hl7.org/fhir/R4/allergyintolerance.html'
    },
    ruleId: ALLERGIES_NOT_ASKED,
    involved: []
  };
}

function withAllergyQuestion(chartDoc: Y.Doc, alerts: Alert[], asOf?: number): Alert[] {
  const question = allergyQuestion(chartDoc, asOf);
  if (!question) return alerts;
  // Serious alerts lead the list; this one follows any contraindication.
  const at = alerts.findIndex((a) => a.severity !== 'contraindicated');
  return at === -1 ? [...alerts, question] : [...alerts.slice(0, at), question, ...alerts.slice(at)];
}

export interface OrderCheckOptions {
  /** A prescription of the chart not to count as active (the one being renewed, changed, or the signed one itself). */
  exceptId?: string;
  /** The patient's birth date; without it the checks assume an adult. */
  birthDate?: string | null;
  /** Reference time for age and look-back windows; defaults to the current time. */
  now?: Date;
  /**
   * Count only what the chart held at this time, by each record's own time
   * (medicines and allergies by `createdAt`, "no known allergies" by
   * `recordedAt`, weights by when they were taken): the chart as a device
   * that signed then could have known it. The prescribe page leaves it out.
   */
  asOf?: Date;
}

/** Every check of one order against the chart: drug–drug, drug–allergy, duplicate therapy, dose, and whether allergies were asked. */
export function checkOrderAgainstChart(chartDoc: Y.Doc, order: MedicationInput, opts: OrderCheckOptions = {}): Alert[] {
  const asOf = opts.asOf?.getTime();
  return withAllergyQuestion(
    chartDoc,
    checkOrder({
      order,
      activeMedications: activeMedicationInputs(
        listMedicationRecords(chartDoc).filter((m) => recordedBy(m.createdAt, asOf)),
        opts.exceptId
      ),
      allergies: allergyInputs(chartDoc, asOf),
      patient: patientContext(chartDoc, opts.birthDate, opts.now, asOf),
      now: opts.now
    }),
    asOf
  );
}

/** Identifies one alert across re-runs of the checks, so a typed override reason stays with its alert. */
export function alertKey(a: Pick<Alert, 'ruleId' | 'title'>): string {
  return `${a.ruleId}|${a.title}`;
}

/** Whether signing needs a reason for this alert: interrupting alerts of override-required severity only. */
export function needsOverride(a: Pick<Alert, 'severity' | 'interrupt'>): boolean {
  return isInterruptive(a) && (OVERRIDE_REQUIRED as readonly string[]).includes(a.severity);
}

export function overrideComplete(reason: string | undefined): boolean {
  return (reason?.trim().length ?? 0) >= MIN_OVERRIDE_REASON;
}

/**
 * The alerts of `alerts` that signing needs a reason for and that `issues`
 * (what the prescription records) do not answer: no issue with the same
 * rule and title, or one without an override by `signerId` with a reason
 * of at least MIN_OVERRIDE_REASON characters. Issues recorded beyond
 * `alerts` are not judged here.
 */
export function unansweredAlerts(alerts: readonly Alert[], issues: readonly Partial<DetectedIssue>[], signerId: string): Alert[] {
  const answered = new Set<string>();
  for (const i of issues) {
    const o = i.override;
    if (typeof i.ruleId !== 'string' || typeof i.title !== 'string' || !o || typeof o.reason !== 'string') continue;
    if (o.byId === signerId && overrideComplete(o.reason)) answered.add(alertKey({ ruleId: i.ruleId, title: i.title }));
  }
  return alerts.filter((a) => needsOverride(a) && !answered.has(alertKey(a)));
}
