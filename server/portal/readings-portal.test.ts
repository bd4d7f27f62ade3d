import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObservations } from '../../src/lib/chart/clinical-doc';
import { prescribe, stopMedication, type PrescriptionInput } from '../../src/lib/chart/medication-doc';
import { closeRefillRequest, listRefillRequests } from '../../src/lib/chart/refill-request-doc';
import { listTasks } from '../../src/lib/chart/tasks-doc';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { seedPortalPatient } from './portal-test-support';

/**
 * Home readings and refill requests from the patient portal against the
 * real server: what the patient sends is checked, written by the server
 * into the record (chart Observations marked as reported by the patient; a
 * refill request on the patient's document), raises the clinic inbox item
 * when it should (once), and is refused for a record the account holds no
 * grant to.
 */
let app: TestApp;
let clinicId: string;
let desk: string;
let doc: string;
let docId: string;
let patient: string;
let other: string;
const PATIENT = 'c4d5e6f7-0000-4000-8000-000000000001';
const OTHER = 'c4d5e6f7-0000-4000-8000-000000000002';
const BIRTH = '1968-05-03';
const RX_ACTIVE = 'c4d5e6f7-0000-4000-8000-0000000000a1';
const RX_STOPPED = 'c4d5e6f7-0000-4000-8000-0000000000a2';
let n = 0;
/** A fresh reading/request id, as the patient's device makes one. */
const newId = () => `c4d5e6f7-1111-4111-8111-${String(++n).padStart(12, '0')}`;

const rx = (text: string): PrescriptionInput => ({
  medicationCodeableConcept: { text },
  dosage: { text: 'Take 1 tablet by mouth twice daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 2, period: 1, periodUnit: 'd' }, asNeeded: false },
  dispense: { quantity: { value: 60, unit: 'tablet' }, numberOfRepeatsAllowed: 0 },
  detectedIssues: []
});

async function send(method: 'GET' | 'POST', path: string, cookie: string, body?: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
}
const reading = (body: Record<string, unknown>, cookie = patient, patientId = PATIENT) => send('POST', `/api/portal/records/${patientId}/home-readings`, cookie, body);
const refill = (body: Record<string, unknown>, cookie = patient, patientId = PATIENT) => send('POST', `/api/portal/records/${patientId}/refill-requests`, cookie, body);
const message = async (res: Response) => ((await res.json()) as { error: { message: string; details?: { path: string; message: string }[] } }).error;

async function docOf(name: string): Promise<Y.Doc> {
  const d = new Y.Doc();
  const state = await app.sync.readState(name, clinicId);
  if (state) Y.applyUpdate(d, state);
  return d;
}
const inbox = async (kind: string) => listTasks(await docOf(`tasks:${clinicId}`)).filter((t) => t.focus.kind === kind);
const homeReadingsInChart = async () => listObservations(await docOf(`chart:${PATIENT}`)).filter((o) => o.reportedBy);

async function account(patientId: string, username: string): Promise<string> {
  const inv = await send('POST', '/api/portal/invitations', desk, { relation: 'self', patientId });
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const birthDate = patientId === PATIENT ? BIRTH : '1985-01-01';
  const res = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate, username, password: TEST_PASSWORD }) });
  expect(res.status).toBe(201);
  return sessionCookieFor(app.url, username);
}

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'Hillside Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'doc', roles: ['clinician'] }
  ]);
  clinicId = made.clinicId;
  docId = made.ids.doc;
  await seedPortalPatient(app, clinicId, PATIENT, { family: 'Mwangi', given: 'Neema', birthDate: BIRTH });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Otieno', given: 'Baraka', birthDate: '1985-01-01' });
  const chart = await docOf(`chart:${PATIENT}`);
  const before = Y.encodeStateVector(chart);
  const dr = { id: 'seed', name: 'Dr Amani Seed' };
  prescribe(chart, rx('Metformin 500 mg tablet'), dr, RX_ACTIVE);
  prescribe(chart, rx('Amlodipine 5 mg tablet'), dr, RX_STOPPED);
  stopMedication(chart, RX_STOPPED, 'Ankle swelling', dr);
  await app.sync.applyServerUpdate(`chart:${PATIENT}`, clinicId, Y.encodeStateAsUpdate(chart, before), 'seed', 'seed');
  desk = await sessionCookieFor(app.url, 'desk');
  doc = await sessionCookieFor(app.url, 'doc');
  patient = await account(PATIENT, 'neema');
  other = await account(OTHER, 'baraka');
});

