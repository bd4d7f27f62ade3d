import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, markEnteredInError } from '../chart/chart-doc';
import { endNoKnownAllergies, recordNoKnownAllergies } from '../chart/allergy-status';
import { listMedicationRecords } from '../chart/medication-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { markObservationsEnteredInError, recordVitals } from '../chart/vitals-doc';
import {
  alertKey,
  checkDraft,
  detectedIssues,
  needsOverride,
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
  const chartDoc = new Y.Doc();
  // Allergies asked: none known. The unasked case has tests of its own below.
  recordNoKnownAllergies(chartDoc, actor, 0);
  return { chartDoc, patientDoc };
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

  it('says a child without a recorded weight is not dose-checked', () => {
    const alerts = checkDraft(chart(new Date(Date.now() - 5 * 365 * 864e5).toISOString().slice(0, 10)), amox());
    expect(alerts.filter((a) => a.kind === 'not-checked' || a.kind === 'dose-range').map((a) => [a.ruleId, a.title])).toEqual([
      ['not-checked-dose-weight', 'Dose not checked: no weight recorded for a child']
    ]);
  });

  describe('a child\'s dose per kg of the weight recorded in the chart\'s vitals', () => {
    const NOW = new Date('2026-01-15T12:00:00Z');
    /** A 5-year-old (born 2020-06-01) with allergies asked. */
    const child = () => chart('2020-06-01');
    const pediatric = (alerts: ReturnType<typeof checkDraft>) =>
      alerts.filter((a) => a.kind === 'dose-range' || a.ruleId.startsWith('not-checked-dose')).map((a) => [a.ruleId, a.severity, a.title]);

    it('reads the latest weight from the vitals: 20 kg, amoxicillin 600 mg twice daily is 60 mg/kg/day, within range', () => {
      const docs = child();
      recordVitals(docs.chartDoc, { weight: 12 }, actor, '2025-12-20T09:00:00Z');
      recordVitals(docs.chartDoc, { weight: 20 }, actor, '2026-01-10T09:00:00Z');
      const draft = amox({ strength: '', doseValue: 600, doseUnit: 'mg', frequency: 'twice-daily' });
      expect(pediatric(checkDraft(docs, draft, { now: NOW }))).toEqual([]);
      // Positive control: 1000 mg twice daily at 20 kg is 100 mg/kg/day, over the 90 mg/kg/day ceiling.
      expect(pediatric(checkDraft(docs, { ...draft, doseValue: 1000 }, { now: NOW }))).toEqual([
        ['dose-range-pediatric', 'serious', 'Dose above the pediatric range: amoxicillin 1000 mg (50 mg/kg per dose, 100 mg/kg/day)']
      ]);
    });

    it('a weight entered in error is not used', () => {
      const docs = child();
      const ids = recordVitals(docs.chartDoc, { weight: 20 }, actor, '2026-01-10T09:00:00Z');
      const draft = amox({ strength: '', doseValue: 600, doseUnit: 'mg', frequency: 'twice-daily' });
      expect(pediatric(checkDraft(docs, draft, { now: NOW }))).toEqual([]);
      markObservationsEnteredInError(docs.chartDoc, ids, 'Wrong patient', actor);
      expect(pediatric(checkDraft(docs, draft, { now: NOW }))).toEqual([
        ['not-checked-dose-weight', 'info', 'Dose not checked: no weight recorded for a child']
      ]);
    });
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

  it('never asks a reason for an alert shown without interrupting, whatever its grade', () => {
    expect(needsOverride({ severity: 'serious' })).toBe(true);
    expect(needsOverride({ severity: 'serious', interrupt: false })).toBe(false);
    expect(needsOverride({ severity: 'minor', interrupt: false })).toBe(false);
    const quiet = { kind: 'drug-drug' as const, severity: 'minor' as const, title: 'Low', detail: 'd', action: 'a', source: { citation: 'c' }, ruleId: 'r', involved: [], interrupt: false as const };
    const [issue] = detectedIssues([quiet], { [alertKey(quiet)]: 'A reason typed anyway' }, actor, '2026-01-15T12:00:00Z');
    expect(issue).toEqual({ kind: 'drug-drug', severity: 'minor', title: 'Low', detail: 'd', action: 'a', ruleId: 'r', source: { citation: 'c' } });
  });

  it('a low-priority pair of Phansalkar 2013 is noted without interrupting: no reason asked, signing goes through', () => {
    const docs = chart();
    const daily = (drugId: string, strength: string): PrescriptionDraft => ({
      ...emptyDraft(), drugId, strength, form: 'tablet', doseValue: 1, doseUnit: 'tablet', frequency: 'once-daily', durationDays: 30, quantity: 30, quantityUnit: 'tablet'
    });
    expect(signPrescription(docs, daily('calcium-carbonate', '500 mg'), {}, clinician).ok).toBe(true);
    const alerts = checkDraft(docs, daily('levothyroxine', '50 mcg')).filter((a) => a.kind === 'drug-drug');
    expect(alerts.map((a) => [a.ruleId, a.severity, a.interrupt, needsOverride(a)])).toEqual([['low-06-thyroid-calcium', 'minor', false, false]]);
    expect(signPrescription(docs, daily('levothyroxine', '50 mcg'), {}, clinician).ok).toBe(true);
    const levo = listMedicationRecords(docs.chartDoc).find((m) => m.medicationCodeableConcept.text?.startsWith('levothyroxine'));
    expect(levo?.detectedIssues.filter((i) => i.kind === 'drug-drug').map((i) => [i.ruleId, i.severity, i.override])).toEqual([['low-06-thyroid-calcium', 'minor', undefined]]);
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

describe('allergies not yet asked', () => {
  /** A chart on which nobody has recorded an allergy or "no known allergies". */
  function unasked() {
    const patientDoc = new Y.Doc();
    initPatientDoc(patientDoc, 'p2', { family: 'Roe', given: ['Sam'], birthDate: '1975-01-02', gender: 'male' }, actor, 'MRN2');
    return { chartDoc: new Y.Doc(), patientDoc };
  }
  const TITLE = 'Allergies not yet asked: this order was not checked against allergies';

  it('is a serious alert that needs the answer or a reason before signing', () => {
    const docs = unasked();
    const alerts = checkDraft(docs, amox());
    expect(alerts.map((a) => [a.ruleId, a.severity, a.kind, a.title])).toEqual([['allergies-not-asked', 'serious', 'not-checked', TITLE]]);
    expect(alerts[0].action).toBe(
      'Ask the patient and record their allergies, or \u201cNo known allergies\u201d, before signing. If they cannot be asked now, give the reason to go ahead.'
    );
    expect(alerts[0].source.url).toBe('https://hl7.org/fhir/R4/allergyintolerance.html');
    const refused = signPrescription(docs, amox(), {}, clinician);
    expect(refused).toMatchObject({ ok: false, message: 'Give a reason for each serious alert before signing' });
    expect(listMedicationRecords(docs.chartDoc)).toEqual([]);
  });

  it('a reason to go ahead is stored with the prescription as an override (which the server audits)', () => {
    const docs = unasked();
    const signed = signPrescription(docs, amox(), { [`allergies-not-asked|${TITLE}`]: 'Patient unconscious, no family present' }, clinician);
    expect(signed.ok).toBe(true);
    const [m] = listMedicationRecords(docs.chartDoc);
    expect(m.detectedIssues.map((i) => [i.ruleId, i.severity, i.override?.reason, i.override?.byId])).toEqual([
      ['allergies-not-asked', 'serious', 'Patient unconscious, no family present', 'u1']
    ]);
  });

  it('goes away once "no known allergies" or an allergy is recorded, and comes back when the statement ends', () => {
    const docs = unasked();
    expect(checkDraft(docs, amox()).map((a) => a.ruleId)).toEqual(['allergies-not-asked']);
    recordNoKnownAllergies(docs.chartDoc, actor, 0);
    expect(checkDraft(docs, amox())).toEqual([]);
    endNoKnownAllergies(docs.chartDoc, actor, 'Asked again: unsure');
    const back = checkDraft(docs, amox());
    expect(back.map((a) => a.ruleId)).toEqual(['allergies-not-asked']);
    expect(back[0].detail).toBe(
      'The chart records no allergy and no \u201cno known allergies\u201d statement, and an empty list does not mean the patient has none. An earlier \u201cno known allergies\u201d statement ended: Asked again: unsure.'
    );
    addAllergy(docs.chartDoc, { substance: 'Latex', category: 'environment' } as Parameters<typeof addAllergy>[1], actor);
    expect(checkDraft(docs, amox())).toEqual([]);
  });

  it('leads the less severe alerts of the same order', () => {
    const docs = unasked();
    expect(signPrescription(docs, amox(), { [`allergies-not-asked|${TITLE}`]: 'Patient unable to answer now' }, clinician).ok).toBe(true);
    const alerts = checkDraft(docs, amox());
    expect(alerts.map((a) => a.ruleId)).toEqual(['allergies-not-asked', ...alerts.slice(1).map((a) => a.ruleId)]);
    expect(alerts.slice(1).map((a) => a.kind)).toEqual(['duplicate-therapy']);
  });

  it('a renewal keeps the reason given at signing; a prescription signed before the question needs the full form', () => {
    const docs = unasked();
    expect(signPrescription(docs, amox(), { [`allergies-not-asked|${TITLE}`]: 'Patient unable to answer now' }, clinician).ok).toBe(true);
    const [m] = listMedicationRecords(docs.chartDoc);
    expect(renewPrescription(docs, m, clinician).ok).toBe(true);

    const other = unasked();
    recordNoKnownAllergies(other.chartDoc, actor, 0);
    expect(signPrescription(other, amox(), {}, clinician).ok).toBe(true);
    endNoKnownAllergies(other.chartDoc, actor, 'Recorded on the wrong chart');
    const [n] = listMedicationRecords(other.chartDoc);
    expect(renewPrescription(other, n, clinician)).toMatchObject({
      ok: false,
      message: 'Renewing raises a new serious alert; prescribe it again from the Prescribe page'
    });
  });
});
