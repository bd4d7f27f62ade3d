import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy } from '../chart/chart-doc';
import { recordNoKnownAllergies } from '../chart/allergy-status';
import { listMedicationRecords, stopMedication } from '../chart/medication-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { alertKey, checkDraft, emptyDraft, signPrescription, type PrescriptionDraft } from './prescribe.service';
import { refillDraft, refillSource, signRefill } from './refill.service';

const who = { actor: { id: 'u1', name: 'Dr. Test' }, roles: ['clinician' as const] };
const amoxicillin: PrescriptionDraft = { ...emptyDraft(), drugId: 'amoxicillin', strength: '500 mg', form: 'capsule', doseValue: 1, doseUnit: 'capsule', frequency: 'three-times-daily', durationDays: 7, quantity: 21, quantityUnit: 'capsule', refills: 2 };

function chartWith(draft: PrescriptionDraft) {
  const patientDoc = new Y.Doc();
  initPatientDoc(patientDoc, 'p1', { family: 'Doe', given: ['Jo'], birthDate: '1980-03-04', gender: 'female' }, who.actor, 'MRN1');
  const docs = { chartDoc: new Y.Doc(), patientDoc };
  recordNoKnownAllergies(docs.chartDoc, who.actor, 0);
  const r = signPrescription(docs, draft, {}, who);
  if (!r.ok) throw new Error(r.message);
  return { docs, med: listMedicationRecords(docs.chartDoc)[0] };
}

describe('refilling a prescription', () => {
  it('fills the prescribe form with the same drug, strength, dose, frequency, quantity and refills', () => {
    const { med } = chartWith(amoxicillin);
    expect(med.medicationCodeableConcept.text).toBe('amoxicillin 500 MG Oral Capsule');
    expect(refillDraft(med)).toEqual({ ...amoxicillin, strength: '500 MG' });
  });

  it('keeps typed instructions as typed', () => {
    const { med } = chartWith({ ...amoxicillin, sig: 'One capsule three times a day with food' });
    expect(refillDraft(med)?.sig).toBe('One capsule three times a day with food');
  });

  it('the checks run again without the prescription being refilled (no duplicate of itself); a new allergy is raised', () => {
    const { docs, med } = chartWith(amoxicillin);
    const draft = refillDraft(med)!;
    expect(checkDraft(docs, draft, { exceptId: med.id }).map((a) => a.title)).toEqual([]);
    // Positive control: counted against itself, the same drug is a duplicate.
    expect(checkDraft(docs, draft).map((a) => a.title)).toEqual(['Already active: amoxicillin (amoxicillin 500 MG Oral Capsule)']);
    addAllergy(docs.chartDoc, { substance: 'Penicillin', category: 'medication' }, who.actor);
    expect(signRefill(docs, med.id, draft, {}, who)).toMatchObject({ ok: false, missing: ['Penicillin allergy: ordered drug is a penicillin'] });
    const alert = checkDraft(docs, draft, { exceptId: med.id }).find((a) => a.kind === 'drug-allergy')!;
    expect(signRefill(docs, med.id, draft, { [alertKey(alert)]: 'Tolerated for years without reaction' }, who).ok).toBe(true);
  });

  it('signing completes the old prescription and links the new one to it', () => {
    const { docs, med } = chartWith(amoxicillin);
    const r = signRefill(docs, med.id, refillDraft(med)!, {}, who);
    expect(r.ok).toBe(true);
    const all = listMedicationRecords(docs.chartDoc);
    expect(all.find((m) => m.id === med.id)).toMatchObject({ status: 'completed', statusReason: 'Refilled' });
    expect(all.find((m) => m.id !== med.id)).toMatchObject({ status: 'active', priorPrescription: med.id, dispense: { quantity: { value: 21 }, numberOfRepeatsAllowed: 2 } });
    expect(refillSource(docs, med.id)).toBeNull();
  });

  it('a nurse cannot sign a refill; a stopped prescription cannot be refilled', () => {
    const { docs, med } = chartWith(amoxicillin);
    expect(signRefill(docs, med.id, refillDraft(med)!, {}, { ...who, roles: ['nurse'] })).toEqual({ ok: false, message: 'A clinician signs prescriptions' });
    stopMedication(docs.chartDoc, med.id, 'Course finished early', who.actor);
    expect(refillSource(docs, med.id)).toBeNull();
    expect(signRefill(docs, med.id, refillDraft(med)!, {}, who)).toEqual({ ok: false, message: 'Only an active medication can be refilled' });
  });
});
