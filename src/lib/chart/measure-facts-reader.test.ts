import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCondition, addEncounter, initChartDoc, markEnteredInError, signNote } from './chart-doc';
import { putClinical } from './clinical-doc';
import { measureFactsOf } from './measure-facts-reader';
import { initPatientDoc } from './patient-doc';
import { markObservationsEnteredInError, recordVitals } from './vitals-doc';

/**
 * The chart → measure facts reader: what counts (coded, dated, final), what
 * never does (entered in error, cancelled, not done, uncoded), and who a
 * visit is attributed to. Each "left out" entry sits beside a kept twin.
 */

const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const doc = { id: 'u1', name: 'Dr Amara Diallo' };
const nurse = { id: 'u2', name: 'Nurse Kofi' };

function docs() {
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1960-05-05', gender: 'female' }, doc, 'OP-1');
  const chart = new Y.Doc();
  initChartDoc(chart, PID);
  return { patient, chart };
}

describe('measureFactsOf', () => {
  it('keeps coded conditions, final results and visits; leaves out what was recorded in error', () => {
    const { patient, chart } = docs();
    addCondition(chart, { text: 'Type 2 diabetes', coding: [{ system: ICD10, code: 'E11.9' }], onsetDate: '2018-03-01' }, doc);
    const wrong = addCondition(chart, { text: 'Hypertension', coding: [{ system: ICD10, code: 'I10' }], onsetDate: '2019-01-01' }, doc);
    markEnteredInError(chart, 'conditions', wrong, 'Wrong patient', doc);
    addCondition(chart, { text: 'Sprained ankle', coding: [{ system: ICD10, code: 'S93.401A' }] }, doc);
    recordVitals(chart, { systolic: 128, diastolic: 78 }, nurse, '2025-03-01T09:05:00.000Z');
    const mistaken = recordVitals(chart, { systolic: 190, diastolic: 120 }, nurse, '2025-04-01T09:05:00.000Z');
    markObservationsEnteredInError(chart, mistaken, 'Wrong patient', nurse);
    putClinical(chart, 'observations', 'b1', { status: 'final', category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: '2025-05-02T08:00:00.000Z', valueQuantity: { value: 7.2, unit: '%' } }, doc);
    putClinical(chart, 'observations', 'b2', { status: 'preliminary', category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: '2025-06-02T08:00:00.000Z', valueQuantity: { value: 11, unit: '%' } }, doc);
    putClinical(chart, 'procedures', 'p1', { status: 'completed', code: { text: 'Colonoscopy', coding: [{ system: 'http://snomed.info/sct', code: '73761001' }] }, performedPeriod: { start: '2020-02-02' } }, doc);
    putClinical(chart, 'procedures', 'p2', { status: 'not-done', code: { text: 'Colonoscopy', coding: [{ system: 'http://snomed.info/sct', code: '73761001' }] }, performedPeriod: { start: '2024-02-02' } }, doc);
    putClinical(chart, 'medications', 'm1', { medicationCodeableConcept: { text: 'Varenicline 1 mg tablet' }, authoredOn: '2025-02-01' }, doc);
    putClinical(chart, 'medications', 'm2', { medicationCodeableConcept: { text: 'Amoxicillin 500 mg capsule' }, authoredOn: '2025-02-01' }, doc);
    const signed = addEncounter(chart, { type: 'Annual physical', start: '2025-03-01T09:00:00.000Z' }, nurse);
    signNote(chart, signed, doc);
    addEncounter(chart, { type: 'Phone call', start: '2025-07-01T09:00:00.000Z' }, nurse);
    const voided = addEncounter(chart, { type: 'Office visit', start: '2025-08-01T09:00:00.000Z' }, doc);
    markEnteredInError(chart, 'encounters', voided, 'Wrong patient', doc);

    const f = measureFactsOf(patient, chart, PID);
    expect(f.birthDate).toBe('1960-05-05');
    expect(f.gender).toBe('female');
    expect(f.conditions).toEqual([{ codes: ['icd10|E11.9'], onset: '2018-03-01', abatement: '' }]);
    // Read in creation order (same millisecond: by random id), so sorted here by date.
    expect([...f.observations].sort((a, b) => a.date.localeCompare(b.date)).map((o) => [o.date, o.codes[0], o.value ?? o.components.map((c) => c.value).join('/')])).toEqual([
      ['2025-03-01', 'loinc|85354-9', '128/78'],
      ['2025-05-02', 'loinc|4548-4', 7.2]
    ]);
    expect(f.events).toEqual([
      { kind: 'procedure', codes: ['sct|73761001'], text: 'Colonoscopy', date: '2020-02-02' },
      { kind: 'medication', codes: [], text: 'Varenicline 1 mg tablet', date: '2025-02-01' }
    ]);
    // The signed visit is the signer's; an unsigned one is whoever opened it.
    expect(f.encounters.sort((a, b) => a.date.localeCompare(b.date))).toEqual([
      { date: '2025-03-01', type: 'Annual physical', provider: 'Dr Amara Diallo' },
      { date: '2025-07-01', type: 'Phone call', provider: 'Nurse Kofi' }
    ]);
  });

  it('a patient without a chart has demographics and nothing else', () => {
    const { patient } = docs();
    expect(measureFactsOf(patient, null, PID)).toEqual({ patientId: PID, birthDate: '1960-05-05', gender: 'female', conditions: [], observations: [], events: [], encounters: [] });
  });

  it('reads entries field by field: a field of the wrong type is absent, an entry without a code or date is left out, schema defaults apply', () => {
    const { patient, chart } = docs();
    const HBA1C = { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] };
    // Written as a broken client would, straight into the document (putClinical would refuse them).
    const raw = (collection: string, id: string, fields: Record<string, unknown>) => {
      const e = new Y.Map<unknown>();
      chart.getMap(collection).set(id, e);
      for (const [k, v] of Object.entries({ createdAt: `2025-01-01T00:00:0${id.slice(-1)}.000Z`, ...fields })) e.set(k, v);
    };
    raw('observations', 'o1', { code: HBA1C, effectiveDateTime: '2025-02-01T08:00:00.000Z', valueQuantity: { value: '7.9', unit: '%' } });
    raw('observations', 'o2', { code: HBA1C, effectiveDateTime: '2025-03-01T08:00:00.000Z', valueInteger: 8.5 });
    raw('observations', 'o3', { code: 'HbA1c', effectiveDateTime: '2025-04-01T08:00:00.000Z', valueQuantity: { value: 9, unit: '%' } });
    raw('observations', 'o4', { status: 'registered', code: HBA1C, effectiveDateTime: '2025-05-01T08:00:00.000Z', valueQuantity: { value: 9.1, unit: '%' } });
    raw('observations', 'o5', { code: HBA1C, effectiveDateTime: 20250601, valueQuantity: { value: 9.2, unit: '%' } });
    raw('observations', 'o6', { code: HBA1C, effectiveDateTime: '2025-07-01T08:00:00.000Z', valueQuantity: { value: 6.4, unit: '%' } });
    raw('procedures', 'p1', { code: { text: 'Colonoscopy', coding: [{ system: 'http://snomed.info/sct', code: 73761001 }, { system: 'http://snomed.info/sct', code: '73761001' }] }, performedPeriod: { end: '2021-09-09' } });
    raw('procedures', 'p2', { code: { coding: [{ system: 'http://snomed.info/sct', code: '73761001' }] }, performedPeriod: { start: '2022-09-09' } });
    chart.getMap('procedures').set('p3', 'not an entry');
    const f = measureFactsOf(patient, chart, PID);
    // No status reads as final (the schema's default); a value of the wrong type is absent; a code that is a
    // plain string, a status that is not a result's, a date that is not text: left out.
    expect(f.observations).toEqual([
      { codes: ['loinc|4548-4'], date: '2025-02-01', valueCodes: [], components: [] },
      { codes: ['loinc|4548-4'], date: '2025-03-01', valueCodes: [], components: [] },
      { codes: ['loinc|4548-4'], date: '2025-07-01', value: 6.4, unit: '%', valueCodes: [], components: [] }
    ]);
    // The coding whose code is a number is skipped, its twin kept; no status reads as completed; a procedure without text is left out.
    expect(f.events).toEqual([{ kind: 'procedure', codes: ['sct|73761001'], text: 'Colonoscopy', date: '2021-09-09' }]);
  });
});
