import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCondition, addEncounter, initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { recordVitals } from '../../src/lib/chart/vitals-doc';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { AccessStore } from '../access/access-store';
import { createMeasureService } from './measure-service';

/**
 * Quality measures on the real server: charts written with the chart's own
 * functions and stored through the sync service, then CMS165 evaluated over
 * HTTP ($evaluate-measure summary and subject-list, the page's JSON and the
 * CSV), with literal expected patients and counts; refusals for the front
 * desk, no session, a bad period and another clinic; a SMART client's
 * scopes; audit; and the incremental re-read after one chart changes.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CONTROLLED = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const UNCONTROLLED = '1c8f2a4b-6d3e-4f90-8b2c-3d4e5f6a7b81';
const KIDNEY = '2d9a3b5c-7e4f-4a01-9c3d-4e5f6a7b8c92';
const NO_HYPERTENSION = '3e0b4c6d-8f50-4b12-8d4e-5f6a7b8c9d03';
const SOUTH = '4f1c5d7e-9061-4c23-9e5f-6a7b8c9d0e14';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const Q = 'periodStart=2025-01-01&periodEnd=2025-12-31';

let app: TestApp;
let northId: string;
let southId: string;
let doc: string;
let nurse: string;
let admin: string;
let desk: string;
let southDoc: string;
let charts: Record<string, Y.Doc>;
let northIds: Record<string, string>;

async function store(clinicId: string, name: string, d: Y.Doc): Promise<void> {
  await app.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(d), 'seed', 'seed');
}

async function seedPatient(clinicId: string, id: string, p: { family: string; birthDate: string; gender: 'female' | 'male'; mrn: string }, chart: (c: Y.Doc) => void): Promise<Y.Doc> {
  const actor = { id: 'seed', name: 'Dr Amara Diallo' };
  const patient = new Y.Doc();
  initPatientDoc(patient, id, { family: p.family, given: ['Test'], birthDate: p.birthDate, gender: p.gender }, actor, p.mrn);
  const c = new Y.Doc();
  initChartDoc(c, id);
  chart(c);
  await store(clinicId, `patient:${id}`, patient);
  await store(clinicId, `chart:${id}`, c);
  return c;
}

const hypertension = (c: Y.Doc) => addCondition(c, { text: 'Essential hypertension', coding: [{ system: ICD10, code: 'I10' }], onsetDate: '2019-01-01' }, { id: 'seed', name: 'Dr Amara Diallo' });
const visit = (c: Y.Doc, date: string, by: string) => addEncounter(c, { type: 'Office visit', start: `${date}T09:00:00.000Z` }, { id: 'seed', name: by });
const bp = (c: Y.Doc, date: string, systolic: number, diastolic: number) => recordVitals(c, { systolic, diastolic }, { id: 'seed', name: 'Nurse Kofi' }, `${date}T09:05:00.000Z`);

beforeAll(async () => {
  app = await startTestApp();
  ({ clinicId: northId, ids: northIds } = await addClinic(app, 'North Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'nurse', roles: ['nurse'] },
    { username: 'boss', roles: ['admin'] },
    { username: 'desk', roles: ['frontdesk'] }
  ]));
  ({ clinicId: southId } = await addClinic(app, 'South Clinic', [{ username: 'southdoc', roles: ['clinician'] }]));
  charts = {};
  charts[CONTROLLED] = await seedPatient(northId, CONTROLLED, { family: 'Okafor', birthDate: '1960-05-05', gender: 'female', mrn: 'OP-1' }, (c) => {
    hypertension(c);
    visit(c, '2025-03-01', 'Dr Amara Diallo');
    bp(c, '2025-03-01', 128, 78);
  });
  charts[UNCONTROLLED] = await seedPatient(northId, UNCONTROLLED, { family: 'Bello', birthDate: '1955-01-01', gender: 'male', mrn: 'OP-2' }, (c) => {
    hypertension(c);
    visit(c, '2025-04-01', 'Dr Bea Mensah');
    bp(c, '2025-04-01', 150, 95);
  });
  await seedPatient(northId, KIDNEY, { family: 'Mwangi', birthDate: '1970-07-07', gender: 'female', mrn: 'OP-3' }, (c) => {
    hypertension(c);
    addCondition(c, { text: 'End stage renal disease', coding: [{ system: ICD10, code: 'N18.6' }], onsetDate: '2022-01-01' }, { id: 'seed', name: 'Dr Amara Diallo' });
    visit(c, '2025-05-01', 'Dr Amara Diallo');
  });
  await seedPatient(northId, NO_HYPERTENSION, { family: 'Silva', birthDate: '1980-01-01', gender: 'male', mrn: 'OP-4' }, (c) => {
    visit(c, '2025-05-01', 'Dr Amara Diallo');
    bp(c, '2025-05-01', 120, 70);
  });
  await seedPatient(southId, SOUTH, { family: 'Dube', birthDate: '1965-01-01', gender: 'male', mrn: 'SO-1' }, (c) => {
    hypertension(c);
    visit(c, '2025-02-01', 'Dr South');
    bp(c, '2025-02-01', 120, 70);
  });
  doc = await sessionCookieFor(app.url, 'doc');
  nurse = await sessionCookieFor(app.url, 'nurse');
  admin = await sessionCookieFor(app.url, 'boss');
  desk = await sessionCookieFor(app.url, 'desk');
  southDoc = await sessionCookieFor(app.url, 'southdoc');
});

afterAll(async () => {
  await app.stop();
});

async function get(pathname: string, headers: Record<string, string> = { cookie: doc }): Promise<{ status: number; body: Json; text: string; type: string | null }> {
  const res = await fetch(`${app.url}${pathname}`, { headers });
  const text = await res.text();
  let body: Json = {};
  try {
    body = JSON.parse(text) as Json;
  } catch {
    /* CSV */
  }
  return { status: res.status, body, text, type: res.headers.get('content-type') };
}

