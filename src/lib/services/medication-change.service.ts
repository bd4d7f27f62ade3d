import { changeMedication, missingOverrides, type Dosage, type MedicationRecord } from '../chart/medication-doc';
import type { Alert } from '../domain/drugs';
import { messageOf } from '../ui/handle-error';
import type { Who } from './pharmacy-outbox.service';
import { alertKey, canPrescribe, detectedIssues, FREQUENCIES, renewalAlerts, type ChartDocs, type FrequencyCode, type SignResult } from './prescribe.service';

/**
 * Changing a prescription (dose, frequency, quantity, directions) from the
 * medication list: the old request is stopped with the reason and a new one
 * linked to it is signed, after the same checks as a new prescription.
 * Override reasons given for the same alert on the old request carry over.
 */

export interface MedicationChange {
  doseValue: number;
  frequency: FrequencyCode;
  quantity: number;
  refills: number;
  instructions: string;
}

/** The form's starting values: what the prescription says now. */
export function currentChange(med: MedicationRecord): MedicationChange | null {
  if (!med.dosage || !med.dispense) return null;
  const t = med.dosage.timing;
  const frequency = (Object.keys(FREQUENCIES) as FrequencyCode[]).find((k) => {
    const f = FREQUENCIES[k];
    return f.frequency === t.frequency && f.period === t.period && f.periodUnit === t.periodUnit && (!t.text || f.label === t.text);
  });
  return {
    doseValue: med.dosage.doseQuantity.value,
    frequency: frequency ?? 'once-daily',
    quantity: med.dispense.quantity.value,
    refills: med.dispense.numberOfRepeatsAllowed,
    instructions: med.dosage.text
  };
}

function changedDosage(med: MedicationRecord, c: MedicationChange): Dosage {
  const f = FREQUENCIES[c.frequency];
  return {
    ...med.dosage!,
    text: c.instructions.trim(),
    doseQuantity: { ...med.dosage!.doseQuantity, value: c.doseValue },
    timing: { frequency: f.frequency, period: f.period, periodUnit: f.periodUnit, text: f.label }
  };
}

/** The checks the changed prescription raises against the rest of the chart. */
export function changeAlerts(docs: ChartDocs, med: MedicationRecord, c: MedicationChange): Alert[] {
  if (!med.dosage) return [];
  return renewalAlerts(docs, { ...med, dosage: changedDosage(med, c) });
}

export function changeProblems(c: MedicationChange, reason: string): string[] {
  const out: string[] = [];
  if (!(c.doseValue > 0)) out.push('Enter the dose');
  if (!(c.quantity > 0)) out.push('Enter the quantity');
  if (!Number.isInteger(c.refills) || c.refills < 0 || c.refills > 11) out.push('Refills must be 0–11');
  if (!c.instructions.trim()) out.push('Enter the instructions');
  if (reason.trim().length < 5) out.push('Say why the prescription is changed');
  return out;
}

export function changePrescription(docs: ChartDocs, med: MedicationRecord, c: MedicationChange, reason: string, overrides: Record<string, string>, who: Who): SignResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician changes prescriptions' };
  if (!med.dosage || !med.dispense) return { ok: false, message: 'This medication has no structured directions to change; prescribe it again' };
  const problems = changeProblems(c, reason);
  if (problems.length) return { ok: false, message: problems.join('; ') };
  try {
    const reasons: Record<string, string> = {};
    for (const i of med.detectedIssues) if (i.override) reasons[alertKey(i)] = i.override.reason;
    Object.assign(reasons, Object.fromEntries(Object.entries(overrides).filter(([, v]) => v.trim())));
    const issues = detectedIssues(changeAlerts(docs, med, c), reasons, who.actor, new Date().toISOString());
    const missing = missingOverrides(issues);
    if (missing.length) return { ok: false, message: 'Give a reason for each serious alert before signing', missing };
    const id = changeMedication(
      docs.chartDoc,
      med.id,
      {
        medicationCodeableConcept: med.medicationCodeableConcept,
        dosage: changedDosage(med, c),
        dispense: { ...med.dispense, quantity: { ...med.dispense.quantity, value: c.quantity }, numberOfRepeatsAllowed: c.refills },
        detectedIssues: issues
      },
      reason,
      who.actor
    );
    return { ok: true, id };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}
