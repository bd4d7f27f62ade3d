import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initScheduleDoc, setAppointmentType, setAvailability, setProvider } from '../../src/lib/chart/schedule-doc';
import { PORTAL_REFUSAL_CODES } from '../../src/lib/domain/portal-refusals';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { seedPortalPatient } from './portal-test-support';

/**
 * Every refusal the portal gives a patient carries a stable code (and its
 * parameters) beside the English sentence, so the patient's app can say it
 * in the patient's language: a taken time, a type not open online, a limit
 * reached, a malformed body, a reading from the future, a medicine not on
 * the record, another patient's record, an unknown conversation, an unknown
 * address. Each answer's code is written out by hand and must be one the
 * app knows (src/lib/domain/portal-refusals.ts).
 */
let app: TestApp;
let neema: string;
let baraka: string;
const PATIENT = 'f1a2b3c4-0000-4000-8000-000000000001';
const OTHER = 'f1a2b3c4-0000-4000-8000-000000000002';
const R = `/api/portal/records/${PATIENT}`;
let n = 0;
const newId = () => `f1a2b3c4-2222-4222-8222-${String(++n).padStart(12, '0')}`;
const HOUR = 3_600_000;
const slot = (hours: number) => new Date(Math.ceil((Date.now() + hours * HOUR) / (30 * 60_000)) * 30 * 60_000).toISOString();

async function post(path: string, body: unknown, cookie = neema): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
}
type Refusal = { status: number; code: string; reason: unknown; params?: Record<string, unknown>; message: string };
const seen: Refusal[] = [];
async function refusal(res: Response): Promise<Refusal> {
  const body = (await res.json()) as { error: { code: string; reason?: unknown; params?: Record<string, unknown>; message: string } };
  const r = { status: res.status, code: body.error.code, reason: body.error.reason, params: body.error.params, message: body.error.message };
  seen.push(r);
  return r;
}

async function account(patientId: string, birthDate: string, username: string, desk: string): Promise<string> {
  const inv = await post('/api/portal/invitations', { relation: 'self', patientId }, desk);
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate, username, password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  return sessionCookieFor(app.url, username);
}

beforeAll(async () => {
  app = await startTestApp({ portalWriteLimits: { booking: { limit: 2, windowMs: HOUR } } });
  const { clinicId } = await addClinic(app, 'Hillside Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'boss', roles: ['admin'] }
  ]);
  await seedPortalPatient(app, clinicId, PATIENT, { family: 'Mwangi', given: 'Neema', birthDate: '1990-07-14' });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Otieno', given: 'Baraka', birthDate: '1985-01-01' });
  const book = new Y.Doc();
  initScheduleDoc(book, clinicId, 'UTC');
  setProvider(book, { id: 'dr-a', name: 'Dr Amani', active: true });
  setAvailability(book, { providerId: 'dr-a', timeZone: 'UTC', weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })), blocked: [] });
  setAppointmentType(book, { id: 'check', name: 'Check-up', mode: 'in-person', minutes: 30 });
  setAppointmentType(book, { id: 'procedure', name: 'Procedure', mode: 'in-person', minutes: 60 });
  await app.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(book), 'seed', 'seed');
  const desk = await sessionCookieFor(app.url, 'desk');
  const admin = await sessionCookieFor(app.url, 'boss');
  expect((await post('/api/admin/clinic/self-booking', { typeIds: ['check'], minNoticeHours: 2, maxDaysAhead: 14 }, admin)).status).toBe(200);
  neema = await account(PATIENT, '1990-07-14', 'neema', desk);
  baraka = await account(OTHER, '1985-01-01', 'baraka', desk);
});

afterAll(async () => {
  await app.stop();
});

describe('portal refusals carry a code the app knows', () => {
  it('booking: a taken time (409), a type not open online (403), a malformed body (400), the limit (429 with its minutes)', async () => {
    const start = slot(26);
    // Positive control: the first booking of the time is kept, and carries no refusal.
    expect((await post(`${R}/appointments`, { id: newId(), typeId: 'check', start, providerId: 'dr-a' })).status).toBe(201);
    expect(await refusal(await post(`/api/portal/records/${OTHER}/appointments`, { id: newId(), typeId: 'check', start, providerId: 'dr-a' }, baraka))).toMatchObject({ status: 409, code: 'conflict', reason: 'booking.taken' });
    expect(await refusal(await post(`${R}/appointments`, { id: newId(), typeId: 'procedure', start: slot(30), providerId: 'dr-a' }))).toMatchObject({ status: 403, code: 'forbidden', reason: 'booking.type-closed' });
    expect(await refusal(await post(`${R}/appointments`, { id: newId(), start: slot(30), providerId: 'dr-a' }))).toMatchObject({ status: 400, code: 'invalid', reason: 'request.invalid' });
    expect((await post(`${R}/appointments`, { id: newId(), typeId: 'check', start: slot(50), providerId: 'dr-a' })).status).toBe(201);
    const limited = await refusal(await post(`${R}/appointments`, { id: newId(), typeId: 'check', start: slot(74), providerId: 'dr-a' }));
    expect(limited).toMatchObject({ status: 429, code: 'rate-limited', reason: 'limit.reached', params: { kind: 'booking', minutes: 60, what: 'booking changes' } });
    expect(limited.message).toBe('You have sent many booking changes in a short time. Try again in 60 minutes, or call the clinic if it is urgent.');
  });

  it('readings, refills, messages, another record, an unknown address', async () => {
    const future = new Date(Date.now() + 2 * 86_400_000).toISOString();
    expect(await refusal(await post(`${R}/home-readings`, { id: newId(), kind: 'weight', value: 70, takenAt: future }))).toMatchObject({ status: 400, reason: 'reading.future' });
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    expect(await refusal(await post(`${R}/home-readings`, { id: newId(), kind: 'weight', value: 70, takenAt: old }))).toMatchObject({ status: 400, reason: 'reading.too-old', params: { days: 30 } });
    expect(await refusal(await post(`${R}/home-readings`, { id: newId(), kind: 'bloodPressure', systolic: 400, diastolic: 80 }))).toMatchObject({ status: 400, reason: 'request.invalid' });
    expect(await refusal(await post(`${R}/refill-requests`, { id: newId(), medicationId: 'not-on-record' }))).toMatchObject({ status: 400, reason: 'refill.not-current' });
    expect(await refusal(await post(`${R}/messages`, { id: newId(), threadId: newId(), text: 'Hello again' }))).toMatchObject({ status: 404, reason: 'message.thread-unknown' });
    expect(await refusal(await post(`/api/portal/records/${OTHER}/messages`, { id: newId(), topic: 'Hi', text: 'Not mine' }))).toMatchObject({ status: 403, reason: 'record.not-yours' });
    expect(await refusal(await post(`${R}/intake`, {}))).toMatchObject({ status: 400, reason: 'request.invalid' });
    expect(await refusal(await fetch(`${app.url}/api/portal/records/${PATIENT}/nothing-here`, { headers: { cookie: neema } }))).toMatchObject({ status: 404, reason: 'request.not-found' });
    // Positive control: a reading in range is kept.
    expect((await post(`${R}/home-readings`, { id: newId(), kind: 'weight', value: 70 })).status).toBe(201);
  });

  it('every refusal seen above carries one of the codes the app knows', () => {
    expect(seen).toHaveLength(12);
    for (const r of seen) expect(PORTAL_REFUSAL_CODES, `${r.status} ${r.message}`).toContain(r.reason);
  });
});
