import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { addLedgerEntry, openSuperbill } from '../../../src/lib/chart/billing-doc';
import { initChartDoc } from '../../../src/lib/chart/chart-doc';
import { putClinical } from '../../../src/lib/chart/clinical-doc';
import { setFeeCurrency } from '../../../src/lib/chart/fees-doc';
import { initPatientDoc } from '../../../src/lib/chart/patient-doc';
import { initRegistriesDoc, saveRegistry } from '../../../src/lib/chart/registries-doc';
import { addTask, initTasksDoc, setTaskStatus } from '../../../src/lib/chart/tasks-doc';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../../http/test-app';

/**
 * Task and Claim through the FHIR API on the real server: the clinic's
 * tasks (read, search by patient, status, owner, across the clinic) and a
 * patient's bills as Claims (read, search), each compared with a literal
 * expected resource; who may read them (front desk yes, a patient account
 * no, another clinic 404, an API client by its scopes), a patient's
 * restriction (a bill coded in a restricted category, a task prompted by a
 * restricted result or registry), the audit, the bulk $export of both
 * (literal NDJSON, _type, _since, scopes, the clinic boundary) and the
 * CapabilityStatement.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const PID2 = '1c8f2a4b-6d3e-4f90-8b2c-3d4e5f6a7b81';
const TASK_CALL = '7a000000-0000-4000-8000-000000000001';
const TASK_RESULT = '7a000000-0000-4000-8000-000000000002';
const TASK_DONE = '7a000000-0000-4000-8000-000000000003';
const TASK_OTHER = '7a000000-0000-4000-8000-000000000004';
const TASK_HIV_REGISTRY = '7a000000-0000-4000-8000-000000000005';
const TASK_DIABETES_REGISTRY = '7a000000-0000-4000-8000-000000000006';
const TASK_SOUTH = '7a000000-0000-4000-8000-000000000009';
const PSOUTH = '3eab4c6d-8f50-4b12-8d4e-5f6a7b8c9da3';
const VIRAL_LOAD = 'b1111111-1111-4111-8111-111111111111';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let app: TestApp;
let clinicId: string;
let southId: string;
let ids: Record<string, string>;
const cookie: Record<string, string> = {};
let key: { privateKey: CryptoKey; publicKey: CryptoKey };
let malariaBill: string;
let hivRegistry: string;
let depressionBill: string;

const at = (iso: string) => vi.setSystemTime(new Date(iso));

async function seed(): Promise<void> {
  const doctor = { id: ids.doc, name: 'Dr Amara Diallo' };
  const desk = { id: ids.desk, name: 'Priya Shah' };
  vi.useFakeTimers({ toFake: ['Date'] });
  at('2026-03-01T09:00:00.000Z');
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1980-04-02', gender: 'female' }, doctor, 'OP-1234');
  const patient2 = new Y.Doc();
  initPatientDoc(patient2, PID2, { family: 'Bello', given: ['Tunde'], birthDate: '1975-01-01', gender: 'male' }, doctor, 'OP-5678');
  const chart = new Y.Doc();
  initChartDoc(chart, PID);
  putClinical(chart, 'observations', VIRAL_LOAD, { status: 'final', category: 'laboratory', code: { text: 'HIV viral load', coding: [{ system: ICD10, code: 'B20' }] }, effectiveDateTime: '2026-02-28T08:00:00.000Z', valueQuantity: { value: 40, unit: 'copies/mL' } }, doctor);

  const fees = new Y.Doc();
  setFeeCurrency(fees, 'USD', { id: ids.adam, name: 'Adam Admin' });

  at('2026-03-01T10:00:00.000Z');
  malariaBill = openSuperbill(patient, { visitDate: '2026-03-01', diagnoses: [{ code: 'B50.9', display: 'Plasmodium falciparum malaria, unspecified' }] }, doctor);
  at('2026-03-01T10:05:00.000Z');
  addLedgerEntry(patient, { kind: 'charge', amount: 4500, currency: 'USD', superbillId: malariaBill, serviceCode: 'OPD-1', serviceName: 'Consultation' }, desk, clinicId);
  at('2026-03-01T10:06:00.000Z');
  const test = addLedgerEntry(patient, { kind: 'charge', amount: 700, currency: 'USD', superbillId: malariaBill, serviceCode: 'LAB-MRDT', serviceName: 'Malaria rapid test' }, desk, clinicId);
  at('2026-03-01T10:07:00.000Z');
  addLedgerEntry(patient, { kind: 'reversal', reverses: test, reason: 'Test not done' }, desk, clinicId);
  at('2026-03-02T11:00:00.000Z');
  depressionBill = openSuperbill(patient, { visitDate: '2026-03-02', diagnoses: [{ code: 'F32.1', display: 'Major depressive disorder, single episode, moderate' }] }, doctor);
  addLedgerEntry(patient, { kind: 'charge', amount: 3000, currency: 'USD', superbillId: depressionBill, serviceCode: 'OPD-2', serviceName: 'Follow-up consultation' }, desk, clinicId);

  const tasks = new Y.Doc();
  initTasksDoc(tasks, clinicId);
  at('2026-03-03T08:00:00.000Z');
  addTask(tasks, { description: 'Call to book the follow-up', patientId: PID, owner: { kind: 'user', id: ids.desk, name: 'Priya Shah' }, dueDate: '2026-03-10', category: 'admin' }, doctor, TASK_CALL);
  addTask(tasks, { description: 'Act on the viral load', patientId: PID, owner: { kind: 'role', role: 'clinician' }, dueDate: '2026-03-05', category: 'clinical', focus: { kind: 'result', ref: VIRAL_LOAD, label: 'Viral load 40 copies/mL' } }, doctor, TASK_RESULT);
  addTask(tasks, { description: 'Send the referral letter', patientId: PID, owner: { kind: 'user', id: ids.doc, name: 'Dr Amara Diallo' }, dueDate: '2026-03-04', category: 'clinical' }, doctor, TASK_DONE);
  at('2026-03-04T12:00:00.000Z');
  setTaskStatus(tasks, TASK_DONE, 'completed', doctor);
  addTask(tasks, { description: 'Check the blood pressure log', patientId: PID2, owner: { kind: 'user', id: ids.doc, name: 'Dr Amara Diallo' }, dueDate: '2026-03-12', category: 'clinical' }, doctor, TASK_OTHER);
  vi.useRealTimers();

  for (const [name, d] of [[`patient:${PID}`, patient], [`chart:${PID}`, chart], [`patient:${PID2}`, patient2], [`fees:${clinicId}`, fees], [`tasks:${clinicId}`, tasks]] as const) {
    await app.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(d), ids.doc, 'seed');
  }
}

async function clientToken(clientId: string, scope: string): Promise<string> {
  const tokenUrl = `${app.url}/auth/token`;
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS384', kid: 'k1', typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 240)
    .sign(key.privateKey);
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope })
  });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token as string;
}

async function addClient(scopes: string[]): Promise<string> {
  return app.apiClients.add({ clinicId, name: `Feed ${scopes.join(' ')}`, jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS384' }] }, scopes, createdBy: 'test' }).id;
}

async function get(path: string, who: string | { token: string }): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = typeof who === 'string' ? { cookie: cookie[who] } : { authorization: `Bearer ${who.token}` };
  const res = await fetch(`${app.url}/fhir/R4/${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Json };
}


/** Changes a stored document as a device would: the update of what `change` does to the stored state. */
async function edit(name: string, clinic: string, change: (d: Y.Doc) => void): Promise<void> {
  const d = new Y.Doc();
  const state = await app.sync.readState(name, clinic);
  if (state) Y.applyUpdate(d, state);
  const before = Y.encodeStateVector(d);
  vi.useFakeTimers({ toFake: ['Date'] });
  at('2026-03-05T09:00:00.000Z');
  change(d);
  vi.useRealTimers();
  await app.sync.applyServerUpdate(name, clinic, Y.encodeStateAsUpdate(d, before), ids.doc, 'seed');
  d.destroy();
}