afterAll(async () => {
  await app.stop();
});

describe('home readings', () => {
  it('185/120 is kept as a reading reported by the patient, flagged as a hypertensive crisis, and raises exactly one inbox item, resend included', async () => {
    const id = newId();
    const res = await reading({ id, kind: 'bloodPressure', systolic: 185, diastolic: 120 });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { reading: Record<string, unknown>; clinicTold: boolean };
    expect(body.reading).toMatchObject({ id, kind: 'bloodPressure', value: 185, diastolic: 120, unit: 'mmHg', reportedBy: 'patient', urgent: true, flag: { status: 'abnormal', level: 'danger', label: 'Hypertensive crisis' } });
    expect(body.clinicTold).toBe(true);

    const items = await inbox('home-reading');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ patientId: PATIENT, owner: { kind: 'role', role: 'clinician' }, dueDate: new Date().toISOString().slice(0, 10), focus: { kind: 'home-reading', ref: id, label: 'Home reading out of range' } });
    expect(items[0].description).toBe("Home blood pressure out of range: see the chart's vital signs");

    const stored = (await homeReadingsInChart()).find((o) => o.id === id)!;
    expect(stored).toMatchObject({ category: 'vital-signs', reportedBy: 'patient', performer: [{ reference: `Patient/${PATIENT}`, display: 'The patient' }] });
    expect(stored.component?.map((c) => c.valueQuantity?.value)).toEqual([185, 120]);

    // The device resends after a cut: the same answer, no second reading, no second item.
    const again = await reading({ id, kind: 'bloodPressure', systolic: 185, diastolic: 120 });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { reading: { id: string } }).reading.id).toBe(id);
    expect(await inbox('home-reading')).toHaveLength(1);
    expect((await homeReadingsInChart()).filter((o) => o.id === id)).toHaveLength(1);
  });

  it('120/80 is kept with its stage 1 flag and raises no inbox item', async () => {
    const before = (await inbox('home-reading')).length;
    const id = newId();
    const res = await reading({ id, kind: 'bloodPressure', systolic: 120, diastolic: 80 });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { reading: unknown }).reading).toMatchObject({ id, urgent: false, flag: { status: 'abnormal', level: 'warn', label: 'Stage 1 hypertension' } });
    // Positive signal first: the reading is in the chart; only then count the inbox.
    expect((await homeReadingsInChart()).map((o) => o.id)).toContain(id);
    expect((await inbox('home-reading')).length).toBe(before);
  });

  it('glucose in mg/dL is kept in mmol/L; a level 2 low raises an item', async () => {
    const id = newId();
    const res = await reading({ id, kind: 'glucose', value: 50, unit: 'mg/dL' });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { reading: unknown }).reading).toMatchObject({ kind: 'glucose', value: 2.8, unit: 'mmol/L', urgent: true, flag: { label: 'Very low' } });
    expect((await inbox('home-reading')).map((t) => t.focus.ref)).toContain(id);
  });

  it.each([
    ['a top number of 400', { kind: 'bloodPressure', systolic: 400, diastolic: 90 }, 'Systolic above 300 is not plausible'],
    ['the bottom number above the top', { kind: 'bloodPressure', systolic: 110, diastolic: 130 }, 'Diastolic must be lower than systolic'],
    ['a temperature of 52', { kind: 'temperature', value: 52 }, 'Temperature (°C) above 45 is not plausible'],
    ['an oxygen level of 120', { kind: 'spo2', value: 120 }, 'SpO₂ above 100 is not plausible'],
    ['a blood sugar of 50 mmol/L', { kind: 'glucose', value: 50, unit: 'mmol/L' }, 'Blood sugar between 1 and 35 mmol/L is what a meter shows: check the number'],
    ['a weight given as text', { kind: 'weight', value: '70' }, 'Weight (kg): enter a number'],
    ['something not measured here', { kind: 'cholesterol', value: 5 }, 'Choose what you measured: blood pressure, blood sugar, weight, temperature or oxygen level'],
    ['a reading dated tomorrow', { kind: 'weight', value: 70, takenAt: new Date(Date.now() + 86_400_000).toISOString() }, 'The time of the reading is in the future: check the date and time']
  ])('%s is refused with a readable reason and nothing is written', async (_, body, text) => {
    const before = (await homeReadingsInChart()).length;
    const res = await reading({ id: newId(), ...body });
    expect(res.status).toBe(400);
    const error = await message(res);
    expect([error.message, ...(error.details ?? []).map((d) => d.message)]).toContain(text);
    // Positive control in the same state: an honest reading is kept.
    expect((await reading({ id: newId(), kind: 'weight', value: 71.5 })).status).toBe(201);
    expect((await homeReadingsInChart()).length).toBe(before + 1);
  });

  it('another patient, and staff, get 403 for this record (audited) and nothing is written', async () => {
    const before = (await homeReadingsInChart()).length;
    const denied = await reading({ id: newId(), kind: 'bloodPressure', systolic: 185, diastolic: 120 }, other);
    expect(denied.status).toBe(403);
    expect((await message(denied)).message).toBe('You can only see your own record, and the records you were given access to.');
    expect((await send('GET', `/api/portal/records/${PATIENT}/home-readings`, other)).status).toBe(403);
    expect((await reading({ id: newId(), kind: 'weight', value: 70 }, doc)).status).toBe(403);
    const audited = app.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = 'portal:record'").get() as { n: number };
    expect(audited.n).toBeGreaterThanOrEqual(3);
    // Positive control: the patient's own account writes to it.
    expect((await reading({ id: newId(), kind: 'temperature', value: 37.1 })).status).toBe(201);
    expect((await homeReadingsInChart()).length).toBe(before + 1);
  });

  it("a community health worker acting for the patient sends one: marked as reported for the patient by a proxy, named as performer", async () => {
    const inv = await send('POST', '/api/portal/invitations', desk, { relation: 'proxy', patientId: PATIENT, proxyKind: 'carer', proxyName: 'Wanjiku CHW' });
    expect(inv.status).toBe(201);
    const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
    const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: BIRTH, username: 'wanjiku.chw', password: TEST_PASSWORD }) });
    expect(act.status).toBe(201);
    const chw = await sessionCookieFor(app.url, 'wanjiku.chw');
    const id = newId();
    const res = await reading({ id, kind: 'spo2', value: 90 }, chw);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { reading: unknown }).reading).toMatchObject({ reportedBy: 'proxy', urgent: true, flag: { label: 'Low', level: 'danger' } });
    expect((await homeReadingsInChart()).find((o) => o.id === id)).toMatchObject({ reportedBy: 'proxy', performer: [{ display: 'Wanjiku CHW (carer, acting for the patient)' }] });
    expect((await inbox('home-reading')).find((t) => t.focus.ref === id)?.description).toBe("Home oxygen level out of range: see the chart's vital signs");
  });

  it('the patient lists their own readings with flags; the FHIR export names the Patient as performer and tags it patient-reported', async () => {
    const list = (await (await send('GET', `/api/portal/records/${PATIENT}/home-readings`, patient)).json()) as { readings: { kind: string; value: number; flag: { status: string } }[] };
    expect(list.readings.find((r) => r.kind === 'bloodPressure' && r.value === 185)?.flag.status).toBe('abnormal');
    const bundle = (await (await send('GET', `/api/portal/records/${PATIENT}/everything`, patient)).json()) as { entry: { resource: Record<string, unknown> }[] };
    const bp = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Observation' && JSON.stringify(r.component ?? []).includes('185'))!;
    expect(bp.meta).toEqual({ tag: [{ system: 'urn:outpost:data-source', code: 'patient-reported', display: 'Reported by the patient' }] });
    expect(bp.performer).toEqual([{ reference: `Patient/${PATIENT}`, display: 'The patient' }]);
    expect(bp.category).toEqual([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }]);
  });
});

