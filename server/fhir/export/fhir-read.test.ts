import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { recordNoKnownAllergies } from '../../../src/lib/chart/allergy-status';
import { addAddendum, addAllergy, addEncounter, initChartDoc, markEnteredInError, noteSection, signNote } from '../../../src/lib/chart/chart-doc';
import { putClinical, putEntry } from '../../../src/lib/chart/clinical-doc';
import { recordVaccination } from '../../../src/lib/chart/immunization-doc';
import { prescribe } from '../../../src/lib/chart/medication-doc';
import { placeOrder } from '../../../src/lib/chart/order-doc';
import { initPatientDoc } from '../../../src/lib/chart/patient-doc';
import { markObservationsEnteredInError, recordVitals } from '../../../src/lib/chart/vitals-doc';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../../http/test-app';
import { SYNTHEA_DIR } from '../../seed/synthea';

/**
 * The FHIR read API on the real server: a chart written with the chart's own
 * functions is read back as FHIR (literal expected resources), every search
 * parameter matches and misses, paging walks the whole set, roles and
 * clinics get their refusals, reads are audited, and a Synthea bundle
 * imported through POST /fhir/R4 comes back out with its values.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const PID2 = '1c8f2a4b-6d3e-4f90-8b2c-3d4e5f6a7b81';
const ALLERGY = 'a1111111-1111-4111-8111-111111111111';
const ALLERGY_ERR = 'a2222222-2222-4222-8222-222222222222';
const COND = 'c1111111-1111-4111-8111-111111111111';
const COND_OLD = 'c2222222-2222-4222-8222-222222222222';
const LAB = 'b1111111-1111-4111-8111-111111111111';
const IMM = 'd1111111-1111-4111-8111-111111111111';
const RX = 'e1111111-1111-4111-8111-111111111111';
const ORDER = 'f1111111-1111-4111-8111-111111111111';
const ENC = '91111111-1111-4111-8111-111111111111';
const ENC_DRAFT = '92222222-2222-4222-8222-222222222222';
const ADDENDUM = '93333333-3333-4333-8333-333333333333';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

let app: TestApp;
let clinicId: string;
let ids: Record<string, string>;
let doc: string;
let nurse: string;
let desk: string;
let southDoc: string;
let vitalIds: string[];
let oldVitalIds: string[];

function at(iso: string) {
  vi.setSystemTime(new Date(iso));
}

async function seed(): Promise<void> {
  const actor = { id: ids.doc, name: 'Dr Doc' };
  vi.useFakeTimers({ toFake: ['Date'] });
  at('2026-01-05T10:00:00.000Z');
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1980-04-02', gender: 'female', phone: '555-0100', city: 'Lagos', postalCode: '10001', addressLine: '1 Main St' }, actor, 'OP-1234');
  const patient2 = new Y.Doc();
  initPatientDoc(patient2, PID2, { family: 'Bello', given: ['Tunde'], birthDate: '1975-01-01', gender: 'male' }, actor, 'OP-5678');

  const chart = new Y.Doc();
  initChartDoc(chart, PID);
  addAllergy(chart, { substance: 'Penicillin', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'Penicillin G' }], category: 'medication', criticality: 'high', reaction: 'Hives', severity: 'moderate', recordedDate: '2026-01-05' }, actor, ALLERGY);
  addAllergy(chart, { substance: 'Peanut', category: 'food', recordedDate: '2026-01-05' }, actor, ALLERGY_ERR);
  markEnteredInError(chart, 'allergies', ALLERGY_ERR, 'Wrong patient', actor);
  putEntry(chart, 'conditions', COND, { resourceType: 'Condition', code: { text: 'Hypertension', coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertensive disorder' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2020-03-01', abatementDate: '', note: 'Home readings high', recordedDate: '2026-01-05' }, actor);
  putEntry(chart, 'conditions', COND_OLD, { resourceType: 'Condition', code: { text: 'Acute bronchitis', coding: [{ system: 'http://snomed.info/sct', code: '10509002' }] }, clinicalStatus: 'resolved', verificationStatus: 'confirmed', onsetDate: '2018-11-02', abatementDate: '2018-12-01', note: '', recordedDate: '2018-11-02' }, actor);
  at('2026-02-01T09:00:00.000Z');
  vitalIds = recordVitals(chart, { systolic: 150, diastolic: 95, heartRate: 72 }, actor, '2026-02-01T09:00:00.000Z');
  oldVitalIds = recordVitals(chart, { heartRate: 80 }, actor, '2025-02-01T09:00:00.000Z');
  markObservationsEnteredInError(chart, oldVitalIds, 'Other patient', actor);
  putClinical(chart, 'observations', LAB, { status: 'final', category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: LOINC, code: '4548-4' }] }, effectiveDateTime: '2026-02-03T08:00:00.000Z', valueQuantity: { value: 7.1, unit: '%', system: UCUM, code: '%' }, basedOn: [ORDER] }, actor);
  recordVaccination(chart, { cvx: '140', date: '2025-10-01', lotNumber: 'LOT9', site: 'LD', route: 'IM' }, actor, IMM);
  placeOrder(chart, { code: '4548-4', priority: 'routine', reason: 'Diabetes follow-up' }, { actor, roles: ['clinician'] }, ORDER);
  prescribe(chart, {
    medicationCodeableConcept: { text: 'Amlodipine 5 mg tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }] },
    dosage: { text: '1 tablet once daily', route: { text: 'Oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 1, period: 1, periodUnit: 'd' }, asNeeded: false },
    dispense: { quantity: { value: 30, unit: 'tablet' }, numberOfRepeatsAllowed: 2, expectedSupplyDuration: 30 }
  }, actor, RX);
  addEncounter(chart, { type: 'Office visit', reason: 'Blood pressure review', start: '2026-02-01T09:00:00.000Z' }, actor, ENC);
  noteSection(chart, ENC, 'subjective').insert(0, 'Feels well');
  noteSection(chart, ENC, 'plan').insert(0, 'Start amlodipine');
  at('2026-02-01T09:30:00.000Z');
  signNote(chart, ENC, actor);
  at('2026-02-02T08:00:00.000Z');
  addAddendum(chart, ENC, 'Potassium normal', actor, ADDENDUM);
  addEncounter(chart, { type: 'Phone call', start: '2026-02-04T09:00:00.000Z' }, actor, ENC_DRAFT);
  noteSection(chart, ENC_DRAFT, 'subjective').insert(0, 'Draft text never exported');

  const chart2 = new Y.Doc();
  initChartDoc(chart2, PID2);
  recordNoKnownAllergies(chart2, actor, 0, '2025-06-01T10:00:00.000Z');
  vi.useRealTimers();

  for (const [name, d] of [[`patient:${PID}`, patient], [`chart:${PID}`, chart], [`patient:${PID2}`, patient2], [`chart:${PID2}`, chart2]] as const) {
    await app.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(d), ids.doc, 'seed');
  }
}

beforeAll(async () => {
  app = await startTestApp();
  ({ clinicId, ids } = await addClinic(app, 'North Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'nurse', roles: ['nurse'] },
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'portal', roles: ['patient'] }
  ]));
  await addClinic(app, 'South Clinic', [{ username: 'southdoc', roles: ['clinician'] }]);
  await seed();
  doc = await sessionCookieFor(app.url, 'doc');
  nurse = await sessionCookieFor(app.url, 'nurse');
  desk = await sessionCookieFor(app.url, 'desk');
  southDoc = await sessionCookieFor(app.url, 'southdoc');
});

afterAll(async () => {
  await app.stop();
});

async function get(pathname: string, cookie: string | null = doc): Promise<{ status: number; body: Json; type: string | null }> {
  const res = await fetch(pathname.startsWith('http') ? pathname : `${app.url}${pathname}`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, body: (await res.json()) as Json, type: res.headers.get('content-type') };
}
const idsOf = (bundle: Json) => (bundle.entry ?? []).filter((e: Json) => e.search?.mode === 'match').map((e: Json) => e.resource.id as string).sort();
const search = async (q: string, cookie: string | null = doc) => {
  const r = await get(`/fhir/R4/${q}`, cookie);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

describe('read: literal resources of the seeded chart', () => {
  it('Patient', async () => {
    const r = await get(`/fhir/R4/Patient/${PID}`);
    expect(r.status).toBe(200);
    expect(r.type).toContain('application/fhir+json');
    expect(r.body).toEqual({
      resourceType: 'Patient',
      id: PID,
      meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] },
      identifier: [{ use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] }, system: 'urn:outpost:mrn', value: 'OP-1234' }],
      name: [{ use: 'official', family: 'Okafor', given: ['Ada'] }],
      telecom: [{ system: 'phone', value: '555-0100' }],
      gender: 'female',
      birthDate: '1980-04-02',
      address: [{ line: ['1 Main St'], city: 'Lagos', postalCode: '10001' }]
    });
  });

  it('AllergyIntolerance, and one entered in error keeps its status and loses clinicalStatus', async () => {
    expect((await get(`/fhir/R4/AllergyIntolerance/${ALLERGY}`)).body).toEqual({
      resourceType: 'AllergyIntolerance',
      id: ALLERGY,
      meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-allergyintolerance'] },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
      category: ['medication'],
      criticality: 'high',
      code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'Penicillin G' }], text: 'Penicillin' },
      patient: { reference: `Patient/${PID}` },
      recordedDate: '2026-01-05',
      reaction: [{ manifestation: [{ text: 'Hives' }], severity: 'moderate' }]
    });
    const err = (await get(`/fhir/R4/AllergyIntolerance/${ALLERGY_ERR}`)).body;
    expect(err.verificationStatus.coding[0].code).toBe('entered-in-error');
    expect(err).not.toHaveProperty('clinicalStatus');
  });

  it('Condition with the problem-list-item category', async () => {
    expect((await get(`/fhir/R4/Condition/${COND}`)).body).toEqual({
      resourceType: 'Condition',
      id: COND,
      meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition'] },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertensive disorder' }], text: 'Hypertension' },
      subject: { reference: `Patient/${PID}` },
      onsetDateTime: '2020-03-01',
      recordedDate: '2026-01-05',
      note: [{ text: 'Home readings high' }]
    });
  });

  it('blood pressure as a vital-signs Observation with LOINC components in UCUM', async () => {
    expect((await get(`/fhir/R4/Observation/${vitalIds[0]}`)).body).toEqual({
      resourceType: 'Observation',
      id: vitalIds[0],
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
      code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure' }], text: 'Blood pressure' },
      subject: { reference: `Patient/${PID}` },
      effectiveDateTime: '2026-02-01T09:00:00.000Z',
      performer: [{ display: 'Dr Doc' }],
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }], text: 'Systolic blood pressure' }, valueQuantity: { value: 150, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }], text: 'Diastolic blood pressure' }, valueQuantity: { value: 95, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } }
      ]
    });
    expect((await get(`/fhir/R4/Observation/${oldVitalIds[0]}`)).body.status).toBe('entered-in-error');
  });

  it('MedicationRequest with the structured directions the pharmacy gets', async () => {
    expect((await get(`/fhir/R4/MedicationRequest/${RX}`)).body).toEqual({
      resourceType: 'MedicationRequest',
      id: RX,
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }], text: 'Amlodipine 5 mg tablet' },
      subject: { reference: `Patient/${PID}` },
      authoredOn: '2026-02-01T09:00:00.000Z',
      requester: { reference: `Practitioner/${ids.doc}`, display: 'Dr Doc' },
      dosageInstruction: [{ text: '1 tablet once daily', route: { text: 'Oral' }, asNeededBoolean: false, timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }],
      dispenseRequest: { quantity: { value: 30, unit: 'tablet' }, numberOfRepeatsAllowed: 2, expectedSupplyDuration: { value: 30, unit: 'days' } }
    });
  });

  it('signed note and addendum as DocumentReferences; the draft note is not exported', async () => {
    const note = (await get(`/fhir/R4/DocumentReference/${ENC}`)).body;
    expect({ ...note, content: undefined }).toEqual({
      resourceType: 'DocumentReference',
      id: ENC,
      status: 'current',
      docStatus: 'amended',
      type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }], text: 'Progress note' },
      category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }] }],
      subject: { reference: `Patient/${PID}` },
      date: '2026-02-01T09:30:00.000Z',
      author: [{ display: 'Dr Doc' }],
      authenticator: { display: 'Dr Doc' },
      description: 'Visit note',
      context: { encounter: [{ reference: `Encounter/${ENC}` }] },
      content: undefined
    });
    expect(note.content[0].attachment.contentType).toBe('text/plain; charset=utf-8');
    expect(Buffer.from(note.content[0].attachment.data, 'base64').toString('utf8')).toBe('Subjective:\nFeels well\n\nObjective:\n\n\nAssessment:\n\n\nPlan:\nStart amlodipine');
    const add = (await get(`/fhir/R4/DocumentReference/${ADDENDUM}`)).body;
    expect(add.relatesTo).toEqual([{ code: 'appends', target: { reference: `DocumentReference/${ENC}` } }]);
    expect(Buffer.from(add.content[0].attachment.data, 'base64').toString('utf8')).toBe('Potassium normal');
    expect((await get(`/fhir/R4/DocumentReference/${ENC_DRAFT}`)).status).toBe(404);
    // Positive control: the draft's visit itself is exported.
    expect((await get(`/fhir/R4/Encounter/${ENC_DRAFT}`)).body.status).toBe('in-progress');
    const docs = await search(`DocumentReference?patient=${PID}`);
    expect(idsOf(docs)).toEqual([ADDENDUM, ENC].sort());
  });

  it('ServiceRequest, Immunization and the no-known-allergies statement', async () => {
    const order = (await get(`/fhir/R4/ServiceRequest/${ORDER}`)).body;
    expect(order).toMatchObject({ status: 'active', intent: 'order', priority: 'routine', code: { coding: [{ system: LOINC, code: '4548-4' }] }, reasonCode: [{ text: 'Diabetes follow-up' }] });
    const imm = (await get(`/fhir/R4/Immunization/${IMM}`)).body;
    expect(imm).toMatchObject({ status: 'completed', occurrenceDateTime: '2025-10-01', lotNumber: 'LOT9', primarySource: true, vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] } });
    const nka = await search(`AllergyIntolerance?patient=${PID2}`);
    expect(nka.entry).toHaveLength(1);
    expect(nka.entry[0].resource.code.coding).toEqual([{ system: 'http://snomed.info/sct', code: '716186003', display: 'No known allergy' }]);
    expect(nka.entry[0].resource.clinicalStatus.coding[0].code).toBe('active');
  });
});

describe('search parameters: each matches and misses', () => {
  const cases: [string, string[], string[]][] = [
    // [query, expected ids (by name), query that must miss]
    [`Condition?patient=${PID}&clinical-status=active`, [COND], [`Condition?patient=${PID}&clinical-status=inactive`]],
    [`Condition?subject=Patient/${PID}&code=http://snomed.info/sct|38341003`, [COND], [`Condition?patient=${PID}&code=http://loinc.org|38341003`]],
    [`Condition?patient=${PID}&code=10509002`, [COND_OLD], [`Condition?patient=${PID}&code=99999`]],
    [`Condition?patient=${PID}&category=problem-list-item`, [COND, COND_OLD], [`Condition?patient=${PID}&category=encounter-diagnosis`]],
    [`Condition?patient=${PID}&onset-date=ge2019`, [COND], [`Condition?patient=${PID}&onset-date=gt2020-03-01`]],
    [`Condition?patient=${PID}&onset-date=lt2019-01-01`, [COND_OLD], [`Condition?patient=${PID}&onset-date=lt2018-11-02`]],
    [`Condition?patient=${PID}&onset-date=eq2020-03`, [COND], [`Condition?patient=${PID}&onset-date=2020-04`]],
    [`Condition?patient=${PID}&onset-date=le2018-11-02`, [COND_OLD], [`Condition?patient=${PID}&onset-date=le2018-11-01`]],
    [`Condition?patient=${PID}&_id=${COND}`, [COND], [`Condition?patient=${PID}&_id=${ALLERGY}`]],
    [`AllergyIntolerance?patient=${PID}&clinical-status=active`, [ALLERGY], [`AllergyIntolerance?patient=${PID}&clinical-status=resolved`]],
    [`AllergyIntolerance?patient=${PID}&category=food`, [ALLERGY_ERR], [`AllergyIntolerance?patient=${PID}&category=biologic`]],
    [`Observation?patient=${PID}&category=laboratory`, [LAB], [`Observation?patient=${PID}&category=survey`]],
    [`Observation?patient=${PID}&code=http://loinc.org|4548-4`, [LAB], [`Observation?patient=${PID}&code=http://snomed.info/sct|4548-4`]],
    [`Observation?patient=${PID}&status=entered-in-error`, ['old-hr'], [`Observation?patient=${PID}&status=amended`]],
    [`Observation?patient=${PID}&date=2026-02-03`, [LAB], [`Observation?patient=${PID}&date=2026-02-04`]],
    [`Observation?patient=${PID}&date=lt2026&category=vital-signs`, ['old-hr'], [`Observation?patient=${PID}&date=lt2025-02-01`]],
    [`MedicationRequest?patient=${PID}&status=active&authoredon=2026-02`, [RX], [`MedicationRequest?patient=${PID}&status=stopped`]],
    [`Immunization?patient=${PID}&vaccine-code=http://hl7.org/fhir/sid/cvx|140&date=ge2025-10-01`, [IMM], [`Immunization?patient=${PID}&date=gt2025-10-01`]],
    [`ServiceRequest?patient=${PID}&status=active&category=108252007&code=4548-4`, [ORDER], [`ServiceRequest?patient=${PID}&category=363679005`]],
    [`Encounter?patient=${PID}&status=finished&date=2026-02-01`, [ENC], [`Encounter?patient=${PID}&status=cancelled`]],
    [`DocumentReference?patient=${PID}&status=current&category=clinical-note&type=http://loinc.org|11506-3&date=ge2026-02-02`, [ADDENDUM], [`DocumentReference?patient=${PID}&status=superseded`]],
    [`Patient?_id=${PID}`, [PID], [`Patient?_id=${'0'.repeat(8)}-0000-4000-8000-000000000000`]]
  ];
  it.each(cases)('%s', async (query, expected, misses) => {
    const want = expected.map((x) => (x === 'old-hr' ? oldVitalIds[0] : x)).sort();
    expect(idsOf(await search(query))).toEqual(want);
    for (const miss of misses) expect(idsOf(await search(miss))).toEqual([]);
  });

  it('_id alone finds the patient through the index', async () => {
    expect(idsOf(await search(`Observation?_id=${LAB}`))).toEqual([LAB]);
    expect(idsOf(await search(`Observation?_id=${'b'.repeat(8)}-0000-4000-8000-000000000000`))).toEqual([]);
  });

  it('_include=<Type>:patient adds the Patient once', async () => {
    const b = await search(`Condition?patient=${PID}&_include=Condition:patient`);
    expect(b.entry.filter((e: Json) => e.search.mode === 'include').map((e: Json) => e.resource.id)).toEqual([PID]);
    const without = await search(`Condition?patient=${PID}`);
    expect(without.entry.filter((e: Json) => e.search.mode === 'include')).toEqual([]);
  });

  it.each([
    ['unknown parameter', `Observation?patient=${PID}&foo=1`],
    ['parameter of another type', `Observation?patient=${PID}&clinical-status=active`],
    ['unsupported modifier', `Observation?patient=${PID}&code:text=HbA1c`],
    ['bad date', `Observation?patient=${PID}&date=ge2026-13`],
    ['ne prefix', `Observation?patient=${PID}&date=ne2026`],
    ['no patient', 'Observation?status=final'],
    ['other include', `Observation?patient=${PID}&_include=Observation:performer`],
    ['two patients', `Observation?patient=${PID},${PID2}`],
    ['bad _count', `Observation?patient=${PID}&_count=many`]
  ])('400 OperationOutcome for %s', async (_what, q) => {
    const r = await get(`/fhir/R4/${q}`);
    expect(r.status).toBe(400);
    expect(r.type).toContain('application/fhir+json');
    expect(r.body.resourceType).toBe('OperationOutcome');
    expect(r.body.issue[0].severity).toBe('error');
  });
});

describe('paging', () => {
  it('next links walk the whole set once, newest first', async () => {
    const all = await search(`Observation?patient=${PID}`);
    expect(all.total).toBe(4);
    const seen: string[] = [];
    let url: string | undefined = `${app.url}/fhir/R4/Observation?patient=${PID}&_count=1`;
    let pages = 0;
    while (url && pages < 10) {
      const page = await search(url.replace(`${app.url}/fhir/R4/`, ''));
      expect(page.total).toBe(4);
      expect(page.entry).toHaveLength(1);
      seen.push(...page.entry.map((e: Json) => e.resource.id));
      url = page.link.find((l: Json) => l.relation === 'next')?.url;
      pages++;
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(4);
    expect(seen).toEqual(all.entry.map((e: Json) => e.resource.id));
    expect(seen[0]).toBe(LAB);
    expect(seen[3]).toBe(oldVitalIds[0]);
  });
});

describe('who may read what', () => {
  it('unauthenticated: 401 OperationOutcome, metadata included', async () => {
    for (const p of [`/fhir/R4/Patient/${PID}`, '/fhir/R4/metadata', `/fhir/R4/Observation?patient=${PID}`]) {
      const r = await get(p, null);
      expect(r.status).toBe(401);
      expect(r.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('a nurse reads clinical resources', async () => {
    expect((await get(`/fhir/R4/Condition/${COND}`, nurse)).status).toBe(200);
    expect(idsOf(await search(`Condition?patient=${PID}`, nurse))).toEqual([COND, COND_OLD].sort());
  });

  it('the front desk reads the Patient but no clinical resource', async () => {
    expect((await get(`/fhir/R4/Patient/${PID}`, desk)).status).toBe(200);
    for (const p of [`/fhir/R4/Condition/${COND}`, `/fhir/R4/Observation?patient=${PID}`, `/fhir/R4/Patient/${PID}/$everything`]) {
      const r = await get(p, desk);
      expect(r.status).toBe(403);
      expect(r.body.issue[0].code).toBe('forbidden');
    }
  });

  it('a patient-portal session reads nothing here', async () => {
    const portal = await sessionCookieFor(app.url, 'portal');
    expect((await get(`/fhir/R4/Patient/${PID}`, portal)).status).toBe(403);
  });

  it("another clinic's clinician gets 404 (as for an unknown id), and the refusal is audited", async () => {
    const before = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = ?").get(`patient:${PID}`) as { n: number }).n;
    expect((await get(`/fhir/R4/Patient/${PID}`, southDoc)).status).toBe(404);
    expect((await get(`/fhir/R4/Condition/${COND}`, southDoc)).status).toBe(404);
    expect((await get(`/fhir/R4/Patient/${PID}/$everything`, southDoc)).status).toBe(404);
    expect(idsOf(await search(`Condition?patient=${PID}`, southDoc))).toEqual([]);
    const after = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = ?").get(`patient:${PID}`) as { n: number }).n;
    expect(after).toBeGreaterThan(before);
    // Positive control: the same reads succeed for this clinic's clinician.
    expect((await get(`/fhir/R4/Condition/${COND}`)).status).toBe(200);
  });

  it('an unknown type is 404 not-supported', async () => {
    const r = await get('/fhir/R4/Coverage?patient=x');
    expect(r.status).toBe(404);
    expect(r.body.issue[0].code).toBe('not-supported');
  });
});

describe('audit', () => {
  it('each read is audited with type, interaction and patient, and no content', async () => {
    await get(`/fhir/R4/Condition/${COND}`, nurse);
    await search(`Observation?patient=${PID}&category=laboratory`, nurse);
    const rows = app.db
      .prepare("SELECT target, detail FROM audit_log WHERE action = 'fhir.read' AND user_id = ? ORDER BY seq DESC LIMIT 2")
      .all(ids.nurse) as { target: string; detail: string }[];
    expect(rows.map((r) => ({ target: r.target, detail: JSON.parse(r.detail) }))).toEqual([
      { target: `chart:${PID}`, detail: { interaction: 'search', resourceType: 'Observation', count: 1 } },
      { target: `chart:${PID}`, detail: { interaction: 'read', resourceType: 'Condition', count: 1 } }
    ]);
    const text = JSON.stringify(app.db.prepare("SELECT * FROM audit_log WHERE action = 'fhir.read'").all());
    for (const secret of ['Okafor', 'Hypertension', 'Feels well', '1980-04-02']) expect(text).not.toContain(secret);
  });
});

describe('metadata', () => {
  it('lists exactly the served types, their params and US Core only where claimed', async () => {
    const r = await get('/fhir/R4/metadata');
    expect(r.status).toBe(200);
    const cs = r.body;
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['application/fhir+json'] });
    const res = cs.rest[0].resource as Json[];
    expect(res.map((x) => x.type).sort()).toEqual(
      ['AllergyIntolerance', 'CarePlan', 'Claim', 'Condition', 'DiagnosticReport', 'DocumentReference', 'Encounter', 'Group', 'Immunization', 'Measure', 'MedicationRequest', 'MedicationStatement', 'Observation', 'Patient', 'Procedure', 'Questionnaire', 'ServiceRequest', 'Task'].sort()
    );
    // Group is there for $export only.
    expect(res.find((x) => x.type === 'Group')).toMatchObject({ interaction: [], operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }] });
    expect(cs.rest[0].operation).toMatchObject([{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }]);
    expect(cs.instantiates).toEqual(['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data']);
    expect(cs.rest[0].interaction.map((i: Json) => i.code)).toEqual(['transaction']);
    expect(cs.rest[0].interaction[0].documentation).toContain('document or collection Bundle sent by another clinic');
    expect(res.filter((x) => x.supportedProfile).map((x) => x.type).sort()).toEqual(['AllergyIntolerance', 'Condition', 'Patient']);
    const obs = res.find((x) => x.type === 'Observation')!;
    expect(obs.searchParam.map((p: Json) => p.name).sort()).toEqual(['_count', '_id', 'category', 'code', 'date', 'patient', 'status', 'subject']);
    expect(obs.searchInclude).toEqual(['Observation:patient']);
    expect(res.find((x) => x.type === 'Patient')!.operation.map((o: Json) => [o.name, o.definition])).toEqual([
      ['everything', 'http://hl7.org/fhir/OperationDefinition/Patient-everything'],
      ['summary', 'http://hl7.org/fhir/uv/ips/OperationDefinition/summary'],
      ['export', 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export']
    ]);
  });
});

/** Structural checks of FHIR R4 JSON: required elements and cardinalities of the base spec for the types checked. */
function structuralProblems(r: Json): string[] {
  const out: string[] = [];
  const need = (path: string, ok: boolean) => !ok && out.push(`${r.resourceType}.${path}`);
  const isArr = (v: unknown) => Array.isArray(v) && v.length > 0;
  need('id', typeof r.id === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(r.id));
  for (const [k, v] of Object.entries(r)) need(`${k} (empty)`, !(v === '' || v === null || (Array.isArray(v) && v.length === 0)));
  switch (r.resourceType) {
    case 'Observation':
      need('status', typeof r.status === 'string');
      need('code', !!r.code);
      need('category 0..*', r.category === undefined || isArr(r.category));
      for (const c of r.component ?? []) need('component.code', !!c.code);
      break;
    case 'Condition':
      need('subject', typeof r.subject?.reference === 'string');
      need('clinicalStatus vs entered-in-error (con-5)', !(r.clinicalStatus && r.verificationStatus?.coding?.[0]?.code === 'entered-in-error'));
      break;
    case 'AllergyIntolerance':
      need('patient', typeof r.patient?.reference === 'string');
      for (const x of r.reaction ?? []) need('reaction.manifestation 1..*', isArr(x.manifestation));
      break;
    case 'MedicationRequest':
      need('status/intent/subject', !!r.status && !!r.intent && !!r.subject);
      need('medication[x]', !!r.medicationCodeableConcept || !!r.medicationReference);
      break;
    case 'Immunization':
      need('status/vaccineCode/patient/occurrence', !!r.status && !!r.vaccineCode && !!r.patient && !!(r.occurrenceDateTime || r.occurrenceString));
      break;
    case 'Encounter':
      need('status/class', !!r.status && typeof r.class?.code === 'string' && !Array.isArray(r.class));
      break;
    case 'DocumentReference':
      need('status', !!r.status);
      need('content 1..*', isArr(r.content) && r.content.every((c: Json) => !!c.attachment));
      break;
    case 'ServiceRequest':
      need('status/intent/subject', !!r.status && !!r.intent && !!r.subject);
      break;
    case 'Patient':
      break;
    default:
      break;
  }
  return out;
}