/** Kick-off, poll, download every file: the manifest's [type, count] and the resources per type, in file order. */
async function bulk(pathname: string, who: string | { token: string }): Promise<{ status: number; outcome?: Json; files: [string, number][]; byType: Record<string, Json[]> }> {
  const auth: Record<string, string> = typeof who === 'string' ? { cookie: cookie[who] } : { authorization: `Bearer ${who.token}` };
  const res = await fetch(`${app.url}${pathname}`, { headers: { ...auth, prefer: 'respond-async', accept: 'application/fhir+json' } });
  if (res.status !== 202) return { status: res.status, outcome: (await res.json()) as Json, files: [], byType: {} };
  const statusUrl = res.headers.get('content-location')!;
  let manifest: Json | null = null;
  for (let i = 0; i < 500 && !manifest; i++) {
    const s = await fetch(statusUrl, { headers: auth });
    if (s.status === 200) manifest = (await s.json()) as Json;
    else {
      expect(s.status).toBe(202);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  expect(manifest, 'the export finished').not.toBeNull();
  expect(manifest!.error).toEqual([]);
  const byType: Record<string, Json[]> = {};
  for (const out of manifest!.output as Json[]) {
    const file = await fetch(out.url, { headers: auth });
    expect(file.status).toBe(200);
    const lines = (await file.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    expect(lines).toHaveLength(out.count);
    (byType[out.type] ??= []).push(...lines);
  }
  // The status URL is DELETEd so that the clinic's next export may start.
  expect((await fetch(statusUrl, { method: 'DELETE', headers: auth })).status).toBe(202);
  return { status: 202, files: (manifest!.output as Json[]).map((o) => [o.type as string, o.count as number]), byType };
}

const idsOf = (bundle: Json) => (bundle.entry as { resource: Json }[]).map((e) => e.resource.id as string);

beforeAll(async () => {
  app = await startTestApp({ smart: { requestsPerMinute: 1000 } });
  ({ clinicId, ids } = await addClinic(app, 'North Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'ben', roles: ['clinician'] },
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'adam', roles: ['admin'] },
    { username: 'portal', roles: ['patient'] }
  ]));
  const south = await addClinic(app, 'South Clinic', [{ username: 'southdoc', roles: ['clinician'] }]);
  southId = south.clinicId;
  ids.southdoc = south.ids.southdoc;
  key = await generateKeyPair('RS384', { extractable: true });
  await seed();
  for (const u of ['doc', 'ben', 'desk', 'adam', 'portal', 'southdoc']) cookie[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app.stop();
});

const callTask = () => ({
  resourceType: 'Task',
  id: TASK_CALL,
  status: 'requested',
  intent: 'order',
  code: { text: 'Administrative task' },
  description: 'Call to book the follow-up',
  for: { reference: `Patient/${PID}` },
  authoredOn: '2026-03-03T08:00:00.000Z',
  lastModified: '2026-03-03T08:00:00.000Z',
  requester: { display: 'Dr Amara Diallo' },
  owner: { reference: `Practitioner/${ids.desk}`, display: 'Priya Shah' },
  restriction: { period: { end: '2026-03-10' } }
});

describe('Task through the FHIR API', () => {
  it('reads a task as the literal FHIR Task, for the front desk and for a clinician', async () => {
    const expected = callTask();
    for (const who of ['desk', 'doc', 'adam']) {
      const { status, body } = await get(`Task/${TASK_CALL}`, who);
      expect(status, who).toBe(200);
      expect(body, who).toEqual(expected);
    }
    const done = await get(`Task/${TASK_DONE}`, 'doc');
    expect(done.body).toEqual({
      resourceType: 'Task',
      id: TASK_DONE,
      status: 'completed',
      intent: 'order',
      code: { text: 'Clinical task' },
      description: 'Send the referral letter',
      for: { reference: `Patient/${PID}` },
      authoredOn: '2026-03-03T08:00:00.000Z',
      lastModified: '2026-03-04T12:00:00.000Z',
      requester: { display: 'Dr Amara Diallo' },
      owner: { reference: `Practitioner/${ids.doc}`, display: 'Dr Amara Diallo' },
      restriction: { period: { end: '2026-03-04' } }
    });
  });

  it('searches by patient, status and owner, and across the clinic without a patient', async () => {
    expect(idsOf((await get(`Task?patient=${PID}`, 'desk')).body).sort()).toEqual([TASK_CALL, TASK_RESULT, TASK_DONE].sort());
    expect(idsOf((await get(`Task?patient=Patient/${PID2}`, 'desk')).body)).toEqual([TASK_OTHER]);
    expect(idsOf((await get(`Task?patient=${PID}&status=completed`, 'doc')).body)).toEqual([TASK_DONE]);
    expect(idsOf((await get(`Task?status=requested,in-progress`, 'doc')).body).sort()).toEqual([TASK_CALL, TASK_RESULT, TASK_OTHER].sort());
    expect(idsOf((await get(`Task?owner=Practitioner/${ids.doc}`, 'doc')).body).sort()).toEqual([TASK_DONE, TASK_OTHER].sort());
    expect(idsOf((await get(`Task?owner=${ids.desk}`, 'doc')).body)).toEqual([TASK_CALL]);
    expect(idsOf((await get('Task?authored-on=ge2026-03-04', 'doc')).body)).toEqual([TASK_OTHER]);
    const all = (await get('Task', 'doc')).body;
    expect(all.total).toBe(4);
    // Newest first, then by id.
    expect(idsOf(all)).toEqual([TASK_OTHER, TASK_CALL, TASK_RESULT, TASK_DONE]);
  });

  it('refuses what it does not serve with a readable outcome', async () => {
    const badOwner = await get('Task?owner=not a reference', 'doc');
    expect(badOwner.status).toBe(400);
    expect(badOwner.body.issue[0].diagnostics).toBe('owner must be a reference (Type/id or id)');
    const include = await get('Task?_include=Task:patient', 'doc');
    expect(include.status).toBe(400);
    expect(include.body.issue[0].diagnostics).toBe('A Task search includes no patient');
    expect((await get('Task?code=x', 'doc')).status).toBe(400);
  });

  it('a patient account is refused, another clinic sees none of these tasks', async () => {
    expect((await get(`Task/${TASK_CALL}`, 'portal')).status).toBe(403);
    expect((await get('Task', 'portal')).status).toBe(403);
    // Positive control first (above); the South clinic's own tasks document has none of the North's.
    expect((await get(`Task/${TASK_CALL}`, 'southdoc')).status).toBe(404);
    expect((await get('Task', 'southdoc')).body.total).toBe(0);
  });

  it('an API client reads tasks with Task scopes only', async () => {
    const reader = { token: await clientToken(await addClient(['system/Task.rs']), 'system/Task.rs') };
    expect((await get(`Task/${TASK_CALL}`, reader)).status).toBe(200);
    expect((await get(`Task?patient=${PID}&status=completed`, reader)).body.total).toBe(1);
    const other = { token: await clientToken(await addClient(['system/Observation.rs']), 'system/Observation.rs') };
    expect((await get(`Task/${TASK_CALL}`, other)).status).toBe(403);
    expect((await get('Task', other)).status).toBe(403);
  });

  it('reads and searches are audited against the tasks document, with counts only', async () => {
    const before = (app.db.prepare("SELECT MAX(seq) AS s FROM audit_log").get() as { s: number }).s;
    await get(`Task?patient=${PID}&status=completed`, 'desk');
    const rows = app.db.prepare('SELECT action, user_id, target, detail FROM audit_log WHERE seq > ? ORDER BY seq').all(before) as { action: string; user_id: string; target: string; detail: string }[];
    expect(rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Json }))).toEqual([
      { action: 'fhir.read', user_id: ids.desk, target: `tasks:${clinicId}`, detail: { interaction: 'search', resourceType: 'Task', count: 1 } }
    ]);
  });
});

