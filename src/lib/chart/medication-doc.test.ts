import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addMedication } from './clinical-doc';
import {
  changeMedication,
  listMedicationRecords,
  markMedicationEnteredInError,
  missingOverrides,
  prescribe,
  renewMedication,
  stopMedication,
  type DetectedIssue,
  type PrescriptionInput
} from './medication-doc';

const actor = { id: 'u1', name: 'Dr. Test' };
const other = { id: 'u2', name: 'Dr. Other' };

const amoxicillin = (extra: Partial<PrescriptionInput> = {}): PrescriptionInput => ({
  medicationCodeableConcept: { text: 'amoxicillin 500 MG Oral Capsule' },
  dosage: {
    text: 'Take 1 capsule by mouth three times daily for 7 days',
    route: { text: 'oral' },
    doseQuantity: { value: 1, unit: 'capsule' },
    timing: { frequency: 3, period: 1, periodUnit: 'd', text: 'three times daily' }
  },
  dispense: { quantity: { value: 21, unit: 'capsule' }, numberOfRepeatsAllowed: 0, expectedSupplyDuration: 7 },
  ...extra
});

const issue = (severity: DetectedIssue['severity'], reason?: string): DetectedIssue => ({
  kind: 'drug-allergy',
  severity,
  title: 'Penicillin allergy: ordered drug is a penicillin',
  detail: 'd',
  action: 'a',
  ruleId: 'allergy-penicillin',
  source: { citation: 'Khan DA, et al. 2022' },
  ...(reason ? { override: { reason, by: actor.name, byId: actor.id, at: '2026-01-01T00:00:00.000Z' } } : {})
});

describe('prescriptions in the chart', () => {
  it('writes an active MedicationRequest with requester, dosage, dispense and detected issues', () => {
    const doc = new Y.Doc();
    const id = prescribe(doc, amoxicillin({ detectedIssues: [issue('serious', 'Tolerated amoxicillin in 2023')] }), actor);
    const [m] = listMedicationRecords(doc);
    expect(m).toMatchObject({
      id,
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      dosageText: 'Take 1 capsule by mouth three times daily for 7 days',
      requester: { reference: 'Practitioner/u1', display: 'Dr. Test' },
      dispense: { quantity: { value: 21 }, numberOfRepeatsAllowed: 0, expectedSupplyDuration: 7 },
      createdBy: 'Dr. Test'
    });
    expect(m.detectedIssues[0].override?.reason).toBe('Tolerated amoxicillin in 2023');
    expect(m.authoredOn).not.toBe('');
  });

  it.each([
    ['no reason', issue('serious')],
    ['too short a reason', issue('contraindicated', 'ok ')]
  ])('refuses to sign a serious alert with %s', (_, i) => {
    const doc = new Y.Doc();
    expect(() => prescribe(doc, amoxicillin({ detectedIssues: [i] }), actor)).toThrow(/reason/);
    expect(listMedicationRecords(doc)).toEqual([]);
  });

  it('needs no reason for moderate, minor or info alerts', () => {
    expect(missingOverrides([issue('moderate'), issue('minor'), issue('info')])).toEqual([]);
    expect(missingOverrides([issue('serious')])).toEqual(['Penicillin allergy: ordered drug is a penicillin']);
  });

  it('stops with a reason, and only an active medication', () => {
    const doc = new Y.Doc();
    const id = prescribe(doc, amoxicillin(), actor);
    expect(() => stopMedication(doc, id, ' ', actor)).toThrow(/why/);
    stopMedication(doc, id, 'Rash on day 3', other);
    expect(listMedicationRecords(doc)[0]).toMatchObject({ status: 'stopped', statusReason: 'Rash on day 3', statusChangedBy: 'Dr. Other' });
    expect(() => stopMedication(doc, id, 'Again please', other)).toThrow(/active/);
  });

  it('renews into a new request linked to the old one, which is completed', () => {
    const doc = new Y.Doc();
    const id = prescribe(doc, amoxicillin(), actor);
    const renewed = renewMedication(doc, id, [], other);
    const byId = new Map(listMedicationRecords(doc).map((m) => [m.id, m]));
    expect(byId.get(id)).toMatchObject({ status: 'completed', statusReason: 'Renewed' });
    expect(byId.get(renewed)).toMatchObject({ status: 'active', priorPrescription: id, requester: { display: 'Dr. Other' } });
  });

  it('changes: the old request is stopped with the reason, the new one links to it', () => {
    const doc = new Y.Doc();
    const id = prescribe(doc, amoxicillin(), actor);
    const input = amoxicillin();
    input.dosage.doseQuantity = { value: 2, unit: 'capsule' };
    expect(() => changeMedication(doc, id, input, '', actor)).toThrow(/why/);
    const next = changeMedication(doc, id, input, 'Higher dose for otitis', actor);
    const byId = new Map(listMedicationRecords(doc).map((m) => [m.id, m]));
    expect(byId.get(id)).toMatchObject({ status: 'stopped', statusReason: 'Changed: Higher dose for otitis' });
    expect(byId.get(next)?.priorPrescription).toBe(id);
  });

  it('entered in error leaves the entry in the chart with who and why', () => {
    const doc = new Y.Doc();
    const id = prescribe(doc, amoxicillin(), actor);
    markMedicationEnteredInError(doc, id, 'Wrong patient', actor);
    expect(listMedicationRecords(doc)[0]).toMatchObject({ status: 'entered-in-error', statusReason: 'Wrong patient' });
  });

  it('reads imported medications without structured directions next to prescriptions', () => {
    const doc = new Y.Doc();
    addMedication(doc, { medicationCodeableConcept: { text: 'lisinopril 10 MG Oral Tablet' }, authoredOn: '2020-01-01', dosageText: 'daily' }, actor);
    prescribe(doc, amoxicillin(), actor);
    const list = listMedicationRecords(doc);
    expect(list.map((m) => m.medicationCodeableConcept.text)).toEqual(['amoxicillin 500 MG Oral Capsule', 'lisinopril 10 MG Oral Tablet']);
    expect(list[1].dosage).toBeUndefined();
    expect(() => renewMedication(doc, list[1].id, [], actor)).toThrow(/structured/);
  });

  it('a prescription made on one device reaches another through a Yjs update', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    prescribe(a, amoxicillin({ detectedIssues: [issue('serious', 'Tolerated before')] }), actor);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(listMedicationRecords(b)[0].detectedIssues[0].override?.reason).toBe('Tolerated before');
  });
});