describe('$everything and a Synthea round trip', () => {
  it('$everything holds the whole chart, one of each id', async () => {
    const b = await search(`Patient/${PID}/$everything`);
    expect(b).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    const keys = b.entry.map((e: Json) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining([`Patient/${PID}`, `Condition/${COND}`, `MedicationRequest/${RX}`, `DocumentReference/${ENC}`, `ServiceRequest/${ORDER}`, `Immunization/${IMM}`]));
    expect(keys).not.toContain(`DocumentReference/${ENC_DRAFT}`);
    for (const e of b.entry) expect(structuralProblems(e.resource)).toEqual([]);
  });

  it('$everything right after each write holds it (new rows, a compaction between reads, an entry entered in error), and stays this clinic\'s', async () => {
    const pid = '7e1f3a5c-2d4e-4f8a-9b1c-2d3e4f5a6b70';
    const actor = { id: ids.doc, name: 'Dr Doc' };
    const writer = new Y.Doc();
    const patient = new Y.Doc();
    initPatientDoc(patient, pid, { family: 'Writes', given: ['Many'], birthDate: '1970-01-01', gender: 'female' }, actor, 'OP-W');
    initChartDoc(writer, pid);
    await app.sync.applyServerUpdate(`patient:${pid}`, clinicId, Y.encodeStateAsUpdate(patient), ids.doc, 'seed');
    let sent = Y.encodeStateVector(new Y.Doc());
    /** Stores what the writer did since the last call, as one row of the log. */
    const store = async () => {
      await app.sync.applyServerUpdate(`chart:${pid}`, clinicId, Y.encodeStateAsUpdate(writer, sent), ids.doc, 'seed');
      sent = Y.encodeStateVector(writer);
    };
    const condition = (id: string, text: string) =>
      putEntry(writer, 'conditions', id, { resourceType: 'Condition', code: { text }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2026-01-01', abatementDate: '', note: '', recordedDate: '2026-01-01' }, actor);
    const conditions = async () =>
      (await search(`Patient/${pid}/$everything`)).entry
        .filter((e: Json) => e.resource.resourceType === 'Condition')
        .map((e: Json) => `${e.resource.code.text} ${e.resource.verificationStatus.coding[0].code}`)
        .sort();
    const C1 = 'c7000000-0000-4000-8000-000000000001';
    const C2 = 'c7000000-0000-4000-8000-000000000002';
    const C3 = 'c7000000-0000-4000-8000-000000000003';
    condition(C1, 'Asthma');
    await store();
    expect(await conditions()).toEqual(['Asthma confirmed']);
    // One row after the read: applied to the chart read before.
    condition(C2, 'Eczema');
    await store();
    expect(await conditions()).toEqual(['Asthma confirmed', 'Eczema confirmed']);
    // Two rows: the store folds them into a new snapshot when it lets the document go.
    condition(C3, 'Migraine');
    await store();
    markEnteredInError(writer, 'conditions', C1, 'Wrong patient', actor);
    await store();
    expect(await conditions()).toEqual(['Asthma entered-in-error', 'Eczema confirmed', 'Migraine confirmed']);
    // Unchanged: the same answer again.
    expect(await conditions()).toEqual(['Asthma entered-in-error', 'Eczema confirmed', 'Migraine confirmed']);
    // Read just now by this clinic: another clinic still gets 404.
    expect((await get(`/fhir/R4/Patient/${pid}/$everything`, southDoc)).status).toBe(404);
  });

  it('the structural check catches a broken resource (control)', () => {
    expect(structuralProblems({ resourceType: 'Observation', id: 'x', code: { text: 'a' }, category: [] })).toEqual(['Observation.category (empty)', 'Observation.status', 'Observation.category 0..*']);
  });

  it('an imported Synthea bundle reads back with its codes, dates and values, kept resources included', async () => {
    const file = 'Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json';
    const bundle = JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8')) as Json;
    const res = await fetch(`${app.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', cookie: doc }, body: JSON.stringify(bundle) });
    expect(res.status).toBe(200);
    const tx = (await res.json()) as Json;
    const pid = tx.entry[0].response.location.split('/')[1] as string;

    const src = (type: string) => (bundle.entry as Json[]).map((e) => e.resource).filter((r) => r.resourceType === type);
    const obs = src('Observation').find((o) => o.valueQuantity && o.effectiveDateTime)!;
    const obsLoc = tx.entry[(bundle.entry as Json[]).findIndex((e) => e.resource === obs)].response.location as string;
    const back = (await get(`/fhir/R4/${obsLoc}`)).body;
    expect(back.code.coding[0]).toEqual({ system: obs.code.coding[0].system, code: obs.code.coding[0].code, display: obs.code.coding[0].display });
    expect(back.valueQuantity.value).toBe(obs.valueQuantity.value);
    expect(back.valueQuantity.unit).toBe(obs.valueQuantity.unit);
    expect(Date.parse(back.effectiveDateTime)).toBe(Date.parse(obs.effectiveDateTime));

    const cond = src('Condition')[0];
    const conds = await search(`Condition?patient=${pid}&code=${encodeURIComponent(`${cond.code.coding[0].system}|${cond.code.coding[0].code}`)}`);
    expect(conds.entry.length).toBeGreaterThan(0);
    expect(conds.entry[0].resource.onsetDateTime).toBe(cond.onsetDateTime.slice(0, 10));

    const imm = src('Immunization')[0];
    if (imm) {
      const imms = await search(`Immunization?patient=${pid}&vaccine-code=${encodeURIComponent(`${imm.vaccineCode.coding[0].system}|${imm.vaccineCode.coding[0].code}`)}`);
      expect(imms.entry.map((e: Json) => Date.parse(e.resource.occurrenceDateTime))).toContain(Date.parse(imm.occurrenceDateTime));
    }

    const everything = await search(`Patient/${pid}/$everything`);
    const types = new Set(everything.entry.map((e: Json) => e.resource.resourceType));
    const keptTypes = [...new Set(src('Claim').map((r) => r.resourceType))];
    expect(keptTypes).toEqual(['Claim']);
    expect(types.has('Claim')).toBe(true);
    const claim = src('Claim')[0];
    expect(everything.entry.map((e: Json) => e.resource)).toContainEqual(claim);
    for (const e of everything.entry.filter((x: Json) => !String(x.fullUrl).startsWith('urn:'))) expect(structuralProblems(e.resource)).toEqual([]);
  });
});
