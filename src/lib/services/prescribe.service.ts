import type * as Y from 'yjs';
import {
  missingOverrides,
  prescribe,
  renewMedication,
  stopMedication,
  type DetectedIssue,
  type MedicationRecord,
  type PrescriptionInput
} from '../chart/medication-doc';
import { readPatient } from '../chart/patient-doc';
import { alertKey, checkOrderAgainstChart, needsOverride, orderOfRecord } from '../chart/prescription-checks';
import type { Actor } from '../domain/chart';
import { bundledDrugPack, type Alert, type Drug, type Route } from '../domain/drugs';
import type { MedicationInput } from '../domain/drugs';
import { RXNORM_SYSTEM } from '../domain/drugs/inputs';
import type { Role } from '../domain/roles';
import { AppError } from '../domain/errors';
import { messageOf } from '../ui/handle-error';

// The checks against the chart live in chart/prescription-checks.ts, shared with the server's write policy.
export { activeMedicationInputs, alertKey, allergyInputs, allergyQuestion, ALLERGIES_NOT_ASKED, needsOverride, overrideComplete } from '../chart/prescription-checks';

/**
 * Prescribing: turns the form's draft into an order the drug checks read,
 * runs the checks against what the chart holds on this device, and signs
 * the prescription into the chart. Everything here works offline; the
 * signed request syncs with the rest of the chart.
 */

/** Only clinicians sign prescriptions; nurses may draft and see the checks. */
export function canPrescribe(roles: readonly Role[]): boolean {
  return roles.includes('clinician');
}

export const FREQUENCIES = {
  'once-daily': { label: 'once daily', frequency: 1, period: 1, periodUnit: 'd' },
  'twice-daily': { label: 'twice daily', frequency: 2, period: 1, periodUnit: 'd' },
  'three-times-daily': { label: 'three times daily', frequency: 3, period: 1, periodUnit: 'd' },
  'four-times-daily': { label: 'four times daily', frequency: 4, period: 1, periodUnit: 'd' },
  'every-4-hours': { label: 'every 4 hours', frequency: 1, period: 4, periodUnit: 'h' },
  'every-6-hours': { label: 'every 6 hours', frequency: 1, period: 6, periodUnit: 'h' },
  'every-8-hours': { label: 'every 8 hours', frequency: 1, period: 8, periodUnit: 'h' },
  'every-12-hours': { label: 'every 12 hours', frequency: 1, period: 12, periodUnit: 'h' },
  'at-bedtime': { label: 'at bedtime', frequency: 1, period: 1, periodUnit: 'd' },
  'once-weekly': { label: 'once weekly', frequency: 1, period: 1, periodUnit: 'wk' }
} as const;
export type FrequencyCode = keyof typeof FREQUENCIES;

export const DOSE_UNITS = ['mg', 'mcg', 'g', 'mL', 'tablet', 'capsule', 'puff', 'drop', 'unit', 'application'] as const;
export const FORMS = ['tablet', 'capsule', 'oral suspension', 'oral solution', 'injection', 'inhaler', 'cream', 'ointment', 'drops', 'patch'] as const;

const ROUTE_WORDS: Partial<Record<Route, string>> = {
  oral: 'by mouth',
  sublingual: 'under the tongue',
  topical: 'to the skin',
  inhalation: 'by inhalation',
  nasal: 'in the nose',
  ophthalmic: 'in the eye',
  otic: 'in the ear',
  rectal: 'rectally',
  vaginal: 'vaginally',
  transdermal: 'on the skin (patch)',
  iv: 'intravenously',
  im: 'into the muscle',
  sc: 'under the skin'
};

/** The prescribing form's state. Numbers are null until entered. */
export interface PrescriptionDraft {
  drugId: string | null;
  /** Strength of the product as dispensed, e.g. "500 mg". */
  strength: string;
  form: string;
  doseValue: number | null;
  doseUnit: string;
  route: Route;
  frequency: FrequencyCode;
  asNeeded: boolean;
  durationDays: number | null;
  quantity: number | null;
  quantityUnit: string;
  refills: number;
  /** Typed instructions; when blank the generated sig is used. */
  sig: string;
}

export function emptyDraft(): PrescriptionDraft {
  return {
    drugId: null,
    strength: '',
    form: 'tablet',
    doseValue: null,
    doseUnit: 'tablet',
    route: 'oral',
    frequency: 'once-daily',
    asNeeded: false,
    durationDays: null,
    quantity: null,
    quantityUnit: 'tablet',
    refills: 0,
    sig: ''
  };
}

const COUNT_UNIT_OF_FORM: Record<string, string> = { tablet: 'tablet', capsule: 'capsule', inhaler: 'puff', drops: 'drop', patch: 'unit', cream: 'application', ointment: 'application', 'oral suspension': 'mL', 'oral solution': 'mL', injection: 'mL' };