const malaria = () => ({
  resourceType: 'Claim',
  id: malariaBill,
  contained: [
    {
      resourceType: 'Coverage',
      id: 'self-pay',
      status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-selfpay', code: 'pay', display: 'PAY' }] },
      beneficiary: { reference: `Patient/${PID}` },
      payor: [{ reference: `Patient/${PID}` }]
    }
  ],
  status: 'active',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
  use: 'claim',
  patient: { reference: `Patient/${PID}` },
  billablePeriod: { start: '2026-03-01', end: '2026-03-01' },
  created: '2026-03-01T10:00:00.000Z',
  provider: { display: 'North Clinic' },
  priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
  insurance: [{ sequence: 1, focal: true, coverage: { reference: '#self-pay' } }],
  diagnosis: [{ sequence: 1, diagnosisCodeableConcept: { coding: [{ system: ICD10, code: 'B50.9', display: 'Plasmodium falciparum malaria, unspecified' }], text: 'Plasmodium falciparum malaria, unspecified' } }],
  // The reversed malaria test is not an item; the total is what still stands.
  item: [
    {
      sequence: 1,
      diagnosisSequence: [1],
      productOrService: { coding: [{ system: 'urn:outpost:fee-schedule', code: 'OPD-1', display: 'Consultation' }], text: 'Consultation' },
      servicedDate: '2026-03-01',
      unitPrice: { value: 45, currency: 'USD' },
      net: { value: 45, currency: 'USD' }
    }
  ],
  total: { value: 45, currency: 'USD' }
});

