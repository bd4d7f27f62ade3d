import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import * as Y from 'yjs';
import { listAllergies, listConditions, listEncounters } from '../../src/lib/chart/chart-doc';
import { listCarePlans, listImmunizations, listMedications, listObservations, listProcedures, listReports } from '../../src/lib/chart/clinical-doc';
import { readPatient, patientMap } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { isValidMrn } from '../../src/lib/domain/patient';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { SYNTHEA_DIR } from '../seed/synthea';
import { createFhirStore } from './fhir-store';

/**
 * FHIR transaction import through the real server: a Synthea bundle becomes
 * one patient's documents, a second import of it stores nothing, and a bad
 * bundle is refused with an OperationOutcome before anything is written.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ASA_FILE = 'Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json';
const loadBundle = (file = ASA_FILE): Json => JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8'));

let app: TestApp;
let clinicId: string;
let clinician: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ clinicId } = await addClinic(app, 'North Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'nurse', roles: ['nurse'] },
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'boss', roles: ['admin'] }
  ]));
  await addClinic(app, 'South Clinic', [{ username: 'southdoc', roles: ['clinician'] }]);
  clinician = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

function post(body: unknown, cookie: string | null = clinician, type = 'application/fhir+json'): Promise<Response> {
  return fetch(`${app.url}/fhir/R4`, {
    method: 'POST',
    headers: { 'content-type': type, ...(cookie ? { cookie } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  });
}

async function docOf(kind: 'patient' | 'chart', patientId: string, clinic = clinicId): Promise<Y.Doc> {
  const state = await app.sync.readState(docName(kind, patientId), clinic);
  if (!state) throw new Error(`${kind}:${patientId} is not stored`);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

const updateRows = () => (app.db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n;
const patientId = (response: Json) => (response.entry as Json[])[0].response.location.split('/')[1] as string;

describe('POST /fhir/R4 with a Synthea transaction bundle', () => {
  let response: Json;
  let id: string;
  const bundle = loadBundle();

  beforeAll(async () => {
    const res = await post(bundle);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    response = (await res.json()) as Json;
    id = patientId(response);
  });

  it('answers a transaction-response with one entry per input entry, all created, with locations', () => {
    expect(response).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
    expect(response.entry).toHaveLength(bundle.entry.length);
    response.entry.forEach((e: Json, i: number) => {
      expect(e.response.status).toBe('201 Created');
      expect(e.response.location.split('/')[0]).toBe(bundle.entry[i].resource.resourceType);
    });
    expect(id).toBe(bundle.entry[0].resource.id);
    const claim = response.entry.findIndex((_: Json, i: number) => bundle.entry[i].resource.resourceType === 'Claim');
    expect(response.entry[claim].response.outcome.issue[0]).toMatchObject({ severity: 'information', code: 'informational' });
  });

  it('writes demographics and keeps every identifier, the MR number included', async () => {
    const doc = await docOf('patient', id);
    expect(readPatient(doc)).toMatchObject({ family: 'Hermiston', given: ['Asa'], birthDate: '1971-03-03', gender: 'male', city: 'Peabody' });
    expect(isValidMrn(readPatient(doc)!.mrn)).toBe(true);
    const identifiers = patientMap(doc).get('identifier') as { type?: string; value: string }[];
    expect(identifiers).toContainEqual(expect.objectContaining({ type: 'MR', value: '4384bf23-1dc3-48ca-8c84-89fbaff201ae' }));
    const list = (await (await fetch(`${app.url}/api/patients`, { headers: { cookie: clinician } })).json()) as { patients: { id: string }[] };
    expect(list.patients.map((p) => p.id)).toEqual([id]);
  });

  it('charts visits, problems, allergies, observations, medications, immunizations, procedures, reports and care plans', async () => {
    const chart = await docOf('chart', id);
    const count = (t: string) => bundle.entry.filter((e: Json) => e.resource.resourceType === t).length;

    const visits = listEncounters(chart);
    expect(visits).toHaveLength(count('Encounter'));
    expect(visits.every((v) => v.status === 'finished' && v.start && v.end)).toBe(true);
    expect(visits.some((v) => v.type === 'Encounter for check up')).toBe(true);

    const problems = listConditions(chart);
    expect(problems).toHaveLength(count('Condition'));
    expect(problems.find((c) => c.code.text === 'Rheumatoid arthritis')).toMatchObject({
      clinicalStatus: 'active',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '69896004' }] }
    });
    expect(problems.find((c) => c.code.text === 'Sprain of ankle')).toMatchObject({ clinicalStatus: 'resolved', abatementDate: '2014-08-31' });

    const allergies = listAllergies(chart);
    expect(allergies.map((a) => a.code.text)).toEqual(expect.arrayContaining(['Peanuts', 'Tree pollen']));
    expect(allergies.find((a) => a.code.text === 'Peanuts')).toMatchObject({ category: 'food', criticality: expect.any(String) });
    // Synthea files pollen and dander under food; the chart lists them as environmental.
    expect(allergies.find((a) => a.code.text === 'Tree pollen')?.category).toBe('environment');
    expect(allergies.find((a) => a.code.text.startsWith('Dander'))?.category).toBe('environment');

    const observations = listObservations(chart);
    expect(observations).toHaveLength(count('Observation'));
    const bp = observations.find((o) => o.code.coding?.[0]?.code === '55284-4')!;
    expect(bp.category).toBe('vital-signs');
    expect(bp.component?.map((c) => c.code.coding?.[0]?.code).sort()).toEqual(['8462-4', '8480-6']);
    expect(bp.component?.[0].valueQuantity).toMatchObject({ unit: 'mm[Hg]', value: expect.any(Number) });
    const lab = observations.find((o) => o.category === 'laboratory')!;
    expect(lab.code.coding?.[0]?.system).toBe('http://loinc.org');
    expect(lab.effectiveDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const meds = listMedications(chart);
    expect(meds).toHaveLength(count('MedicationRequest'));
    expect(meds.find((m) => m.medicationCodeableConcept.coding?.[0]?.code === '849574')).toMatchObject({
      resourceType: 'MedicationRequest',
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm' }] },
      authoredOn: expect.stringMatching(/^\d{4}-/)
    });

    const shots = listImmunizations(chart);
    expect(shots).toHaveLength(count('Immunization'));
    expect(shots.every((s) => s.vaccineCode.coding?.[0]?.system === 'http://hl7.org/fhir/sid/cvx' && s.status === 'completed')).toBe(true);

    expect(listProcedures(chart)).toHaveLength(count('Procedure'));
    expect(listCarePlans(chart)).toHaveLength(count('CarePlan'));

    const reports = listReports(chart);
    expect(reports).toHaveLength(count('DiagnosticReport'));
    const ids = new Set(observations.map((o) => o.id));
    expect(reports.every((r) => r.result.length > 0 && r.result.every((x) => ids.has(x)))).toBe(true);
  });

  it('keeps the resources it does not chart, verbatim, beside the chart', () => {
    const kept = createFhirStore(app.db).kept(clinicId, id);
    const types = new Set(['Claim', 'ExplanationOfBenefit', 'Organization', 'Practitioner']);
    const sent = bundle.entry.filter((e: Json) => types.has(e.resource.resourceType));
    expect(kept).toHaveLength(sent.length);
    const claim = sent.find((e: Json) => e.resource.resourceType === 'Claim').resource;
    expect(kept.find((k) => k.type === 'Claim' && k.entryId === claim.id)?.resource).toEqual(claim);
  });

  it('imports the same bundle again without storing anything', async () => {
    const before = updateRows();
    const vector = Y.encodeStateVector(await docOf('chart', id));
    const res = await post(bundle);
    expect(res.status).toBe(200);
    const again = (await res.json()) as Json;
    expect(again.entry.every((e: Json) => e.response.status === '200 OK')).toBe(true);
    expect(patientId(again)).toBe(id);
    expect(updateRows()).toBe(before);
    expect(Y.encodeStateVector(await docOf('chart', id))).toEqual(vector);
  });

  it('updates changed records in place and adds new ones (reference range, interpretation)', async () => {
    const changed = structuredClone(bundle);
    const obs = changed.entry.find((e: Json) => e.resource.resourceType === 'Observation' && e.resource.valueQuantity).resource;
    obs.valueQuantity.value = 123.4;
    const patientUrl = changed.entry[0].fullUrl;
    changed.entry.push({
      fullUrl: 'urn:uuid:0b7e3c52-7d0e-4b7a-9f0e-3d7f1a2b4c5d',
      resource: {
        resourceType: 'Observation',
        id: '0b7e3c52-7d0e-4b7a-9f0e-3d7f1a2b4c5d',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '2823-3', display: 'Potassium' }], text: 'Potassium' },
        subject: { reference: patientUrl },
        effectiveDateTime: '2019-01-02T10:00:00-05:00',
        valueQuantity: { value: 5.9, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
        referenceRange: [{ low: { value: 3.5, unit: 'mmol/L' }, high: { value: 5.1, unit: 'mmol/L' } }],
        interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H' }], text: 'High' }]
      },
      request: { method: 'POST', url: 'Observation' }
    });
    const before = updateRows();
    const res = (await (await post(changed)).json()) as Json;
    expect(res.entry.at(-1).response.status).toBe('201 Created');
    expect(updateRows()).toBe(before + 1);
    const observations = listObservations(await docOf('chart', id));
    expect(observations.find((o) => o.sourceId === obs.id)?.valueQuantity?.value).toBe(123.4);
    expect(observations.find((o) => o.id === '0b7e3c52-7d0e-4b7a-9f0e-3d7f1a2b4c5d')).toMatchObject({
      effectiveDateTime: '2019-01-02T15:00:00.000Z',
      referenceRange: [{ low: { value: 3.5 }, high: { value: 5.1 } }],
      interpretation: [{ text: 'High', coding: [{ code: 'H' }] }]
    });
  });

  it('audits the import with counts and no patient data', () => {
    const rows = app.db.prepare("SELECT target, detail FROM audit_log WHERE action = 'import' AND outcome = 'success'").all() as { target: string; detail: string }[];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows[0].target).toBe(docName('patient', id));
    expect(JSON.parse(rows[0].detail)).toMatchObject({ newPatient: true, created: expect.any(Number), types: { Observation: 61 } });
    expect(rows.map((r) => r.detail).join(' ')).not.toMatch(/Hermiston|Asa|1971/);
  });

  it('gives another clinic importing the same record its own patient', async () => {
    const res = await post(bundle, await sessionCookieFor(app.url, 'southdoc'));
    expect(res.status).toBe(200);
    const other = patientId((await res.json()) as Json);
    expect(other).not.toBe(id);
    const southClinic = (app.db.prepare("SELECT id FROM clinics WHERE name = 'South Clinic'").get() as { id: string }).id;
    expect(readPatient(await docOf('patient', other, southClinic))?.family).toBe('Hermiston');
  });
});

describe('POST /fhir/R4 refusals', () => {
  const valid = loadBundle('Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json');
  const firstOf = (b: Json, type: string) => b.entry.findIndex((e: Json) => e.resource.resourceType === type);
  const mutate = (f: (b: Json) => void): Json => {
    const b = structuredClone(valid);
    f(b);
    return b;
  };

  test.each<[string, unknown, number, RegExp | string]>([
    ['a body that is not JSON', '{"resourceType": "Bundle",', 400, 'not valid JSON'],
    ['a resource that is not a Bundle', { resourceType: 'Patient' }, 400, 'Bundle.resourceType'],
    ['a batch instead of a transaction', { ...valid, type: 'batch' }, 400, 'Bundle.type'],
    ['an entry without a resource', mutate((b) => (b.entry[3] = { fullUrl: b.entry[3].fullUrl })), 400, 'Bundle.entry[3].resource'],
    ['a bundle without its Patient', mutate((b) => b.entry.shift()), 400, 'Bundle.entry'],
    ['a malformed date', mutate((b) => (b.entry[firstOf(b, 'Observation')].resource.effectiveDateTime = '2019-02-30T10:00:00Z')), 400, /^Bundle\.entry\[\d+\]\.resource\.effectiveDateTime$/],
    ['a date without a time zone', mutate((b) => (b.entry[firstOf(b, 'Encounter')].resource.period.start = '2012-09-10T15:29:24')), 400, /resource\.period\.start$/],
    ['a malformed reference', mutate((b) => (b.entry[firstOf(b, 'Condition')].resource.subject.reference = 'not a reference')), 400, /resource\.subject\.reference$/],
    ['a reference to nothing in the bundle', mutate((b) => (b.entry[firstOf(b, 'Observation')].resource.encounter.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000')), 400, /resource\.encounter\.reference$/],
    ['a Patient without a birth date', mutate((b) => delete b.entry[0].resource.birthDate), 400, 'Bundle.entry[0].resource.birthDate'],
    ['a DELETE entry', mutate((b) => (b.entry[2].request = { method: 'DELETE', url: 'Encounter/x' })), 400, 'Bundle.entry[2].request.method']
  ])('refuses %s with an OperationOutcome and writes nothing', async (_name, body, status, where) => {
    const rows = updateRows();
    const kept = (app.db.prepare('SELECT count(*) AS n FROM fhir_kept_resources').get() as { n: number }).n;
    const res = await post(body);
    expect(res.status).toBe(status);
    const outcome = (await res.json()) as Json;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: expect.any(String), diagnostics: expect.any(String) });
    const found = outcome.issue.some((i: Json) =>
      typeof where === 'string' ? (i.expression?.[0] === where || i.diagnostics.includes(where)) : where.test(i.expression?.[0] ?? '')
    );
    expect(found, JSON.stringify(outcome)).toBe(true);
    expect(updateRows()).toBe(rows);
    expect((app.db.prepare('SELECT count(*) AS n FROM fhir_kept_resources').get() as { n: number }).n).toBe(kept);
  });

  it('says who may import: 401 without a session, 403 for every role but clinician, as OperationOutcomes', async () => {
    const anon = await post(valid, null);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as Json).issue[0].code).toBe('login');
    // An administrator has no clinical access, so may not write charts through an import either.
    for (const who of ['nurse', 'desk', 'boss']) {
      const res = await post(valid, await sessionCookieFor(app.url, who));
      expect(res.status).toBe(403);
      expect(((await res.json()) as Json).issue[0].code).toBe('forbidden');
    }
  });

  it('takes the plain JSON media type too', async () => {
    const res = await post(valid, clinician, 'application/json');
    expect(res.status).toBe(200);
  });

  it('answers unknown FHIR paths and methods with OperationOutcomes', async () => {
    const missing = await fetch(`${app.url}/fhir/R4/Patient/x/_history/1`, { headers: { cookie: clinician } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Json).resourceType).toBe('OperationOutcome');
    const wrong = await fetch(`${app.url}/fhir/R4`, { headers: { cookie: clinician } });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(((await wrong.json()) as Json).resourceType).toBe('OperationOutcome');
  });
});
