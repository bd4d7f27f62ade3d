import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listIntakeResponses, writeIntakeResponse } from '../../src/lib/chart/intake-doc';
import { listTasks } from '../../src/lib/chart/tasks-doc';
import { tasksName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { seedPortalPatient, seedSchedule } from './portal-test-support';

/**
 * Pre-visit forms against the real server: the patient opens the form with
 * their record's medicines and allergies, sends it; the server checks every
 * answer, computes the scores itself, writes the response into the chart
 * and files an inbox item. Accounts without a grant, staff sessions and
 * staff devices are refused.
 */
let app: TestApp;
let clinicId: string;
let patientCookie: string;
let strangerCookie: string;
let doc: string;
const PATIENT = 'c4d2e3f4-0000-4000-8000-000000000001';
const OTHER = 'c4d2e3f4-0000-4000-8000-000000000002';
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

async function account(patientId: string, birthDate: string, username: string, desk: string): Promise<string> {
  const inv = await fetch(`${app.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: desk }, body: JSON.stringify({ relation: 'self', patientId }) });
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate, username, password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  return sessionCookieFor(app.url, username);
}

const form = (cookie: string, patientId = PATIENT) => fetch(`${app.url}/api/portal/records/${patientId}/intake`, { headers: { cookie } });
const submit = (body: unknown, cookie = patientCookie, patientId = PATIENT) =>
  fetch(`${app.url}/api/portal/records/${patientId}/intake`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });

async function chart(patientId = PATIENT): Promise<Y.Doc> {
  const d = new Y.Doc();
  const state = await app.sync.readState(`chart:${patientId}`, clinicId);
  if (state) Y.applyUpdate(d, state);
  return d;
}
async function intakeTasks() {
  const d = new Y.Doc();
  const state = await app.sync.readState(tasksName(clinicId), clinicId);
  if (state) Y.applyUpdate(d, state);
  return listTasks(d).filter((t) => t.focus.kind === 'intake');
}
const uuid = () => crypto.randomUUID();

interface Prefill {
  medicines: { id: string; name: string }[];
  allergies: { id: string; substance: string }[];
  appointments: { id: string; start: string }[];
}
let prefill: Prefill;

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'Hillside Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'doc', roles: ['clinician'] }
  ]);
  clinicId = made.clinicId;
  await seedPortalPatient(app, clinicId, PATIENT, { family: 'Mwangi', given: 'Neema', birthDate: '1990-07-14' });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Otieno', given: 'Baraka', birthDate: '1985-01-01' });
  await seedSchedule(app, clinicId, PATIENT, OTHER);
  const desk = await sessionCookieFor(app.url, 'desk');
  doc = await sessionCookieFor(app.url, 'doc');
  patientCookie = await account(PATIENT, '1990-07-14', 'neema', desk);
  strangerCookie = await account(OTHER, '1985-01-01', 'baraka', desk);
  // A medicine on the record (seedPortalPatient holds allergies but no medicine).
  const c = await chart();
  const sv = Y.encodeStateVector(c);
  c.getMap('medications').set('med-1', (() => {
    const m = new Y.Map<unknown>();
    for (const [k, v] of Object.entries({ id: 'med-1', resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: 'Metformin 500 mg' }, dosageText: 'Twice a day', authoredOn: '2026-01-01', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'Seed', updatedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'Seed' })) m.set(k, v);
    return m;
  })());
  await app.sync.applyServerUpdate(`chart:${PATIENT}`, clinicId, Y.encodeStateAsUpdate(c, sv), 'seed', 'seed');
  const res = await form(patientCookie);
  expect(res.status).toBe(200);
  prefill = ((await res.json()) as { prefill: Prefill }).prefill;
});

afterAll(async () => {
  await app.stop();
});

describe('GET the form', () => {
  it("lists the record's current medicines and allergies and the upcoming appointment, with the five forms as FHIR Questionnaires", async () => {
    const res = await form(patientCookie);
    const body = (await res.json()) as { version: string; questionnaires: { resourceType: string; id: string; version: string }[]; prefill: Prefill };
    expect(body.version).toBe('1.0.0');
    expect(body.questionnaires.map((q) => `${q.resourceType}/${q.id}|${q.version}`)).toEqual(['Questionnaire/intake-reason|1.0.0', 'Questionnaire/intake-medicines|1.0.0', 'Questionnaire/intake-allergies|1.0.0', 'Questionnaire/phq-9|1.0.0', 'Questionnaire/gad-7|1.0.0']);
    expect(body.prefill.medicines).toEqual([{ id: 'med-1', name: 'Metformin 500 mg', detail: 'Twice a day' }]);
    expect(body.prefill.allergies.map((a) => a.substance)).toEqual(['Penicillin']);
    expect(body.prefill.appointments.map((a) => a.start)).toEqual(['2030-05-06T09:00:00.000Z']);
  });
});

describe('POST a completed form', () => {
  it('is kept in the chart with the scores computed by the server (a forged score is ignored), and raises an intake inbox item', async () => {
    const id = uuid();
    const res = await submit({
      id,
      appointmentId: prefill.appointments[0].id,
      reason: 'Cough for two weeks',
      medicines: [{ medicationId: 'med-1', answer: 'stopped' }],
      newMedicines: [{ name: 'Ibuprofen', dose: '200 mg when needed' }],
      allergies: [{ allergyId: prefill.allergies[0].id, answer: 'yes' }],
      newAllergies: [{ substance: 'Sulfa drugs', reaction: 'Rash' }],
      phq: [1, 1],
      gad7: [2, 2, 2, 2, 2, 0, 0],
      // Forged by the client: never read.
      scores: { gad7: 0 },
      gad7Score: 0,
      flags: ['none']
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id, version: '1.0.0' });
    const [kept] = listIntakeResponses(await chart()).filter((r) => r.id === id);
    expect(kept).toMatchObject({
      reason: 'Cough for two weeks',
      medicines: [{ medicationId: 'med-1', name: 'Metformin 500 mg', answer: 'stopped' }],
      newAllergies: [{ key: 'a1', substance: 'Sulfa drugs', reaction: 'Rash' }],
      phq: { phq2: 2, phq2Band: 'negative', phq9: null },
      gad7: { score: 10, band: 'moderate' },
      flags: [],
      submittedBy: 'Patient',
      relation: 'self'
    });
    const tasks = (await intakeTasks()).filter((t) => t.focus.ref === id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ patientId: PATIENT, owner: { kind: 'role', role: 'clinician' }, category: 'clinical', dueDate: new Date().toISOString().slice(0, 10), status: 'requested' });
    expect(tasks[0].description).not.toMatch(/Cough|Sulfa|10/);
    const audit = JSON.stringify(app.db.prepare("SELECT * FROM audit_log WHERE action LIKE 'portal.intake%'").all());
    expect(audit).toContain(id);
    expect(audit).not.toMatch(/Cough|Sulfa|Ibuprofen/);
  });

  it('PHQ-9 item 9 above 0: flagged self-harm, and the inbox item says to review it today', async () => {
    const id = uuid();
    expect((await submit({ id, phq: [2, 2, 1, 1, 1, 0, 0, 0, 1] })).status).toBe(201);
    const [kept] = listIntakeResponses(await chart()).filter((r) => r.id === id);
    expect(kept.phq).toEqual({ answers: [2, 2, 1, 1, 1, 0, 0, 0, 1], phq2: 4, phq2Band: 'positive', phq9: 8, phq9Band: 'mild', selfHarm: true });
    expect(kept.flags).toEqual(['self-harm']);
    const [task] = (await intakeTasks()).filter((t) => t.focus.ref === id);
    expect(task).toMatchObject({ dueDate: new Date().toISOString().slice(0, 10), owner: { kind: 'role', role: 'clinician' }, focus: { label: 'Pre-visit form: review today' } });
    // Through the FHIR API (read, search, $export share the mapping) the task carries the server's fixed words only:
    // no answer, score or band of the form, which stay in the chart.
    const read = await fetch(`${app.url}/fhir/R4/Task/${task.id}`, { headers: { cookie: doc } });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({
      resourceType: 'Task',
      id: task.id,
      status: 'requested',
      intent: 'order',
      code: { text: 'Clinical task' },
      description: 'Pre-visit form to review today (flagged answer)',
      for: { reference: `Patient/${PATIENT}` },
      focus: { display: 'Pre-visit form: review today' },
      authoredOn: task.createdAt,
      lastModified: task.createdAt,
      requester: { display: task.createdBy },
      owner: { display: 'clinician' },
      restriction: { period: { end: new Date().toISOString().slice(0, 10) } }
    });
  });

  it('is idempotent by the device id: the same form again is 200 with the first answer, kept once, one inbox item', async () => {
    const id = uuid();
    const body = { id, reason: 'Knee pain' };
    const first = await submit(body);
    expect(first.status).toBe(201);
    const again = await submit({ ...body, reason: 'Something else' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
    const kept = listIntakeResponses(await chart()).filter((r) => r.id === id);
    expect(kept.map((r) => r.reason)).toEqual(['Knee pain']);
    expect((await intakeTasks()).filter((t) => t.focus.ref === id)).toHaveLength(1);
  });

  it.each([
    ['an answer outside the four choices', { phq: [0, 5] }, 'phq.1'],
    ['a text where a number belongs', { gad7: ['often', 0, 0, 0, 0, 0, 0] }, 'gad7.0'],
    ['nine mood answers after a negative PHQ-2', { phq: [0, 1, 0, 0, 0, 0, 0, 0, 0] }, 'phq'],
    ['a medicine not on the record', { medicines: [{ medicationId: 'med-of-someone-else', answer: 'taking' }] }, 'medicines.0'],
    ['an unknown answer to an allergy', { allergies: [{ allergyId: 'x', answer: 'maybe' }] }, 'allergies.0.answer'],
    ['another patient’s appointment', { reason: 'x', appointmentId: 'nope' }, 'appointmentId'],
    ['an empty form', {}, '']
  ])('refuses %s with a readable reason, and keeps nothing', async (_, fields, path) => {
    const before = listIntakeResponses(await chart()).length;
    const res = await submit({ id: uuid(), ...fields });
    expect(res.status).toBe(400);
    const err = ((await res.json()) as { error: { code: string; message: string; details: { path: string }[] } }).error;
    expect(err.code).toBe('invalid');
    expect(err.message.length).toBeGreaterThan(10);
    expect(err.details.map((d) => d.path)).toContain(path);
    expect(listIntakeResponses(await chart()).length).toBe(before);
  });

  it('a body over the size limit is refused', async () => {
    const res = await submit({ id: uuid(), reason: 'x'.repeat(60_000) });
    expect(res.status).toBe(413);
  });
});

describe('who may', () => {
  it('a patient account without a grant to the record: 403 (audited), nothing written, no inbox item', async () => {
    const before = { responses: listIntakeResponses(await chart()).length, tasks: (await intakeTasks()).length };
    expect((await form(strangerCookie)).status).toBe(403);
    const res = await submit({ id: uuid(), reason: 'Not mine' }, strangerCookie);
    expect(res.status).toBe(403);
    expect(listIntakeResponses(await chart()).length).toBe(before.responses);
    expect((await intakeTasks()).length).toBe(before.tasks);
    const denied = app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = 'portal:intake'").get() as { n: number };
    expect(denied.n).toBeGreaterThanOrEqual(2);
    // Positive control: the same account fills its own.
    expect((await submit({ id: uuid(), reason: 'Mine' }, strangerCookie, OTHER)).status).toBe(201);
  });

  it('a staff session cannot send a form for a patient', async () => {
    expect((await submit({ id: uuid(), reason: 'Staff-made' }, doc)).status).toBe(403);
  });

  it("a clinician's device writing a patient-reported form into the chart is refused by the write policy", async () => {
    const device = await chart();
    const sv = Y.encodeStateVector(device);
    writeIntakeResponse(device, {
      id: 'forged-by-staff',
      version: '1.0.0',
      appointmentId: '',
      reason: 'Patient denies everything',
      medicines: [],
      newMedicines: [],
      allergies: [],
      newAllergies: [],
      phq: null,
      gad7: null,
      flags: [],
      submittedAt: new Date().toISOString(),
      submittedBy: 'Patient',
      submittedById: 'someone',
      relation: 'self'
    });
    const res = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie: doc, 'content-type': 'application/json' }, body: JSON.stringify({ docs: [], updates: [{ name: `chart:${PATIENT}`, update: b64(Y.encodeStateAsUpdate(device, sv)) }] }) });
    expect(res.status).toBe(200);
    const [result] = ((await res.json()) as { docs: { error?: { code: string; rules?: string[] } }[] }).docs;
    expect(result.error?.rules ?? []).toContain('intake.server-only');
    expect(listIntakeResponses(await chart()).some((r) => r.id === 'forged-by-staff')).toBe(false);
  });
});
