import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, addEncounter, initChartDoc, noteSection, signNote } from '../../src/lib/chart/chart-doc';
import { putClinical, putEntry } from '../../src/lib/chart/clinical-doc';
import { recordVaccination } from '../../src/lib/chart/immunization-doc';
import { prescribe } from '../../src/lib/chart/medication-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { printedTransfer } from '../../src/lib/fhir/export/transfer-print';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * The printed transfer's text, read from the very document the server
 * answers a print with (and its QR link carries): a chart written with the
 * chart's own functions comes out as the sections a person reads, with
 * literal rows, the reason and the chosen note's text.
 */

const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const ENC = '91111111-1111-4111-8111-111111111111';
const ENC_OTHER = '92222222-2222-4222-8222-222222222222';

let app: TestApp;
let doc: string;

beforeAll(async () => {
  app = await startTestApp();
  const { clinicId, ids } = await addClinic(app, 'Hill Clinic', [{ username: 'doc', roles: ['clinician'] }]);
  const actor = { id: ids.doc, name: 'Dr Doc' };
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1980-04-02', gender: 'female' }, actor, 'OP-1');
  const chart = new Y.Doc();
  initChartDoc(chart, PID);
  addAllergy(chart, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Hives', recordedDate: '2026-01-05' }, actor);
  putEntry(chart, 'conditions', crypto.randomUUID(), { resourceType: 'Condition', code: { text: 'Hypertension', coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2020-03-01', abatementDate: '', note: '', recordedDate: '2026-01-05' }, actor);
  putEntry(chart, 'conditions', crypto.randomUUID(), { resourceType: 'Condition', code: { text: 'Acute bronchitis' }, clinicalStatus: 'resolved', verificationStatus: 'confirmed', onsetDate: '2018-11-02', abatementDate: '2018-12-01', note: '', recordedDate: '2018-11-02' }, actor);
  putClinical(chart, 'observations', crypto.randomUUID(), { status: 'final', category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: '2026-02-03T08:00:00.000Z', valueQuantity: { value: 7.1, unit: '%' } }, actor);
  recordVaccination(chart, { cvx: '140', date: '2025-10-01', lotNumber: 'LOT9', site: 'LD', route: 'IM' }, actor);
  prescribe(chart, {
    medicationCodeableConcept: { text: 'Amlodipine 5 mg tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }] },
    dosage: { text: '1 tablet once daily', route: { text: 'Oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 1, period: 1, periodUnit: 'd' }, asNeeded: false },
    dispense: { quantity: { value: 30, unit: 'tablet' }, numberOfRepeatsAllowed: 2, expectedSupplyDuration: 30 }
  }, actor);
  addEncounter(chart, { type: 'Office visit', reason: 'Review', start: '2026-02-01T09:00:00.000Z' }, actor, ENC);
  noteSection(chart, ENC, 'subjective').insert(0, 'Feels well');
  signNote(chart, ENC, actor);
  addEncounter(chart, { type: 'Phone call', start: '2026-02-03T09:00:00.000Z' }, actor, ENC_OTHER);
  noteSection(chart, ENC_OTHER, 'subjective').insert(0, 'Not chosen');
  signNote(chart, ENC_OTHER, actor);
  await app.sync.applyServerUpdate(`patient:${PID}`, clinicId, Y.encodeStateAsUpdate(patient), ids.doc, 'seed');
  await app.sync.applyServerUpdate(`chart:${PID}`, clinicId, Y.encodeStateAsUpdate(chart), ids.doc, 'seed');
  doc = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

describe('printed transfer', () => {
  it('reads the print answer back into the sections, reason and chosen note a person reads', async () => {
    const res = await fetch(`${app.url}/api/patients/${PID}/transfer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: doc },
      body: JSON.stringify({ print: true, reason: 'Asthma follow-up near home', noteIds: [ENC] })
    });
    expect(res.status).toBe(200);
    const { bundle } = (await res.json()) as { bundle: Record<string, unknown> };
    const p = printedTransfer(bundle);
    expect(p.patient).toEqual({ name: 'Ada Okafor', birthDate: '1980-04-02', gender: 'female', identifiers: ['OP-1'] });
    expect(p.from).toBe('Hill Clinic');
    expect(p.reason).toBe('Asthma follow-up near home');
    expect(p.sections.map((s) => [s.title, s.rows])).toEqual([
      ['Problems', [['Hypertension', 'active', '2020-03-01']]],
      ['Allergies and intolerances', [['Penicillin', 'active', 'high', 'Hives']]],
      ['Medications', [['Amlodipine 5 mg tablet', 'active', '1 tablet once daily', expect.stringMatching(/^\d{4}-\d{2}-\d{2}/)]]],
      ['Immunizations', [[expect.any(String), '2025-10-01', 'LOT9']]],
      ['Results', [['HbA1c', '7.1 %', '2026-02-03T08:00:00.000Z']]],
      ['Vital signs', []],
      ['History of past illness', [['Acute bronchitis', 'resolved', '2018-11-02']]]
    ]);
    expect(p.sections.find((s) => s.title === 'Vital signs')!.empty).toBe(true);
    expect(p.notes).toHaveLength(1);
    expect(p.notes[0]).toMatchObject({ title: 'Visit note' });
    expect(p.notes[0].text).toContain('Feels well');
    expect(p.notes[0].text).not.toContain('Not chosen');
  });

  it('a document without a Composition is refused plainly', () => {
    expect(() => printedTransfer({ resourceType: 'Bundle', type: 'document', entry: [] })).toThrow('The transfer document has no Composition');
  });
});
