import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy } from '../chart/chart-doc';
import { recordNoKnownAllergies } from '../chart/allergy-status';
import { listMedicationRecords } from '../chart/medication-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { changeAlerts, changePrescription, currentChange } from './medication-change.service';
import { alertKey, emptyDraft, signPrescription } from './prescribe.service';

const who = { actor: { id: 'u1', name: 'Dr. Test' }, roles: ['clinician' as const] };

function chartWithAmoxicillin() {
  const patientDoc = new Y.Doc();
  initPatientDoc(patientDoc, 'p1', { family: 'Doe', given: ['Jo'], birthDate: '1980-03-04', gender: 'female' }, who.actor, 'MRN1');
  const docs = { chartDoc: new Y.Doc(), patientDoc };
  recordNoKnownAllergies(docs.chartDoc, who.actor, 0);
  const r = signPrescription(
    docs,
    { ...emptyDraft(), drugId: 'amoxicillin', strength: '500 mg', form: 'capsule', doseValue: 1, doseUnit: 'capsule', frequency: 'three-times-daily', durationDays: 7, quantity: 21, quantityUnit: 'capsule' },
    {},
    who
  );
  if (!r.ok) throw new Error(r.message);
  return { docs, med: listMedicationRecords(docs.chartDoc)[0] };
}

describe('changing a prescription', () => {
  it('starts from the current directions', () => {
    const { med } = chartWithAmoxicillin();
    expect(currentChange(med)).toEqual({ doseValue: 1, frequency: 'three-times-daily', quantity: 21, refills: 0, instructions: 'Take 1 capsule by mouth three times daily for 7 days' });
  });

  it('stops the old request with the reason and links the new one', () => {
    const { docs, med } = chartWithAmoxicillin();
    const change = { ...currentChange(med)!, frequency: 'twice-daily' as const, quantity: 14, instructions: 'Take 1 capsule by mouth twice daily for 7 days' };
    expect(changePrescription(docs, med, change, 'ok', {}, who)).toMatchObject({ ok: false, message: 'Say why the prescription is changed' });
    const r = changePrescription(docs, med, change, 'Renal function reduced', {}, who);
    expect(r.ok).toBe(true);
    const all = listMedicationRecords(docs.chartDoc);
    const old = all.find((m) => m.id === med.id)!;
    const next = all.find((m) => m.id !== med.id)!;
    expect(old).toMatchObject({ status: 'stopped', statusReason: 'Changed: Renal function reduced' });
    expect(next).toMatchObject({ status: 'active', priorPrescription: med.id, dosage: { text: change.instructions, timing: { frequency: 2, text: 'twice daily' } }, dispense: { quantity: { value: 14 } } });
  });

  it('needs a reason for a serious alert the change raises, then records it', () => {
    const { docs, med } = chartWithAmoxicillin();
    addAllergy(docs.chartDoc, { substance: 'Penicillin', category: 'medication' }, who.actor);
    const change = { ...currentChange(med)!, doseValue: 2 };
    const refused = changePrescription(docs, med, change, 'Higher dose needed', {}, who);
    expect(refused).toMatchObject({ ok: false, missing: ['Penicillin allergy: ordered drug is a penicillin'] });
    const alert = changeAlerts(docs, med, change).find((a) => a.kind === 'drug-allergy')!;
    const r = changePrescription(docs, med, change, 'Higher dose needed', { [alertKey(alert)]: 'Tolerated before without reaction' }, who);
    expect(r.ok).toBe(true);
    const next = listMedicationRecords(docs.chartDoc).find((m) => m.status === 'active')!;
    expect(next.detectedIssues.find((i) => i.kind === 'drug-allergy')?.override?.reason).toBe('Tolerated before without reaction');
  });

  it('a nurse cannot change a prescription', () => {
    const { docs, med } = chartWithAmoxicillin();
    expect(changePrescription(docs, med, currentChange(med)!, 'Some reason', {}, { actor: who.actor, roles: ['nurse'] })).toMatchObject({ ok: false });
  });
});
