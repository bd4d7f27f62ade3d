import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listThreads } from '../../src/lib/chart/messages-doc';
import { listObservations } from '../../src/lib/chart/clinical-doc';
import { prescribe, type PrescriptionInput } from '../../src/lib/chart/medication-doc';
import { listRefillRequests } from '../../src/lib/chart/refill-request-doc';
import { listIntakeResponses } from '../../src/lib/chart/intake-doc';
import { initScheduleDoc, listAppointments, setAppointmentType, setAvailability, setProvider } from '../../src/lib/chart/schedule-doc';
import { monthOfStart, scheduleMonthName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { seedPortalPatient } from './portal-test-support';

/**
 * Limits on new patient-portal writes per account, against the real server,
 * for each kind of write that may raise a clinic inbox item: the writes under
 * the limit pass, the next new one is refused with 429, a readable message
 * and Retry-After, nothing of it is kept, the refusal is audited once however
 * often it comes, and resending an id the server already kept still answers
 * 200 (the offline outbox resends). The app runs with low limits so the test
 * stays short; the real ones are in write-limiter.ts.
 */
let app: TestApp;
let clinicId: string;
let neema: string;
let neemaId: string;
let baraka: string;
const PATIENT = 'e1f2a3b4-0000-4000-8000-000000000001';
const OTHER = 'e1f2a3b4-0000-4000-8000-000000000002';
const RX = 'e1f2a3b4-0000-4000-8000-0000000000a1';
const RX2 = 'e1f2a3b4-0000-4000-8000-0000000000a2';
const R = `/api/portal/records/${PATIENT}`;
let n = 0;
const newId = () => `e1f2a3b4-1111-4111-8111-${String(++n).padStart(12, '0')}`;

async function post(path: string, body: unknown, cookie = neema): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
}
async function docOf(name: string): Promise<Y.Doc> {
  const d = new Y.Doc();
  const state = await app.sync.readState(name, clinicId);
  if (state) Y.applyUpdate(d, state);
  return d;
}
function limitedAudits(kind: string): number {
  return (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'portal.rate-limited' AND user_id = ? AND detail LIKE ?").get(neemaId, `%"kind":"${kind}"%`) as { n: number }).n;
}
async function expectLimited(res: Response, what: string): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('3600');
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('rate-limited');
  expect(body.error.message).toBe(`You have sent many ${what} in a short time. Try again in 60 minutes, or call the clinic if it is urgent.`);
}

const rx = (text: string): PrescriptionInput => ({
  medicationCodeableConcept: { text },
  dosage: { text: 'Take 1 tablet by mouth twice daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 2, period: 1, periodUnit: 'd' }, asNeeded: false },
  dispense: { quantity: { value: 60, unit: 'tablet' }, numberOfRepeatsAllowed: 0 },
  detectedIssues: []
});

async function account(patientId: string, birthDate: string, username: string, desk: string): Promise<string> {
  const inv = await post('/api/portal/invitations', { relation: 'self', patientId }, desk);
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate, username, password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  return sessionCookieFor(app.url, username);
}

beforeAll(async () => {
  app = await startTestApp({
    portalWriteLimits: {
      messages: { limit: 2, windowMs: 3_600_000 },
      'home-readings': { limit: 2, windowMs: 3_600_000 },
      'refill-requests': { limit: 1, windowMs: 3_600_000 },
      intake: { limit: 1, windowMs: 3_600_000 },
      booking: { limit: 2, windowMs: 3_600_000 }
    }
  });
  const made = await addClinic(app, 'Riverside Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'boss', roles: ['admin'] }
  ]);
  clinicId = made.clinicId;
  await seedPortalPatient(app, clinicId, PATIENT, { family: 'Mwangi', given: 'Neema', birthDate: '1990-07-14' });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Otieno', given: 'Baraka', birthDate: '1985-01-01' });
  const chart = await docOf(`chart:${PATIENT}`);
  const sv = Y.encodeStateVector(chart);
  prescribe(chart, rx('Metformin 500 mg tablet'), { id: 'seed', name: 'Dr Seed' }, RX);
  prescribe(chart, rx('Amlodipine 5 mg tablet'), { id: 'seed', name: 'Dr Seed' }, RX2);
  await app.sync.applyServerUpdate(`chart:${PATIENT}`, clinicId, Y.encodeStateAsUpdate(chart, sv), 'seed', 'seed');
  const book = new Y.Doc();
  initScheduleDoc(book, clinicId, 'UTC');
  setProvider(book, { id: 'dr-a', name: 'Dr Amani', active: true });
  setAvailability(book, { providerId: 'dr-a', timeZone: 'UTC', weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })), blocked: [] });
  setAppointmentType(book, { id: 'check', name: 'Check-up', mode: 'in-person', minutes: 30 });
  await app.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(book), 'seed', 'seed');
  const desk = await sessionCookieFor(app.url, 'desk');
  const admin = await sessionCookieFor(app.url, 'boss');
  expect((await post('/api/admin/clinic/self-booking', { typeIds: ['check'], minNoticeHours: 2, maxDaysAhead: 14 }, admin)).status).toBe(200);
  neema = await account(PATIENT, '1990-07-14', 'neema', desk);
  baraka = await account(OTHER, '1985-01-01', 'baraka', desk);
  neemaId = (app.db.prepare("SELECT id FROM users WHERE username = 'neema'").get() as { id: string }).id;
});