describe('Claim through the FHIR API', () => {
  it('reads a bill as the literal FHIR Claim, for the front desk, an administrator and a clinician', async () => {
    for (const who of ['desk', 'adam', 'doc']) {
      const { status, body } = await get(`Claim/${malariaBill}`, who);
      expect(status, who).toBe(200);
      expect(body, who).toEqual(malaria());
    }
  });

  it('searches a patient’s claims by status, use and date; _include brings the patient', async () => {
    const all = await get(`Claim?patient=${PID}`, 'desk');
    expect(all.status).toBe(200);
    expect(idsOf(all.body)).toEqual([depressionBill, malariaBill]);
    expect(idsOf((await get(`Claim?patient=${PID}&created=2026-03-01`, 'desk')).body)).toEqual([malariaBill]);
    expect(idsOf((await get(`Claim?patient=${PID}&status=active&use=claim`, 'desk')).body)).toEqual([depressionBill, malariaBill]);
    expect((await get(`Claim?patient=${PID}&status=cancelled`, 'desk')).body.total).toBe(0);
    expect(idsOf((await get(`Claim?_id=${malariaBill}`, 'desk')).body)).toEqual([malariaBill]);
    const inc = (await get(`Claim?patient=${PID}&created=2026-03-01&_include=Claim:patient`, 'desk')).body;
    expect((inc.entry as { resource: Json; search: Json }[]).map((e) => [e.resource.resourceType, e.search.mode])).toEqual([
      ['Claim', 'match'],
      ['Patient', 'include']
    ]);
    expect(idsOf((await get(`Claim?patient=${PID2}`, 'desk')).body)).toEqual([]);
    expect((await get('Claim?status=active', 'desk')).status).toBe(400);
  });

  it('a patient account is refused; another clinic gets 404 and an empty search', async () => {
    expect((await get(`Claim/${malariaBill}`, 'portal')).status).toBe(403);
    expect((await get(`Claim/${malariaBill}`, 'southdoc')).status).toBe(404);
    expect((await get(`Claim?patient=${PID}`, 'southdoc')).body.total).toBe(0);
  });

  it('an API client reads claims with Claim scopes only; its reads are audited with its id', async () => {
    const clientId = await addClient(['system/Claim.rs']);
    const reader = { token: await clientToken(clientId, 'system/Claim.rs') };
    expect((await get(`Claim/${malariaBill}`, reader)).body).toEqual(malaria());
    const audited = app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'fhir.read' ORDER BY seq DESC LIMIT 1").get() as { user_id: string | null; target: string; detail: string };
    expect({ ...audited, detail: JSON.parse(audited.detail) as Json }).toEqual({ user_id: null, target: `patient:${PID}`, detail: { interaction: 'read', resourceType: 'Claim', count: 1, clientId } });
    const other = { token: await clientToken(await addClient(['system/Patient.rs']), 'system/Patient.rs') };
    expect((await get(`Claim/${malariaBill}`, other)).status).toBe(403);
    expect((await get(`Claim?patient=${PID}`, other)).status).toBe(403);
  });
});