/** The unit a dose of this form is usually counted in (capsules for a capsule, mL for a liquid). */
export function unitForForm(form: string): string {
  return COUNT_UNIT_OF_FORM[form] ?? 'mg';
}

/** The form a drug is most likely prescribed in, from its first route. */
export function defaultForm(route: Route): string {
  if (route === 'oral') return 'tablet';
  if (route === 'topical') return 'cream';
  if (route === 'inhalation') return 'inhaler';
  if (route === 'ophthalmic' || route === 'otic') return 'drops';
  if (route === 'transdermal') return 'patch';
  return 'injection';
}

/** Class names of a drug, for telling look-alike names apart in search results. */
export function drugClassNames(drug: Drug): string[] {
  const classes = bundledDrugPack().classes;
  return drug.classes.map((id) => classes.find((c) => c.id === id)?.name ?? id);
}

export function drugById(id: string | null): Drug | undefined {
  return id ? bundledDrugPack().drugs.find((d) => d.id === id) : undefined;
}

/** Product text in RxNorm's style ("amoxicillin 500 MG Oral Capsule"), which the dose check reads strengths from. */
export function productText(drug: Drug, draft: Pick<PrescriptionDraft, 'strength' | 'form' | 'route'>): string {
  const strength = draft.strength.trim().replace(/\b(mg|mcg|g|ml)\b/gi, (u) => u.toUpperCase());
  const form = draft.form.replace(/\b\w/g, (c) => c.toUpperCase());
  const route = draft.route === 'oral' && /oral/i.test(form) ? '' : draft.route.charAt(0).toUpperCase() + draft.route.slice(1);
  return [drug.name, strength, route, form].filter(Boolean).join(' ');
}

const plural = (n: number, unit: string) => (n === 1 || !/^(tablet|capsule|puff|drop|unit|application)$/.test(unit) ? unit : `${unit}s`);

/** Instructions for the label: "Take 1 capsule by mouth three times daily for 7 days". */
export function generatedSig(draft: PrescriptionDraft): string {
  if (draft.doseValue === null) return '';
  const how = ROUTE_WORDS[draft.route] ?? `by ${draft.route} route`;
  const verb = draft.route === 'topical' ? 'Apply' : draft.route === 'inhalation' ? 'Inhale' : 'Take';
  const parts = [verb, `${draft.doseValue} ${plural(draft.doseValue, draft.doseUnit)}`, how, FREQUENCIES[draft.frequency].label];
  if (draft.asNeeded) parts.push('as needed');
  if (draft.durationDays) parts.push(`for ${draft.durationDays} day${draft.durationDays === 1 ? '' : 's'}`);
  return parts.join(' ');
}

export function sigOf(draft: PrescriptionDraft): string {
  return draft.sig.trim() || generatedSig(draft);
}

/** The draft as the drug checks read it, or null before a drug is chosen. */
export function orderInput(draft: PrescriptionDraft): MedicationInput | null {
  const drug = drugById(draft.drugId);
  if (!drug) return null;
  const f = FREQUENCIES[draft.frequency];
  return {
    text: productText(drug, draft),
    codings: drug.rxcui ? [{ system: RXNORM_SYSTEM, code: drug.rxcui, display: drug.name }] : undefined,
    route: draft.route,
    dose: draft.doseValue !== null && draft.doseValue > 0 ? { value: draft.doseValue, unit: draft.doseUnit } : undefined,
    timing: { frequency: f.frequency, period: f.period, periodUnit: f.periodUnit },
    asNeeded: draft.asNeeded
  };
}

export interface ChartDocs {
  chartDoc: Y.Doc;
  /** For the patient's age; without it the checks assume an adult. */
  patientDoc?: Y.Doc | null;
}

const birthDateOf = (docs: ChartDocs) => (docs.patientDoc ? readPatient(docs.patientDoc)?.birthDate : undefined);

/** Runs the checks for a draft against the chart; empty before a drug is chosen. */
export function checkDraft(docs: ChartDocs, draft: PrescriptionDraft, opts: { exceptId?: string; now?: Date } = {}): Alert[] {
  const order = orderInput(draft);
  if (!order) return [];
  return checkOrderAgainstChart(docs.chartDoc, order, { ...opts, birthDate: birthDateOf(docs) });
}

/** The alerts as stored on the request, each serious one with its override reason. */
export function detectedIssues(alerts: readonly Alert[], overrides: Record<string, string>, actor: Actor, at: string): DetectedIssue[] {
  return alerts.map((a) => {
    const reason = overrides[alertKey(a)]?.trim();
    return {
      kind: a.kind,
      severity: a.severity,
      title: a.title,
      detail: a.detail,
      action: a.action,
      ruleId: a.ruleId,
      source: { citation: a.source.citation, ...(a.source.url ? { url: a.source.url } : {}) },
      ...(needsOverride(a) && reason ? { override: { reason: reason.slice(0, 500), by: actor.name, byId: actor.id, at } } : {})
    };
  });
}

