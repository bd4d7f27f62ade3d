import * as Y from 'yjs';
import { addAllergy, addCondition, addEncounter, initChartDoc, noteSection, signNote } from '../../src/lib/chart/chart-doc';
import { addClinical } from '../../src/lib/chart/clinical-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { addAppointment, initScheduleDoc, setAppointmentType, setProvider } from '../../src/lib/chart/schedule-doc';
import { recordVaccination } from '../../src/lib/chart/immunization-doc';
import { recordVitals } from '../../src/lib/chart/vitals-doc';
import type { App } from '../app';

/**
 * Test support: a patient whose chart holds both what a patient may see and
 * what they must not (a draft note, a staff comment, a preliminary result,
 * another patient's appointment), each marked with a distinctive word so a
 * test can look for it in what the server sends.
 */
export const MARKS = {
  signedNote: 'Signed note: ankle sprain, rest and ice',
  draftNote: 'DRAFT-ONLY suspect non-adherence, discuss',
  staffComment: 'STAFF-ONLY family disputes the history',
  preliminary: 'PRELIM-ONLY',
  otherPatientsType: 'OTHER-PATIENT-ONLY'
} as const;

const actor = { id: 'seed', name: 'Dr Amani Seed' };

export async function seedPortalPatient(app: App, clinicId: string, patientId: string, who: { family: string; given: string; birthDate: string }): Promise<void> {
  const patient = new Y.Doc();
  initPatientDoc(patient, patientId, { family: who.family, given: [who.given], birthDate: who.birthDate, gender: 'female' }, actor, `OP-${patientId.slice(0, 6)}`);
  const chart = new Y.Doc();
  initChartDoc(chart, patientId);
  addAllergy(chart, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Hives', recordedDate: '2026-01-05' }, actor);
  addCondition(chart, { text: 'Asthma', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J45.909', display: 'Asthma' }], note: MARKS.staffComment }, actor);
  addCondition(chart, { text: 'Depression', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F32.9', display: 'Major depressive disorder' }] }, actor);
  const signed = addEncounter(chart, { type: 'Office visit', reason: 'Ankle pain', start: '2026-03-02T09:00:00.000Z' }, actor);
  noteSection(chart, signed, 'subjective').insert(0, MARKS.signedNote);
  signNote(chart, signed, actor);
  const draft = addEncounter(chart, { type: 'Office visit', reason: 'Follow-up', start: '2026-04-02T09:00:00.000Z' }, actor);
  noteSection(chart, draft, 'assessment').insert(0, MARKS.draftNote);
  addClinical(
    chart,
    'observations',
    {
      status: 'final',
      category: 'laboratory',
      code: { text: 'Haemoglobin', coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' }] },
      effectiveDateTime: '2026-03-02T10:00:00.000Z',
      valueQuantity: { value: 10.1, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
      referenceRange: [{ low: { value: 12, unit: 'g/dL' }, high: { value: 15.5, unit: 'g/dL' } }]
    },
    actor
  );
  addClinical(chart, 'observations', { status: 'preliminary', category: 'laboratory', code: { text: MARKS.preliminary }, effectiveDateTime: '2026-04-02T10:00:00.000Z', valueString: 'pending' }, actor);
  recordVaccination(chart, { cvx: '115', date: '2026-03-02' }, actor);
  await app.sync.applyServerUpdate(`patient:${patientId}`, clinicId, Y.encodeStateAsUpdate(patient), 'seed', 'seed');
  await app.sync.applyServerUpdate(`chart:${patientId}`, clinicId, Y.encodeStateAsUpdate(chart), 'seed', 'seed');
}

/** The clinic's book with one appointment for `patientId` and one, of a type named OTHER-PATIENT-ONLY, for someone else. */
export async function seedSchedule(app: App, clinicId: string, patientId: string, otherPatientId: string): Promise<void> {
  const doc = new Y.Doc();
  initScheduleDoc(doc, clinicId, 'UTC');
  setProvider(doc, { id: 'dr-a', name: 'Dr Amani', active: true });
  setAppointmentType(doc, { id: 'check', name: 'Check-up', mode: 'in-person', minutes: 30 });
  setAppointmentType(doc, { id: 'other', name: MARKS.otherPatientsType, mode: 'in-person', minutes: 30 });
  addAppointment(doc, { providerId: 'dr-a', patientId, typeId: 'check', start: '2030-05-06T09:00:00.000Z' }, actor);
  addAppointment(doc, { providerId: 'dr-a', patientId: otherPatientId, typeId: 'other', start: '2030-05-06T10:00:00.000Z' }, actor);
  await app.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(doc), 'seed', 'seed');
}

/** Three sets of vital signs (blood pressure, pulse, weight) over a year, added to the chart `seedPortalPatient` made: the trends a patient sees. */
export async function seedVitals(app: Pick<App, 'sync'>, clinicId: string, patientId: string): Promise<void> {
  const state = await app.sync.readState(`chart:${patientId}`, clinicId);
  const chart = new Y.Doc();
  if (state) Y.applyUpdate(chart, state);
  recordVitals(chart, { systolic: 152, diastolic: 96, heartRate: 88, weight: 81.5 }, actor, '2025-11-04T09:00:00.000Z');
  recordVitals(chart, { systolic: 141, diastolic: 90, heartRate: 80, weight: 79 }, actor, '2026-03-02T09:10:00.000Z');
  recordVitals(chart, { systolic: 128, diastolic: 82, heartRate: 74, weight: 76.2 }, actor, '2026-09-15T09:05:00.000Z');
  await app.sync.applyServerUpdate(`chart:${patientId}`, clinicId, Y.encodeStateAsUpdate(chart), 'seed', 'seed');
}