const populations = (report: Json) =>
  Object.fromEntries((report.group[0].population as Json[]).map((p) => [p.code.coding[0].code, p.count]));

describe('Measure definitions', () => {
  it('lists the six measures, each with the not-certified disclaimer', async () => {
    const r = await get('/fhir/R4/Measure');
    expect(r.status).toBe(200);
    expect(r.type).toContain('application/fhir+json');
    expect(r.body.entry.map((e: Json) => e.resource.id)).toEqual(['CMS122', 'CMS165', 'CMS125', 'CMS130', 'CMS138', 'CMS2']);
    const cms138 = (await get('/fhir/R4/Measure/CMS138')).body;
    expect(cms138.identifier).toEqual([{ system: 'https://ecqi.healthit.gov/ecqms', value: 'CMS138v13' }]);
    expect(cms138.group.map((g: Json) => g.id)).toEqual(['screened', 'intervention', 'overall']);
    expect(cms138.disclaimer).toMatch(/^Not certified eCQM results/);
  });

  it('an unknown measure is 404', async () => {
    const r = await get('/fhir/R4/Measure/CMS999');
    expect(r.status).toBe(404);
    expect(r.body.resourceType).toBe('OperationOutcome');
  });
});

describe('$evaluate-measure', () => {
  it('summary: counts and rate of CMS165 for 2025', async () => {
    const r = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}&reportType=summary`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.resourceType).toBe('MeasureReport');
    expect(r.body.type).toBe('summary');
    expect(r.body.period).toEqual({ start: '2025-01-01', end: '2025-12-31' });
    expect(populations(r.body)).toEqual({ 'initial-population': 3, denominator: 3, 'denominator-exclusion': 1, numerator: 1 });
    expect(r.body.group[0].measureScore.value).toBe(0.5);
    expect(r.body.contained).toBeUndefined();
  });

  it('subject-list: the patients of each population, in contained Lists', async () => {
    const r = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}&reportType=subject-list`, { cookie: nurse });
    expect(r.status).toBe(200);
    const lists = Object.fromEntries((r.body.contained as Json[]).map((l) => [l.id, l.entry.map((e: Json) => e.item.reference)]));
    expect(lists).toEqual({
      'main-initial-population': [`Patient/${CONTROLLED}`, `Patient/${UNCONTROLLED}`, `Patient/${KIDNEY}`],
      'main-denominator': [`Patient/${CONTROLLED}`, `Patient/${UNCONTROLLED}`, `Patient/${KIDNEY}`],
      'main-denominator-exclusion': [`Patient/${KIDNEY}`],
      'main-numerator': [`Patient/${CONTROLLED}`]
    });
    expect(r.body.group[0].population[3].subjectResults).toEqual({ reference: '#main-numerator' });
  });

  it("another clinic's clinician sees only that clinic's patient", async () => {
    const r = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}&reportType=subject-list`, { cookie: southDoc });
    expect(r.status).toBe(200);
    expect((r.body.contained as Json[]).find((l) => l.id === 'main-initial-population')!.entry).toEqual([{ item: { reference: `Patient/${SOUTH}` } }]);
  });

  it.each([
    ['periodStart=2025-13-01&periodEnd=2025-12-31', 'The period start must be a date (YYYY-MM-DD).'],
    ['periodStart=2025-06-01&periodEnd=2025-01-01', 'The period start is after its end.'],
    ['periodStart=2015-01-01&periodEnd=2025-12-31', 'A measurement period may be at most five years long.'],
    [`${Q}&reportType=individual`, 'reportType must be summary (population) or subject-list'],
    [`${Q}&subject=Patient/x`, '$evaluate-measure takes no parameter subject']
  ])('refuses %s with a readable 400', async (query, message) => {
    const r = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.resourceType).toBe('OperationOutcome');
    expect(r.body.issue[0].diagnostics).toBe(message);
  });

  it('the front desk is refused (403) and the refusal audited; without a session 401', async () => {
    const ok = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}`, { cookie: doc });
    expect(ok.status).toBe(200);
    const before = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = 'fhir:MeasureReport'").get() as { n: number }).n;
    const r = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}`, { cookie: desk });
    expect(r.status).toBe(403);
    expect(r.body.issue[0].diagnostics).toBe('Only clinicians and nurses may read clinical records.');
    const after = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = 'fhir:MeasureReport'").get() as { n: number }).n;
    expect(after).toBe(before + 1);
    expect((await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}`, {})).status).toBe(401);
  });

  it('each evaluation is audited with the measure, period and count, and no patient id', async () => {
    await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}&reportType=subject-list`);
    const row = app.db.prepare("SELECT target, detail FROM audit_log WHERE action = 'fhir.read' ORDER BY seq DESC LIMIT 1").get() as { target: string; detail: string };
    expect(row.target).toBe('measure:CMS165');
    expect(JSON.parse(row.detail)).toEqual({ interaction: 'evaluate-measure', resourceType: 'MeasureReport', reportType: 'subject-list', periodStart: '2025-01-01', periodEnd: '2025-12-31', count: 3 });
    expect(row.detail).not.toContain(CONTROLLED.slice(0, 8));
  });
});

describe('SMART backend client', () => {
  let key: { privateKey: CryptoKey; publicKey: CryptoKey };
  async function token(scopes: string[]): Promise<string> {
    const jwks = { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS384' }] };
    const id = app.apiClients.add({ clinicId: northId, name: `Registry ${scopes.join(' ')}`, jwks, scopes, createdBy: 'test' }).id;
    const tokenUrl = `${app.url}/auth/token`;
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS384', kid: 'k1', typ: 'JWT' })
      .setIssuer(id)
      .setSubject(id)
      .setAudience(tokenUrl)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 240)
      .sign(key.privateKey);
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope: scopes.join(' ') })
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as Json).access_token as string;
  }

  beforeAll(async () => {
    key = await generateKeyPair('RS384', { extractable: true });
  });

  it('reads a summary with r on MeasureReport; a subject list also needs r on Patient', async () => {
    const reports = await token(['system/MeasureReport.r']);
    const summary = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}`, { authorization: `Bearer ${reports}` });
    expect(summary.status).toBe(200);
    expect(populations(summary.body)).toEqual({ 'initial-population': 3, denominator: 3, 'denominator-exclusion': 1, numerator: 1 });
    const list = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}&reportType=subject-list`, { authorization: `Bearer ${reports}` });
    expect(list.status).toBe(403);
    expect(list.body.issue[0].diagnostics).toBe('The granted scopes do not allow reading Patient resources.');
    const both = await token(['system/MeasureReport.r', 'system/Patient.r']);
    expect((await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}&reportType=subject-list`, { authorization: `Bearer ${both}` })).status).toBe(200);
  });

  it('a client without MeasureReport scope is refused', async () => {
    const patientsOnly = await token(['system/Patient.rs']);
    const r = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}`, { authorization: `Bearer ${patientsOnly}` });
    expect(r.status).toBe(403);
    expect(r.body.issue[0].diagnostics).toBe('The granted scopes do not allow reading MeasureReport resources.');
  });
});

describe('the page’s data and CSV', () => {
  it('a clinician gets rates, patient lists with MRN and name, and the provider list', async () => {
    const r = await get(`/api/measures?${Q}`);
    expect(r.status).toBe(200);
    expect(r.body.disclaimer).toMatch(/^Not certified eCQM results/);
    expect(r.body.providers).toEqual(['Dr Amara Diallo', 'Dr Bea Mensah']);
    const cms165 = r.body.measures.find((m: Json) => m.id === 'CMS165');
    expect(cms165.groups[0].counts).toEqual({ initialPopulation: 3, denominator: 3, denominatorExclusion: 1, numerator: 1 });
    expect(cms165.groups[0].populations.numerator).toEqual([CONTROLLED]);
    expect(r.body.patients[UNCONTROLLED]).toEqual({ mrn: 'OP-2', name: 'Test Bello' });
  });

  it('the provider filter keeps the patients whose latest visit was with that provider', async () => {
    const r = await get(`/api/measures?${Q}&provider=${encodeURIComponent('Dr Bea Mensah')}`);
    const cms165 = r.body.measures.find((m: Json) => m.id === 'CMS165');
    expect(cms165.groups[0].populations).toEqual({ initialPopulation: [UNCONTROLLED], denominator: [UNCONTROLLED], denominatorExclusion: [], numerator: [] });
    expect(cms165.groups[0].rate).toBe(0);
  });

  it('an administrator gets counts and rates but no patients', async () => {
    const r = await get(`/api/measures?${Q}`, { cookie: admin });
    expect(r.status).toBe(200);
    const cms165 = r.body.measures.find((m: Json) => m.id === 'CMS165');
    expect(cms165.groups[0].counts).toEqual({ initialPopulation: 3, denominator: 3, denominatorExclusion: 1, numerator: 1 });
    expect(cms165.groups[0].populations).toBeNull();
    expect(r.body.patients).toEqual({});
    expect(r.text).not.toContain('Bello');
    const csv = await get(`/api/measures/csv?${Q}&kind=patients`, { cookie: admin });
    expect(csv.status).toBe(403);
    expect(csv.body.error.message).toBe('Only clinicians and nurses may download patient lists.');
  });

  it('the front desk is refused', async () => {
    const r = await get(`/api/measures?${Q}`, { cookie: desk });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe('Quality measures are for clinicians, nurses and administrators.');
  });

  it('a bad period is a 400 with the reason', async () => {
    const r = await get('/api/measures?periodStart=2025-02-30&periodEnd=2025-12-31');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('The period start must be a date (YYYY-MM-DD).');
  });

  it('summary CSV: the disclaimer, then one line per measure group', async () => {
    const r = await get(`/api/measures/csv?${Q}`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/csv; charset=utf-8');
    const lines = r.text.split('\r\n');
    expect(lines[0]).toMatch(/^"# Not certified eCQM results/);
    expect(lines[1]).toBe('measure,version,group,period_start,period_end,provider,initial_population,denominator,denominator_exclusions,numerator,rate_percent');
    expect(lines).toContain('CMS165,CMS165v13,Blood pressure < 140/90,2025-01-01,2025-12-31,All,3,3,1,1,50.0');
    expect(lines.length).toBe(2 + 8 + 1);
  });

  it('patients CSV: one line per patient of each initial population', async () => {
    const r = await get(`/api/measures/csv?${Q}&kind=patients`);
    const lines = r.text.split('\r\n').filter((l) => l.startsWith('CMS165,'));
    expect(lines).toEqual([
      `CMS165,Blood pressure < 140/90,${CONTROLLED},OP-1,Test Okafor,yes,no,yes`,
      `CMS165,Blood pressure < 140/90,${UNCONTROLLED},OP-2,Test Bello,yes,no,no`,
      `CMS165,Blood pressure < 140/90,${KIDNEY},OP-3,Test Mwangi,yes,yes,no`
    ]);
  });
});

describe('incremental recompute', () => {
  const fresh = () => createMeasureService({ sync: app.sync, db: app.db, patients: { list: () => [] } });

  it('the first build reads every patient; a restarted service loads the stored facts and reads none', async () => {
    app.db.prepare('DELETE FROM measure_facts_cursor WHERE clinic_id = ?').run(northId);
    const first = fresh();
    expect((await first.facts(northId)).map((f) => f.patientId)).toEqual([CONTROLLED, UNCONTROLLED, KIDNEY, NO_HYPERTENSION]);
    expect(first.patientsRead).toBe(4);
    await first.facts(northId);
    expect(first.patientsRead).toBe(4);

    const restarted = fresh();
    expect((await restarted.facts(northId)).map((f) => f.patientId)).toEqual([CONTROLLED, UNCONTROLLED, KIDNEY, NO_HYPERTENSION]);
    expect(restarted.patientsRead).toBe(0);
  });

  it('facts stored by another reader version are rebuilt', async () => {
    app.db.prepare("UPDATE measure_facts_cursor SET version = 'older' WHERE clinic_id = ?").run(northId);
    const service = fresh();
    await service.facts(northId);
    expect(service.patientsRead).toBe(4);
  });

  it('re-reads only the patients whose documents changed, and the next answer reflects the change', async () => {
    const service = fresh();
    await service.facts(northId);
    expect(service.patientsRead).toBe(0);

    // A new, controlled reading for the uncontrolled patient.
    const chart = charts[UNCONTROLLED];
    const before = Y.encodeStateVector(chart);
    bp(chart, '2025-06-01', 130, 80);
    await app.sync.applyServerUpdate(`chart:${UNCONTROLLED}`, northId, Y.encodeStateAsUpdate(chart, before), 'seed', 'seed');

    const facts = await service.facts(northId);
    expect(service.patientsRead).toBe(1);
    expect(facts.find((f) => f.patientId === UNCONTROLLED)!.observations.map((o) => o.date).sort()).toEqual(['2025-04-01', '2025-06-01']);

    const r = await get(`/fhir/R4/Measure/CMS165/$evaluate-measure?${Q}&reportType=subject-list`);
    expect((r.body.contained as Json[]).find((l) => l.id === 'main-numerator')!.entry.map((e: Json) => e.item.reference)).toEqual([`Patient/${CONTROLLED}`, `Patient/${UNCONTROLLED}`]);
  });
});

describe('patient restrictions', () => {
  const DEPRESSED = '6a2d6e8f-a172-4d34-8f60-7b8c9d0e1f25';

  async function cms2Exclusions(cookie: string): Promise<string[]> {
    const r = await get(`/api/measures?${Q}`, { cookie });
    expect(r.status).toBe(200);
    return r.body.measures.find((m: Json) => m.id === 'CMS2').groups[0].populations.denominatorExclusion;
  }

  it('a problem under a mental-health restriction is not counted for a reader the restriction hides it from', async () => {
    await seedPatient(northId, DEPRESSED, { family: 'Kamau', birthDate: '1985-02-02', gender: 'female', mrn: 'OP-5' }, (c) => {
      addCondition(c, { text: 'Depressive episode', coding: [{ system: ICD10, code: 'F32.9' }], onsetDate: '2020-01-01' }, { id: 'seed', name: 'Dr Amara Diallo' });
      visit(c, '2025-05-01', 'Dr Amara Diallo');
    });
    // Before the restriction: excluded from CMS2 for both (the depression diagnosis is seen).
    expect(await cms2Exclusions(doc)).toContain(DEPRESSED);
    new AccessStore(app.db).createRestriction({ clinicId: northId, patientId: DEPRESSED, category: 'mental-health', allowedUserIds: [northIds.nurse], request: 'Only my nurse', createdBy: northIds.doc });

    // The nurse is named: still excluded. The clinician is not: the diagnosis is not counted, so not excluded.
    expect(await cms2Exclusions(nurse)).toContain(DEPRESSED);
    expect(await cms2Exclusions(doc)).not.toContain(DEPRESSED);
    const list = await get(`/fhir/R4/Measure/CMS2/$evaluate-measure?${Q}&reportType=subject-list`);
    const excluded = (list.body.contained as Json[]).find((l) => l.id === 'main-denominator-exclusion')!.entry.map((e: Json) => e.item.reference);
    expect(excluded).not.toContain(`Patient/${DEPRESSED}`);
    const denominator = (list.body.contained as Json[]).find((l) => l.id === 'main-denominator')!.entry.map((e: Json) => e.item.reference);
    expect(denominator).toContain(`Patient/${DEPRESSED}`);
  });
});