afterAll(async () => {
  await app.stop();
});

describe('new portal writes per account are limited', () => {
  it('messages: two pass, the third is refused (429, audited once, not kept), a resend of a kept id is 200, another account is not held back', async () => {
    const first = newId();
    expect((await post(`${R}/messages`, { id: first, topic: 'Rash', text: 'Still itchy.' })).status).toBe(201);
    expect((await post(`${R}/messages`, { id: newId(), topic: 'Cough', text: 'Dry cough.' })).status).toBe(201);
    const refused = newId();
    await expectLimited(await post(`${R}/messages`, { id: refused, topic: 'Third', text: 'One more.' }), 'messages');
    await expectLimited(await post(`${R}/messages`, { id: newId(), topic: 'Fourth', text: 'And more.' }), 'messages');
    expect(limitedAudits('messages')).toBe(1);
    const ids = listThreads(await docOf(`messages:${PATIENT}`)).flatMap((t) => t.messages.map((m) => m.id));
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(refused);
    expect((await post(`${R}/messages`, { id: first, topic: 'Rash', text: 'Still itchy.' })).status).toBe(200);
    expect((await post(`/api/portal/records/${OTHER}/messages`, { id: newId(), topic: 'Hello', text: 'A question.' }, baraka)).status).toBe(201);
  });

  it('home readings: two pass, the third is refused and not kept, a resend is 200', async () => {
    const first = newId();
    expect((await post(`${R}/home-readings`, { id: first, kind: 'bloodPressure', systolic: 120, diastolic: 80 })).status).toBe(201);
    expect((await post(`${R}/home-readings`, { id: newId(), kind: 'bloodPressure', systolic: 122, diastolic: 81 })).status).toBe(201);
    const refused = newId();
    await expectLimited(await post(`${R}/home-readings`, { id: refused, kind: 'bloodPressure', systolic: 124, diastolic: 82 }), 'home readings');
    expect(limitedAudits('home-readings')).toBe(1);
    expect(listObservations(await docOf(`chart:${PATIENT}`)).filter((o) => o.reportedBy).map((o) => o.id)).not.toContain(refused);
    expect((await post(`${R}/home-readings`, { id: first, kind: 'bloodPressure', systolic: 120, diastolic: 80 })).status).toBe(200);
  });

  it('refill requests: one passes, the next is refused and not kept, a resend is 200', async () => {
    const first = newId();
    expect((await post(`${R}/refill-requests`, { id: first, medicationId: RX })).status).toBe(201);
    await expectLimited(await post(`${R}/refill-requests`, { id: newId(), medicationId: RX2 }), 'refill requests');
    expect(limitedAudits('refill-requests')).toBe(1);
    expect(listRefillRequests(await docOf(`patient:${PATIENT}`)).map((r) => r.id)).toEqual([first]);
    expect((await post(`${R}/refill-requests`, { id: first, medicationId: RX })).status).toBe(200);
  });

  it('pre-visit forms: one passes, the next is refused and not kept, a resend is 200', async () => {
    const first = newId();
    expect((await post(`${R}/intake`, { id: first, reason: 'Knee pain' })).status).toBe(201);
    await expectLimited(await post(`${R}/intake`, { id: newId(), reason: 'Knee pain again' }), 'pre-visit forms');
    expect(limitedAudits('intake')).toBe(1);
    expect(listIntakeResponses(await docOf(`chart:${PATIENT}`)).map((r) => r.id)).toEqual([first]);
    expect((await post(`${R}/intake`, { id: first, reason: 'Knee pain' })).status).toBe(200);
  });

  it('booking: two changes pass, the third is refused and not kept, a resend is 200', async () => {
    const res = await fetch(`${app.url}${R}/slots?type=check`, { headers: { cookie: neema } });
    expect(res.status).toBe(200);
    const slots = ((await res.json()) as { days: { slots: { start: string; providerId: string }[] }[] }).days.flatMap((d) => d.slots);
    const first = newId();
    const booked = await post(`${R}/appointments`, { id: first, typeId: 'check', providerId: slots[0].providerId, start: slots[0].start });
    expect(booked.status).toBe(201);
    expect((await post(`${R}/appointments/${first}/cancel`, { id: newId() })).status).toBe(200);
    const refused = newId();
    await expectLimited(await post(`${R}/appointments`, { id: refused, typeId: 'check', providerId: slots[1].providerId, start: slots[1].start }), 'booking changes');
    expect(limitedAudits('booking')).toBe(1);
    // The book keeps appointments in the month they start in: the kept booking is there, the refused one is not.
    expect(listAppointments(await docOf(scheduleMonthName(clinicId, monthOfStart(slots[0].start)))).map((a) => a.id)).toContain(first);
    expect(listAppointments(await docOf(scheduleMonthName(clinicId, monthOfStart(slots[1].start)))).map((a) => a.id)).not.toContain(refused);
    expect((await post(`${R}/appointments`, { id: first, typeId: 'check', providerId: slots[0].providerId, start: slots[0].start })).status).toBe(200);
  });
});
