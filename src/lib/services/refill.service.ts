import { listMedicationRecords, missingOverrides, refillMedication, type MedicationRecord } from '../chart/medication-doc';
import type { Actor } from '../domain/chart';
import type { Drug, Route } from '../domain/drugs';
import { bundledDrugPack } from '../domain/drugs';
import { RXNORM_SYSTEM } from '../domain/drugs/inputs';
import type { Role } from '../domain/roles';
import { messageOf } from '../ui/handle-error';
import {
  canPrescribe,
  checkDraft,
  defaultForm,
  detectedIssues,
  draftProblems,
  emptyDraft,
  FREQUENCIES,
  generatedSig,
  prescriptionInput,
  type ChartDocs,
  type FrequencyCode,
  type PrescriptionDraft,
  type SignResult
} from './prescribe.service';

/**
 * Refills from where the clinician is: an active prescription's "Refill"
 * opens the prescribe screen with the same drug, dose and instructions
 * filled in; the checks run there again against the chart as it stands
 * (excluding the prescription being refilled, which the new one replaces),
 * and signing completes the old one.
 */

const FORMS = ['oral suspension', 'oral solution', 'tablet', 'capsule', 'inhaler', 'drops', 'patch', 'cream', 'ointment', 'injection'];
const STRENGTH = /\b(\d+(?:\.\d+)?\s*(?:MG|MCG|G|ML|UNT|%)(?:\/\d*(?:\.\d+)?\s*(?:MG|MCG|G|ML))?)\b/i;

function drugOf(med: MedicationRecord): Drug | undefined {
  const drugs = bundledDrugPack().drugs;
  const rxcui = med.medicationCodeableConcept.coding?.find((c) => c.system === RXNORM_SYSTEM && c.code)?.code;
  const text = med.medicationCodeableConcept.text.toLowerCase();
  return (rxcui ? drugs.find((d) => d.rxcui === rxcui) : undefined) ?? drugs.find((d) => text.startsWith(d.name.toLowerCase() + ' ') || text === d.name.toLowerCase());
}

function frequencyOf(med: MedicationRecord): FrequencyCode {
  const t = med.dosage!.timing;
  const entries = Object.entries(FREQUENCIES) as [FrequencyCode, (typeof FREQUENCIES)[FrequencyCode]][];
  return (
    entries.find(([, f]) => f.label === t.text)?.[0] ??
    entries.find(([, f]) => f.frequency === t.frequency && f.period === t.period && f.periodUnit === t.periodUnit)?.[0] ??
    'once-daily'
  );
}

/** The prescribe form filled from an active prescription; null when it has no structured directions or its drug is not in the pack. */
export function refillDraft(med: MedicationRecord): PrescriptionDraft | null {
  const drug = drugOf(med);
  if (!drug || !med.dosage || !med.dispense) return null;
  const text = med.medicationCodeableConcept.text;
  const rest = text.slice(drug.name.length);
  const routeText = med.dosage.route.text as Route;
  const route = drug.routes.includes(routeText) ? routeText : (drug.routes[0] ?? 'oral');
  const form = FORMS.find((f) => rest.toLowerCase().includes(f)) ?? defaultForm(route);
  const draft: PrescriptionDraft = {
    ...emptyDraft(),
    drugId: drug.id,
    strength: STRENGTH.exec(rest)?.[1] ?? '',
    form,
    route,
    doseValue: med.dosage.doseQuantity.value,
    doseUnit: med.dosage.doseQuantity.unit,
    frequency: frequencyOf(med),
    asNeeded: med.dosage.asNeeded,
    durationDays: med.dispense.expectedSupplyDuration ?? null,
    quantity: med.dispense.quantity.value,
    quantityUnit: med.dispense.quantity.unit ?? 'tablet',
    refills: med.dispense.numberOfRepeatsAllowed
  };
  // Typed instructions stay; a generated sig is generated again (from the same fields, the same words).
  return { ...draft, sig: med.dosage.text === generatedSig(draft) ? '' : med.dosage.text };
}

/** The active prescription a refill starts from, or null (stopped since, or not in this chart). */
export function refillSource(docs: ChartDocs, medicationId: string): MedicationRecord | null {
  return listMedicationRecords(docs.chartDoc).find((m) => m.id === medicationId && m.status === 'active') ?? null;
}

/** Signs the refill: the checks again (the prescription refilled left out), then the new request replaces the old. */
export function signRefill(
  docs: ChartDocs,
  priorId: string,
  draft: PrescriptionDraft,
  overrides: Record<string, string>,
  who: { actor: Actor; roles: readonly Role[] }
): SignResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician signs prescriptions' };
  const problems = draftProblems(draft);
  if (problems.length) return { ok: false, message: problems.map((p) => p.message).join('; ') };
  try {
    const issues = detectedIssues(checkDraft(docs, draft, { exceptId: priorId }), overrides, who.actor, new Date().toISOString());
    const missing = missingOverrides(issues);
    if (missing.length) return { ok: false, message: 'Give a reason for each serious alert before signing', missing };
    return { ok: true, id: refillMedication(docs.chartDoc, priorId, prescriptionInput(draft, issues), who.actor) };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}
