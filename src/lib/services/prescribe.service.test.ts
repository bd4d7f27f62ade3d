import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, markEnteredInError } from '../chart/chart-doc';
import { listMedicationRecords } from '../chart/medication-doc';
import { initPatientDoc } from '../chart/patient-doc';
import {
  alertKey,
  checkDraft,
  draftProblems,
  emptyDraft,
  generatedSig,
  orderInput,
  renewPrescription,
  signPrescription,
  stopPrescription,
  type PrescriptionDraft
} from './prescribe.service';

const actor = { id: 'u1', name: 'Dr. Test' };
const clinician = { actor, roles: ['clinician' as const] };
const nurse = { actor: { id: 'u2', name: 'Nurse Test' }, roles: ['nurse' as const] };

function chart(birthDate = '1980-03-04') {
  const patientDoc = new Y.Doc();
  initPatientDoc(patientDoc, 'p1', { family: 'Doe', given: ['Jo'], birthDate, gender: 'female' }, actor, 'MRN1');
  return { chartDoc: new Y.Doc(), patientDoc };
}

const amox = (extra: Partial<PrescriptionDraft> = {}): PrescriptionDraft => ({
  ...emptyDraft(),
  drugId: 'amoxicillin',
  strength: '500 mg',
  form: 'capsule',
  doseValue: 1,
  doseUnit: 'capsule',
  frequency: 'three-times-daily',
  durationDays: 7,
  quantity: 21,
  quantityUnit: 'capsule',
  ...extra
});

describe('prescribing', () => {
  it('builds the order the checks read, with the strength in the product text', () => {
    expect(orderInput(amox())).toMatchObject({
      text: 'amoxicillin 500 MG Oral Capsule',
      dose: { value: 1, unit: 'capsule' },
      timing: { frequency: 3, period: 1, periodUnit: 'd' },
      route: 'oral'
    });
    expect(generatedSig(amox())).toBe('Take 1 capsule by mouth three times daily for 7 days');
    expect(orderInput(emptyDraft())).toBeNull();
  });

  it('reports what is missing from a draft', () => {
    expect(draftProblems(emptyDraft()).map((p) => p.path)).toEqual(['drug', 'dose', 'quantity', 'sig']);
    expect(draftProblems(amox())).toEqual([]);
  });

  it('raises the penicillin allergy alert, and not for an allergy entered in error', () => {
    const docs = chart();
    const allergyId = addAllergy(docs.chartDoc, { substance: 'Penicillin', category: 'medication' } as Parameters<typeof addAllergy>[1], actor);
    const alerts = checkDraft(docs, amox());
    expect(alerts[0]).toMatchObject({ kind: 'drug-allergy', severity: 'serious' });
    expect(alerts[0].source.citation).toMatch(/practice parameter/i);
    markEnteredInError(docs.chartDoc, 'allergies', allergyId, 'Wrong patient', actor);
    expect(checkDraft(docs, amox()).filter((a) => a.kind === 'drug-allergy')).toEqual([]);
  });

  it('checks a dose above the usual adult range', () => {
    const alerts = checkDraft(chart(), amox({ doseValue: 3000, doseUnit: 'mg' }));
    expect(alerts.map((a) => a.kind)).toContain('dose-range');
  });

  it('says a child is not dose-checked against adult ranges', () => {
    const alerts = checkDraft(chart(new Date(Date.now() - 5 * 365 * 864e5).toISOString().slice(0, 10)), amox());
    expect(alerts.some((a) => a.kind === 'not-checked' && /adult dose ranges/.test(a.detail + a.title))).toBe(true);
  });

  it('signs only with an override reason for a serious alert, and stores the reason', () => {
    const docs = chart();
    addAllergy(docs.chartDoc, { substance: 'Penicillin', category: 'medication' } as Parameters<typeof addAllergy>[1], actor);
    const refused = signPrescription(docs, amox(), {}, clinician);
    expect(refused).toMatchObject({ ok: false, missing: ['Penicillin allergy: ordered drug is a penicillin'] });
    const [alert] = checkDraft(docs, amox());
    const signed = signPrescription(docs, amox(), { [alertKey(alert)]: 'Tolerated amoxicillin in 2023' }, clinician);
    expect(signed.ok).toBe(true);
    const [m] = listMedicationRecords(docs.chartDoc);
    expect(m.detectedIssues.find((i) => i.kind === 'drug-allergy')?.override).toMatchObject({ reason: 'Tolerated amoxicillin in 2023', by: 'Dr. Test', byId: 'u1' });
  });

  it('a nurse cannot sign, renew or stop', () => {
    const docs = chart();
    expect(signPrescription(docs, amox(), {}, nurse)).toEqual({ ok: false, message: 'A clinician signs prescriptions' });
    expect(signPrescription(docs, amox(), {}, clinician).ok).toBe(true);
    const [m] = listMedicationRecords(docs.chartDoc);
    expect(renewPrescription(docs, m, nurse).ok).toBe(false);
    expect(stopPrescription(docs.chartDoc, m.id, 'Finished course', nurse).ok).toBe(false);
  });

  it('flags duplicate therapy against the active list, and not against itself on renewal', () => {
    const docs = chart();
    expect(signPrescription(docs, amox(), {}, clinician).ok).toBe(true);
    expect(checkDraft(docs, amox()).map((a) => a.kind)).toContain('duplicate-therapy');
    const [m] = listMedicationRecords(docs.chartDoc);
    const renewed = renewPrescription(docs, m, clinician);
    expect(renewed.ok).toBe(true);
    expect(listMedicationRecords(docs.chartDoc).filter((x) => x.status === 'active')).toHaveLength(1);
  });

  it('renewal carries the earlier override reason for the same alert', () => {
    const docs = chart();
    addAllergy(docs.chartDoc, { substance: 'Penicillin', category: 'medication' } as Parameters<typeof addAllergy>[1], actor);
    const [alert] = checkDraft(docs, amox());
    expect(signPrescription(docs, amox(), { [alertKey(alert)]: 'Tolerated amoxicillin in 2023' }, clinician).ok).toBe(true);
    const [m] = listMedicationRecords(docs.chartDoc);
    const renewed = renewPrescription(docs, m, clinician);
    expect(renewed.ok).toBe(true);
  });

  it('stopping takes it off the list the checks read', () => {
    const docs = chart();
    const signed = signPrescription(docs, amox(), {}, clinician);
    if (!signed.ok) throw new Error(signed.message);
    expect(stopPrescription(docs.chartDoc, signed.id, 'Course finished', clinician).ok).toBe(true);
    expect(checkDraft(docs, amox()).map((a) => a.kind)).not.toContain('duplicate-therapy');
  });
});