const depression = () => ({
  resourceType: 'Claim',
  id: depressionBill,
  contained: [
    {
      resourceType: 'Coverage',
      id: 'self-pay',
      status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-selfpay', code: 'pay', display: 'PAY' }] },
      beneficiary: { reference: `Patient/${PID}` },
      payor: [{ reference: `Patient/${PID}` }]
    }
  ],
  status: 'active',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
  use: 'claim',
  patient: { reference: `Patient/${PID}` },
  billablePeriod: { start: '2026-03-02', end: '2026-03-02' },
  created: '2026-03-02T11:00:00.000Z',
  provider: { display: 'North Clinic' },
  priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
  insurance: [{ sequence: 1, focal: true, coverage: { reference: '#self-pay' } }],
  diagnosis: [{ sequence: 1, diagnosisCodeableConcept: { coding: [{ system: ICD10, code: 'F32.1', display: 'Major depressive disorder, single episode, moderate' }], text: 'Major depressive disorder, single episode, moderate' } }],
  item: [
    {
      sequence: 1,
      diagnosisSequence: [1],
      productOrService: { coding: [{ system: 'urn:outpost:fee-schedule', code: 'OPD-2', display: 'Follow-up consultation' }], text: 'Follow-up consultation' },
      servicedDate: '2026-03-02',
      unitPrice: { value: 30, currency: 'USD' },
      net: { value: 30, currency: 'USD' }
    }
  ],
  total: { value: 30, currency: 'USD' }
});