describe('refill requests', () => {
  it('the patient is offered the active medicines only; a request for one is kept, raises one inbox item, and a resend answers the same', async () => {
    const offered = (await (await send('GET', `/api/portal/records/${PATIENT}/refill-requests`, patient)).json()) as { medicines: { id: string; text: string }[]; requests: unknown[] };
    expect(offered.medicines).toEqual([{ id: RX_ACTIVE, text: 'Metformin 500 mg tablet' }]);
    const id = newId();
    const res = await refill({ id, medicationId: RX_ACTIVE, note: 'Two days left' });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { request: unknown }).request).toMatchObject({ id, medicationId: RX_ACTIVE, medicationText: 'Metformin 500 mg tablet', note: 'Two days left', status: 'open', declineReason: null });
    const items = await inbox('refill-request');
    expect(items.map((t) => t.focus.ref)).toEqual([id]);
    expect(items[0]).toMatchObject({ description: 'Refill request from the patient portal', owner: { kind: 'role', role: 'clinician' } });
    const kept = listRefillRequests(await docOf(`patient:${PATIENT}`)).find((r) => r.id === id);
    expect(kept).toMatchObject({ via: 'portal', medicationId: RX_ACTIVE, status: 'open' });

    const again = await refill({ id, medicationId: RX_ACTIVE, note: 'Two days left' });
    expect(again.status).toBe(200);
    expect(await inbox('refill-request')).toHaveLength(1);
    // A second request for the same medicine while the first waits is refused.
    const twice = await refill({ id: newId(), medicationId: RX_ACTIVE });
    expect(twice.status).toBe(409);
    expect((await message(twice)).message).toBe('You already asked for more of this medicine. The clinic has not answered yet.');
  });

  it.each([
    ['a stopped medicine', RX_STOPPED],
    ['a medicine not on the record', 'c4d5e6f7-0000-4000-8000-0000000000ff']
  ])('a request for %s is refused and nothing is written', async (_, medicationId) => {
    const before = listRefillRequests(await docOf(`patient:${PATIENT}`)).length;
    const res = await refill({ id: newId(), medicationId });
    expect(res.status).toBe(400);
    expect((await message(res)).message).toBe('That medicine is not one of your current medicines. Choose one from the list, or call the clinic.');
    expect(listRefillRequests(await docOf(`patient:${PATIENT}`)).length).toBe(before);
  });

  it('a note over 500 characters is refused with a readable reason', async () => {
    const res = await refill({ id: newId(), medicationId: RX_ACTIVE, note: 'x'.repeat(501) });
    expect(res.status).toBe(400);
    expect((await message(res)).details?.map((d) => d.message)).toContain('The note is at most 500 characters');
  });

  it('another patient gets 403 (audited) and nothing is written', async () => {
    const before = listRefillRequests(await docOf(`patient:${PATIENT}`)).length;
    expect((await refill({ id: newId(), medicationId: RX_ACTIVE }, other)).status).toBe(403);
    expect((await send('GET', `/api/portal/records/${PATIENT}/refill-requests`, other)).status).toBe(403);
    expect(listRefillRequests(await docOf(`patient:${PATIENT}`)).length).toBe(before);
    // Positive control: the other patient reads their own (no medicines, no requests).
    const own = (await (await send('GET', `/api/portal/records/${OTHER}/refill-requests`, other)).json()) as { medicines: unknown[]; requests: unknown[] };
    expect(own).toEqual({ medicines: [], requests: [] });
  });

  it('the clinician declines with a reason (a decline without one is refused) and the patient reads the reason', async () => {
    const [open] = listRefillRequests(await docOf(`patient:${PATIENT}`)).filter((r) => r.via === 'portal' && r.status === 'open');
    const clinician = { id: docId, name: 'doc' };
    // A crafted decline with no reason, as a device would send it.
    const bare = await docOf(`patient:${PATIENT}`);
    const sv = Y.encodeStateVector(bare);
    const entry = bare.getMap('refillRequests').get(open.id) as Y.Map<unknown>;
    bare.transact(() => {
      entry.set('status', 'declined');
      entry.set('closedAt', new Date().toISOString());
      entry.set('closedBy', 'doc');
      entry.set('closedById', docId);
    });
    await expect(app.sync.applyServerUpdate(`patient:${PATIENT}`, clinicId, Y.encodeStateAsUpdate(bare, sv), docId, 'import')).rejects.toThrow('Say why the refill is declined: the patient reads it');

    const d = await docOf(`patient:${PATIENT}`);
    const before = Y.encodeStateVector(d);
    closeRefillRequest(d, open.id, { status: 'declined', reason: 'Please come in for a blood test first' }, clinician);
    await app.sync.applyServerUpdate(`patient:${PATIENT}`, clinicId, Y.encodeStateAsUpdate(d, before), docId, 'import');
    const seen = (await (await send('GET', `/api/portal/records/${PATIENT}/refill-requests`, patient)).json()) as { requests: { id: string; status: string; declineReason: string | null }[] };
    expect(seen.requests.find((r) => r.id === open.id)).toMatchObject({ status: 'declined', declineReason: 'Please come in for a blood test first' });
    // Answered: the patient may ask again.
    expect((await refill({ id: newId(), medicationId: RX_ACTIVE })).status).toBe(201);
  });
});
