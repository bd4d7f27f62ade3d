import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { addEncounter, initChartDoc, markEnteredInError } from './chart-doc';
import { putClinical, putEntry } from './clinical-doc';
import { initPatientDoc } from './patient-doc';
import { reportingRecord } from './reporting-doc';

const dr = { id: 'u1', name: 'Dr. Test' };
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const condition = (code: string, recordedDate: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Condition',
  code: { text: code, coding: [{ system: ICD, code }] },
  clinicalStatus: 'active',
  verificationStatus: 'confirmed',
  onsetDate: '',
  abatementDate: '',
  note: '',
  recordedDate,
  ...extra
});

test('a visit’s diagnoses: its reason codes, problems linked to it, problems entered that day; not problems in error', () => {
  const id = crypto.randomUUID();
  const patient = new Y.Doc();
  initPatientDoc(patient, id, { family: 'Doe', given: ['Jo'], birthDate: '2022-05-01', gender: 'female' }, dr, 'MRN1');
  const chart = new Y.Doc();
  initChartDoc(chart, id);
  const imported = addEncounter(chart, { start: '2026-11-02T08:00:00.000Z' }, dr);
  // An imported visit carries its reason's coding (FHIR Encounter.reasonCode), as the Synthea import stores it.
  (chart.getMap('encounters').get(imported) as Y.Map<unknown>).set('reasonCoding', [{ system: ICD, code: 'J06.9' }]);
  const linkedTo = addEncounter(chart, { start: '2026-11-10T08:00:00.000Z' }, dr);
  putEntry(chart, 'conditions', 'c-linked', condition('R50.9', '2026-11-12', { encounterId: linkedTo }), dr);
  const sameDay = addEncounter(chart, { start: '2026-11-20T23:30:00.000Z' }, dr);
  putEntry(chart, 'conditions', 'c-day', condition('A09', '2026-11-20'), dr);
  putEntry(chart, 'conditions', 'c-err', condition('B54', '2026-11-20'), dr);
  markEnteredInError(chart, 'conditions', 'c-err', 'Wrong patient', dr);
  putClinical(chart, 'immunizations', 'i1', { status: 'completed', vaccineCode: { text: 'MMR', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '03' }] }, occurrenceDateTime: '2026-11-05' }, dr);
  putClinical(chart, 'immunizations', 'i2', { status: 'completed', vaccineCode: { text: 'Uncoded' }, occurrenceDateTime: '2026-11-05' }, dr);

  const r = reportingRecord(id, patient, chart);
  expect([r.sex, r.birthDate]).toEqual(['female', '2022-05-01']);
  const codesOf = (visitId: string) => r.visits.find((v) => v.id === visitId)?.diagnosisCodes;
  expect(codesOf(imported)).toEqual(['J06.9']);
  expect(codesOf(linkedTo)).toEqual(['R50.9']);
  expect(codesOf(sameDay)).toEqual(['A09']);
  expect(r.diagnoses.find((d) => d.id === 'c-err')?.verificationStatus).toBe('entered-in-error');
  expect(r.doses).toEqual([{ id: 'i1', cvx: '03', date: '2026-11-05', status: 'completed' }]);
});

test('a chart without demographics on the device: sex and age unknown, visits still read', () => {
  const id = crypto.randomUUID();
  const chart = new Y.Doc();
  initChartDoc(chart, id);
  addEncounter(chart, { class: 'home', start: '2026-11-02T08:00:00.000Z' }, dr);
  const r = reportingRecord(id, null, chart);
  expect([r.sex, r.birthDate, r.visits.length, r.visits[0].class]).toEqual(['unknown', '', 1, 'home']);
});