const doneTask = () => ({
  resourceType: 'Task',
  id: TASK_DONE,
  status: 'completed',
  intent: 'order',
  code: { text: 'Clinical task' },
  description: 'Send the referral letter',
  for: { reference: `Patient/${PID}` },
  authoredOn: '2026-03-03T08:00:00.000Z',
  lastModified: '2026-03-04T12:00:00.000Z',
  requester: { display: 'Dr Amara Diallo' },
  owner: { reference: `Practitioner/${ids.doc}`, display: 'Dr Amara Diallo' },
  restriction: { period: { end: '2026-03-04' } }
});
const resultTask = () => ({
  resourceType: 'Task',
  id: TASK_RESULT,
  status: 'requested',
  intent: 'order',
  code: { text: 'Clinical task' },
  description: 'Act on the viral load',
  for: { reference: `Patient/${PID}` },
  focus: { display: 'Viral load 40 copies/mL', reference: `Observation/${VIRAL_LOAD}` },
  authoredOn: '2026-03-03T08:00:00.000Z',
  lastModified: '2026-03-03T08:00:00.000Z',
  requester: { display: 'Dr Amara Diallo' },
  owner: { display: 'clinician' },
  restriction: { period: { end: '2026-03-05' } }
});
const otherTask = () => ({
  resourceType: 'Task',
  id: TASK_OTHER,
  status: 'requested',
  intent: 'order',
  code: { text: 'Clinical task' },
  description: 'Check the blood pressure log',
  for: { reference: `Patient/${PID2}` },
  authoredOn: '2026-03-04T12:00:00.000Z',
  lastModified: '2026-03-04T12:00:00.000Z',
  requester: { display: 'Dr Amara Diallo' },
  owner: { reference: `Practitioner/${ids.doc}`, display: 'Dr Amara Diallo' },
  restriction: { period: { end: '2026-03-12' } }
});

describe('Task and Claim in the bulk $export', () => {
  let seededAt: string;
  beforeAll(async () => {
    // The South clinic: a patient with a bill and a task of its own.
    const southDoctor = { id: ids.southdoc, name: 'Dr South' };
    await edit(`patient:${PSOUTH}`, southId, (d) => {
      initPatientDoc(d, PSOUTH, { family: 'South', given: ['Sam'], birthDate: '1970-01-01', gender: 'male' }, southDoctor, 'OP-9');
      openSuperbill(d, { visitDate: '2026-03-05', diagnoses: [{ code: 'J06.9', display: 'Acute upper respiratory infection, unspecified' }] }, southDoctor);
    });
    await edit(`tasks:${southId}`, southId, (d) => {
      initTasksDoc(d, southId);
      addTask(d, { description: 'South clinic call-back', patientId: PSOUTH, owner: { kind: 'role', role: 'clinician' }, dueDate: '2026-03-06', category: 'admin' }, southDoctor, TASK_SOUTH);
    });
    seededAt = new Date(Date.now() + 1000).toISOString();
  });

  it('exports the clinic’s tasks and bills as literal Task and Claim NDJSON, by the read API’s mapping', async () => {
    const out = await bulk('/fhir/R4/$export?_type=Task,Claim', 'doc');
    expect(out.status).toBe(202);
    // Patients in id order (PID, then PID2); a patient's bills oldest first, then its tasks by due date.
    expect(out.files).toEqual([
      ['Claim', 2],
      ['Task', 4]
    ]);
    expect(out.byType.Claim).toEqual([malaria(), depression()]);
    expect(out.byType.Task).toEqual([doneTask(), resultTask(), callTask(), otherTask()]);
    // The same resources as the read API serves.
    expect((await get(`Task/${TASK_CALL}`, 'doc')).body).toEqual(out.byType.Task[2]);
    expect((await get(`Claim/${depressionBill}`, 'doc')).body).toEqual(out.byType.Claim[1]);
  });

  it('another clinic’s tasks and bills are never in the export; each clinic exports its own', async () => {
    for (const level of ['/fhir/R4/$export', `/fhir/R4/Group/${clinicId}/$export`, '/fhir/R4/Patient/$export']) {
      const north = await bulk(`${level}?_type=Task,Claim`, 'doc');
      const all = [...(north.byType.Task ?? []), ...(north.byType.Claim ?? [])];
      expect(all.map((r) => r.id).sort(), level).toEqual([TASK_DONE, TASK_RESULT, TASK_CALL, TASK_OTHER, malariaBill, depressionBill].sort());
      expect(JSON.stringify(all).includes(PSOUTH), level).toBe(false);
    }
    const south = await bulk('/fhir/R4/Patient/$export?_type=Task,Claim', 'southdoc');
    expect(south.files).toEqual([
      ['Claim', 1],
      ['Task', 1]
    ]);
    expect(south.byType.Task.map((r) => [r.id, r.for.reference, r.description])).toEqual([[TASK_SOUTH, `Patient/${PSOUTH}`, 'South clinic call-back']]);
    expect(south.byType.Claim.map((r) => [r.patient.reference, r.provider.display, r.diagnosis[0].diagnosisCodeableConcept.coding[0].code])).toEqual([[`Patient/${PSOUTH}`, 'South Clinic', 'J06.9']]);
  });

  it('_type picks one of them; without _type both come with the rest', async () => {
    const tasks = await bulk('/fhir/R4/$export?_type=Task', 'doc');
    expect(tasks.files).toEqual([['Task', 4]]);
    const everything = await bulk('/fhir/R4/$export', 'doc');
    expect(everything.byType.Task.map((r) => r.id)).toEqual([TASK_DONE, TASK_RESULT, TASK_CALL, TASK_OTHER]);
    expect(everything.byType.Claim.map((r) => r.id)).toEqual([malariaBill, depressionBill]);
    expect(everything.byType.Patient.map((r) => r.id)).toEqual([PID, PID2]);
  });

  it('_since: a task by its own last change, the bills by their patient document’s', async () => {
    // Tasks changed after 4 March, 00:00 (the completed one and PID2's); the bills' document was written after it.
    const since = await bulk('/fhir/R4/$export?_type=Task,Claim&_since=2026-03-04T00:00:00Z', 'doc');
    expect(since.byType.Task.map((r) => r.id)).toEqual([TASK_DONE, TASK_OTHER]);
    expect(since.byType.Claim.map((r) => r.id)).toEqual([malariaBill, depressionBill]);
    const none = await bulk(`/fhir/R4/$export?_type=Task,Claim&_since=${seededAt}`, 'doc');
    expect(none.files).toEqual([]);
  });

  it('an API client exports Task and Claim only as its scopes allow', async () => {
    const taskReader = { token: await clientToken(await addClient(['system/Task.rs']), 'system/Task.rs') };
    const refused = await bulk('/fhir/R4/$export?_type=Task,Claim', taskReader);
    expect(refused.status).toBe(403);
    expect(refused.outcome!.issue[0].diagnostics).toBe('The granted scopes do not allow reading Claim');
    // Positive control: the same client, its own type.
    const own = await bulk('/fhir/R4/$export', taskReader);
    expect(own.files).toEqual([['Task', 4]]);
    const claimReader = { token: await clientToken(await addClient(['system/Claim.rs', 'system/Patient.rs']), 'system/Claim.rs system/Patient.rs') };
    const claims = await bulk('/fhir/R4/Group/' + clinicId + '/$export', claimReader);
    expect(claims.files).toEqual([
      ['Patient', 2],
      ['Claim', 2]
    ]);
    const observations = { token: await clientToken(await addClient(['system/Observation.rs']), 'system/Observation.rs') };
    expect((await bulk('/fhir/R4/$export?_type=Task', observations)).status).toBe(403);
  });
});