export type DraftProblem = { path: string; message: string };

/** What still stops the draft from being signed (besides override reasons). */
export function draftProblems(draft: PrescriptionDraft): DraftProblem[] {
  const out: DraftProblem[] = [];
  if (!drugById(draft.drugId)) out.push({ path: 'drug', message: 'Choose a drug' });
  if (!(draft.doseValue && draft.doseValue > 0)) out.push({ path: 'dose', message: 'Enter the dose' });
  if (!(draft.quantity && draft.quantity > 0)) out.push({ path: 'quantity', message: 'Enter the quantity to dispense' });
  if (!Number.isInteger(draft.refills) || draft.refills < 0 || draft.refills > 11) out.push({ path: 'refills', message: 'Refills must be 0–11' });
  if (draft.durationDays !== null && !(Number.isInteger(draft.durationDays) && draft.durationDays > 0)) out.push({ path: 'duration', message: 'Duration is whole days' });
  if (!sigOf(draft)) out.push({ path: 'sig', message: 'Enter the instructions' });
  return out;
}

export function prescriptionInput(draft: PrescriptionDraft, issues: DetectedIssue[]): PrescriptionInput {
  const drug = drugById(draft.drugId);
  if (!drug || draft.doseValue === null || draft.quantity === null) throw new AppError('invalid', 'The prescription is incomplete');
  const f = FREQUENCIES[draft.frequency];
  return {
    medicationCodeableConcept: {
      text: productText(drug, draft),
      ...(drug.rxcui ? { coding: [{ system: RXNORM_SYSTEM, code: drug.rxcui, display: drug.name }] } : {})
    },
    dosage: {
      text: sigOf(draft),
      route: { text: draft.route },
      doseQuantity: { value: draft.doseValue, unit: draft.doseUnit },
      timing: { frequency: f.frequency, period: f.period, periodUnit: f.periodUnit, text: f.label },
      asNeeded: draft.asNeeded
    },
    dispense: {
      quantity: { value: draft.quantity, unit: draft.quantityUnit },
      numberOfRepeatsAllowed: draft.refills,
      ...(draft.durationDays ? { expectedSupplyDuration: draft.durationDays } : {})
    },
    detectedIssues: issues
  };
}

export type SignResult = { ok: true; id: string } | { ok: false; message: string; missing?: string[] };

/**
 * Signs a prescription. The checks run again at this moment against the
 * chart as it now stands (a sync may have brought a new allergy since the
 * form was drawn), and any serious alert without a reason blocks signing.
 */
export function signPrescription(
  docs: ChartDocs,
  draft: PrescriptionDraft,
  overrides: Record<string, string>,
  who: { actor: Actor; roles: readonly Role[] }
): SignResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician signs prescriptions' };
  const problems = draftProblems(draft);
  if (problems.length) return { ok: false, message: problems.map((p) => p.message).join('; ') };
  try {
    const issues = detectedIssues(checkDraft(docs, draft), overrides, who.actor, new Date().toISOString());
    const missing = missingOverrides(issues);
    if (missing.length) return { ok: false, message: 'Give a reason for each serious alert before signing', missing };
    return { ok: true, id: prescribe(docs.chartDoc, prescriptionInput(draft, issues), who.actor) };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}

/** The checks a renewal would raise now, excluding the prescription being renewed. */
export function renewalAlerts(docs: ChartDocs, med: MedicationRecord): Alert[] {
  return checkOrderAgainstChart(docs.chartDoc, orderOfRecord(med), { exceptId: med.id, birthDate: birthDateOf(docs) });
}

/**
 * Renews a prescription. Override reasons given for the same alert on the
 * prescription being renewed carry over; a serious alert that is new since
 * then sends the prescriber to the full form.
 */
export function renewPrescription(docs: ChartDocs, med: MedicationRecord, who: { actor: Actor; roles: readonly Role[] }): SignResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician signs prescriptions' };
  try {
    const prior: Record<string, string> = {};
    for (const i of med.detectedIssues) if (i.override) prior[alertKey(i)] = i.override.reason;
    const issues = detectedIssues(renewalAlerts(docs, med), prior, who.actor, new Date().toISOString());
    const missing = missingOverrides(issues);
    if (missing.length) return { ok: false, message: 'Renewing raises a new serious alert; prescribe it again from the Prescribe page', missing };
    return { ok: true, id: renewMedication(docs.chartDoc, med.id, issues, who.actor) };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}

export function stopPrescription(chartDoc: Y.Doc, id: string, reason: string, who: { actor: Actor; roles: readonly Role[] }): SignResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician stops prescriptions' };
  try {
    stopMedication(chartDoc, id, reason, who.actor);
    return { ok: true, id };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}
