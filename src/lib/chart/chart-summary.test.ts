import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, addCondition, initChartDoc, markEnteredInError, updateCondition } from './chart-doc';
import { addImmunization, addMedication } from './clinical-doc';
import { recordNoKnownAllergies } from './allergy-status';
import { addCareTeamMember } from './care-team';
import { recordVitals } from './vitals-doc';
import { chartSummary } from './chart-summary';

const dr = { id: 'u1', name: 'Dr. Test' };

test('the summary shows what is current: active problems and medications, current allergies, last vitals, latest dose per vaccine, care team', () => {
  const doc = new Y.Doc();
  initChartDoc(doc, '4384bf23-1dc3-48ca-8c84-89fbaff201ae');
  expect(chartSummary(doc)).toMatchObject({ problems: [], allergies: [], allergyStatus: { kind: 'not-asked' }, latestVitals: [], careTeam: [] });

  recordNoKnownAllergies(doc, dr, 0);
  expect(chartSummary(doc).allergyStatus.kind).toBe('no-known-allergies');

  addCondition(doc, { text: 'Essential hypertension' }, dr);
  const gone = addCondition(doc, { text: 'Acute sinusitis' }, dr);
  updateCondition(doc, gone, { clinicalStatus: 'resolved' }, dr);
  const wrong = addAllergy(doc, { substance: 'Sulfa', category: 'medication' }, dr);
  markEnteredInError(doc, 'allergies', wrong, 'Wrong patient', dr);
  addMedication(doc, { medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' }, authoredOn: '2024-01-01' }, dr);
  addMedication(doc, { medicationCodeableConcept: { text: 'Amoxicillin 500 MG' }, authoredOn: '2023-01-01', status: 'completed' }, dr);
  const flu = { text: 'Influenza', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] };
  addImmunization(doc, { vaccineCode: flu, occurrenceDateTime: '2023-10-01' }, dr);
  addImmunization(doc, { vaccineCode: flu, occurrenceDateTime: '2024-10-01' }, dr);
  recordVitals(doc, { systolic: 150, diastolic: 95 }, dr, '2024-01-01T09:00:00.000Z');
  recordVitals(doc, { systolic: 128, diastolic: 82, heartRate: 70 }, dr, '2024-06-01T09:00:00.000Z');
  addCareTeamMember(doc, { name: 'Dr. Test', role: 'Primary care physician', since: '2020-01-01' }, dr);

  const s = chartSummary(doc);
  expect(s.problems.map((p) => p.code.text)).toEqual(['Essential hypertension']);
  expect(s.allergies).toEqual([]);
  expect(s.allergyStatus.kind).toBe('no-known-allergies'); // an allergy entered in error does not end it
  expect(s.medications.map((m) => m.medicationCodeableConcept.text)).toEqual(['Lisinopril 10 MG Oral Tablet']);
  expect(s.immunizations.map((i) => i.occurrenceDateTime)).toEqual(['2024-10-01']);
  expect(s.latestVitals.find((r) => r.kind === 'bloodPressure')).toMatchObject({ value: 128, diastolic: 82 });
  expect(s.careTeam.map((m) => m.name)).toEqual(['Dr. Test']);
});