describe('a patient restriction holds on Task and Claim', () => {
  it('leaves out the bill coded in the restricted category and the task prompted by the restricted result, except for the named clinician', async () => {
    // Before: everyone sees both (the check can see them).
    expect(idsOf((await get(`Claim?patient=${PID}`, 'ben')).body)).toEqual([depressionBill, malariaBill]);
    expect((await get(`Task/${TASK_RESULT}`, 'ben')).status).toBe(200);
    for (const category of ['mental-health', 'hiv']) {
      const made = await fetch(`${app.url}/api/restrictions`, {
        method: 'POST',
        headers: { cookie: cookie.doc, 'content-type': 'application/json', origin: app.url },
        body: JSON.stringify({ patientId: PID, category, allowedUserIds: [], request: 'Only my own doctor' })
      });
      expect(made.status, await made.clone().text()).toBe(201);
    }
    const client = { token: await clientToken(await addClient(['system/*.rs']), 'system/*.rs') };
    for (const reader of ['ben', 'desk', client] as const) {
      const label = typeof reader === 'string' ? reader : 'client';
      expect(idsOf((await get(`Claim?patient=${PID}`, reader)).body), label).toEqual([malariaBill]);
      expect((await get(`Claim/${depressionBill}`, reader)).status, label).toBe(404);
      expect((await get(`Task/${TASK_RESULT}`, reader)).status, label).toBe(404);
      expect(idsOf((await get(`Task?patient=${PID}`, reader)).body).sort(), label).toEqual([TASK_CALL, TASK_DONE].sort());
    }
    // The clinician who asked for the restrictions is named by them.
    expect(idsOf((await get(`Claim?patient=${PID}`, 'doc')).body)).toEqual([depressionBill, malariaBill]);
    expect((await get(`Task/${TASK_RESULT}`, 'doc')).status).toBe(200);
  });
});

describe('a restricted prompt never reaches a Task, read or exported', () => {
  beforeAll(async () => {
    // A clinic registry of patients with HIV (B20), and a task raised from it and from the built-in diabetes registry, for the restricted patient.
    await edit(`registries:${clinicId}`, clinicId, (d) => {
      initRegistriesDoc(d, clinicId);
      hivRegistry = saveRegistry(d, { name: 'HIV care', rules: [{ kind: 'condition', icd10Prefixes: ['B20'] }] }, { id: ids.doc, name: 'Dr Amara Diallo' });
    });
    await edit(`tasks:${clinicId}`, clinicId, (d) => {
      const doctor = { id: ids.doc, name: 'Dr Amara Diallo' };
      addTask(d, { description: 'Review HIV care: viral load due', patientId: PID, owner: { kind: 'role', role: 'clinician' }, dueDate: '2026-03-20', category: 'clinical', focus: { kind: 'registry', ref: hivRegistry, label: 'HIV care' } }, doctor, TASK_HIV_REGISTRY);
      addTask(d, { description: 'Review Diabetes: no HbA1c in 6 months', patientId: PID, owner: { kind: 'role', role: 'clinician' }, dueDate: '2026-03-21', category: 'clinical', focus: { kind: 'registry', ref: 'diabetes', label: 'Diabetes' } }, doctor, TASK_DIABETES_REGISTRY);
    });
  });

  it('a task raised from a registry that selects on a restricted problem code is left out for whoever the restriction hides it from', async () => {
    const client = { token: await clientToken(await addClient(['system/*.rs']), 'system/*.rs') };
    for (const reader of ['ben', 'desk', client] as const) {
      const label = typeof reader === 'string' ? reader : 'client';
      expect((await get(`Task/${TASK_HIV_REGISTRY}`, reader)).status, label).toBe(404);
      // Positive control: a registry task on an unrestricted problem is there.
      expect((await get(`Task/${TASK_DIABETES_REGISTRY}`, reader)).status, label).toBe(200);
      expect(idsOf((await get(`Task?patient=${PID}`, reader)).body).sort(), label).toEqual([TASK_CALL, TASK_DONE, TASK_DIABETES_REGISTRY].sort());
    }
    // The clinician the restrictions name reads it.
    expect((await get(`Task/${TASK_HIV_REGISTRY}`, 'doc')).body.focus).toEqual({ display: 'HIV care' });
  });

  it('the export leaves out the restricted bill and the tasks of restricted prompts, whoever starts it', async () => {
    const out = await bulk('/fhir/R4/$export?_type=Task,Claim', 'doc');
    expect(out.byType.Claim).toEqual([malaria()]);
    expect(out.byType.Task.map((r) => r.id)).toEqual([TASK_DONE, TASK_CALL, TASK_DIABETES_REGISTRY, TASK_OTHER]);
    expect(JSON.stringify(out.byType)).not.toMatch(/HIV|viral load|F32\.1/i);
  });
});

describe('CapabilityStatement', () => {
  it('lists Task and Claim with their search parameters', async () => {
    const res = await fetch(`${app.url}/fhir/R4/metadata`, { headers: { cookie: cookie.doc } });
    const cs = (await res.json()) as Json;
    const byType = new Map((cs.rest[0].resource as Json[]).map((r) => [r.type as string, r]));
    const task = byType.get('Task')!;
    expect(task.interaction).toEqual([{ code: 'read' }, { code: 'search-type' }]);
    expect(task.searchInclude).toBeUndefined();
    expect((task.searchParam as Json[]).map((p) => [p.name, p.type])).toEqual([
      ['_id', 'token'],
      ['_count', 'number'],
      ['patient', 'reference'],
      ['subject', 'reference'],
      ['status', 'token'],
      ['owner', 'reference'],
      ['authored-on', 'date']
    ]);
    const claim = byType.get('Claim')!;
    expect(claim.searchInclude).toEqual(['Claim:patient']);
    expect((claim.searchParam as Json[]).map((p) => [p.name, p.type])).toEqual([
      ['_id', 'token'],
      ['_count', 'number'],
      ['patient', 'reference'],
      ['subject', 'reference'],
      ['status', 'token'],
      ['use', 'token'],
      ['created', 'date']
    ]);
  });
});
