import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAppointment, initScheduleDoc, listAppointments, readAppointment, setAppointmentType, setAvailability, setProvider } from '../../src/lib/chart/schedule-doc';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { seedPortalPatient } from './portal-test-support';

/**
 * Patients booking their own appointments, against the real server: the
 * clinic opens appointment types to self-booking from the admin console; a
 * patient account lists free times, books, moves, cancels and joins a video
 * visit, and every crafted request the screen would never send is refused
 * with a readable reason, with nothing written to the clinic's book.
 *
 * The book: one provider (Dr Amani) working every day, all day, in UTC, so
 * the free times do not depend on when the test runs; types Check-up
 * (in person, 30 min), Video check (video, 30 min) and Procedure (not open).
 */
let app: TestApp;
let clinicId: string;
let desk: string;
let admin: string;
let patient: string;
let otherPatient: string;
const PATIENT = 'd1e2f3a4-0000-4000-8000-000000000001';
const OTHER = 'd1e2f3a4-0000-4000-8000-000000000002';
const OTHERS_APPOINTMENT = 'd1e2f3a4-0000-4000-8000-0000000000a1';
const PAST = 'd1e2f3a4-0000-4000-8000-0000000000a2';
const VIDEO_NOW = 'd1e2f3a4-0000-4000-8000-0000000000a3';
const LATER_IN_PERSON = 'd1e2f3a4-0000-4000-8000-0000000000a4';
const R = `/api/portal/records/${PATIENT}`;
const HOUR = 3_600_000;
const KEYS = { apiKey: 'APIunittestkey', apiSecret: 'unit-secret-that-is-long-enough-for-hs256-0123456789' };
const actor = { id: 'seed', name: 'Front desk' };

/** The start of the half-hour that begins `ms` from now (the book's grid), as ISO. */
const BASE = Date.now();
function gridAt(ms: number): string {
  const t = BASE + ms;
  return new Date(Math.floor(t / (30 * 60_000)) * 30 * 60_000).toISOString();
}

async function post(path: string, body: unknown, cookie: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
}
async function get(path: string, cookie: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: { cookie } });
}
async function message(res: Response): Promise<string> {
  return ((await res.json()) as { error: { message: string } }).error.message;
}

/** The whole book as stored: the settings and every month's document, read into one document (entries are keyed by id, so they do not collide). */
async function book(): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const names = (app.db.prepare("SELECT name FROM documents WHERE clinic_id = ? AND kind = 'schedule' ORDER BY name").all(clinicId) as { name: string }[]).map((r) => r.name);
  for (const name of names) {
    const state = await app.sync.readState(name, clinicId);
    if (state) Y.applyUpdate(doc, state);
  }
  return doc;
}
/** The names of the book's month documents that hold something. */
function monthNames(): string[] {
  return (app.db.prepare("SELECT name FROM documents WHERE clinic_id = ? AND kind = 'schedule' AND name LIKE 'schedule:%:%' ORDER BY name").all(clinicId) as { name: string }[]).map((r) => r.name);
}
async function appointmentsOf(patientId: string) {
  return listAppointments(await book()).filter((a) => a.patientId === patientId);
}
function auditCount(action: string, where = '1'): number {
  return (app.db.prepare(`SELECT count(*) AS n FROM audit_log WHERE action = ? AND ${where}`).get(action) as { n: number }).n;
}

async function accountFor(patientId: string, birthDate: string, username: string): Promise<string> {
  const inv = await post('/api/portal/invitations', { relation: 'self', patientId }, desk);
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate, username, password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  return sessionCookieFor(app.url, username);
}

interface Slots {
  type: { id: string; name: string };
  providers: Record<string, string>;
  days: { day: string; slots: { start: string; end: string; providerId: string }[] }[];
}
async function slots(type = 'check', cookie = patient): Promise<Slots> {
  const res = await get(`${R}/slots?type=${type}`, cookie);
  expect(res.status).toBe(200);
  return (await res.json()) as Slots;
}

beforeAll(async () => {
  app = await startTestApp({ telehealth: { configured: true, url: 'ws://127.0.0.1:7880', ...KEYS } });
  const made = await addClinic(app, 'Lakeside Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'boss', roles: ['admin'] }
  ]);
  clinicId = made.clinicId;
  await seedPortalPatient(app, clinicId, PATIENT, { family: 'Mwangi', given: 'Neema', birthDate: '1990-07-14' });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Otieno', given: 'Baraka', birthDate: '1985-01-01' });
  const doc = new Y.Doc();
  initScheduleDoc(doc, clinicId, 'UTC');
  setProvider(doc, { id: 'dr-a', name: 'Dr Amani', active: true });
  setAvailability(doc, { providerId: 'dr-a', timeZone: 'UTC', weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })), blocked: [] });
  setAppointmentType(doc, { id: 'check', name: 'Check-up', mode: 'in-person', minutes: 30 });
  setAppointmentType(doc, { id: 'video', name: 'Video check', mode: 'video', minutes: 30 });
  setAppointmentType(doc, { id: 'procedure', name: 'Procedure', mode: 'in-person', minutes: 60 });
  addAppointment(doc, { providerId: 'dr-a', patientId: OTHER, typeId: 'check', start: gridAt(5 * HOUR) }, actor, { id: OTHERS_APPOINTMENT });
  addAppointment(doc, { providerId: 'dr-a', patientId: PATIENT, typeId: 'check', start: gridAt(-26 * HOUR) }, actor, { id: PAST });
  addAppointment(doc, { providerId: 'dr-a', patientId: PATIENT, typeId: 'video', start: gridAt(0) }, actor, { id: VIDEO_NOW });
  addAppointment(doc, { providerId: 'dr-a', patientId: PATIENT, typeId: 'procedure', start: gridAt(48 * HOUR) }, actor, { id: LATER_IN_PERSON });
  await app.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(doc), 'seed', 'seed');
  desk = await sessionCookieFor(app.url, 'desk');
  admin = await sessionCookieFor(app.url, 'boss');
  patient = await accountFor(PATIENT, '1990-07-14', 'neema');
  otherPatient = await accountFor(OTHER, '1985-01-01', 'baraka');
});

afterAll(async () => {
  await app.stop();
});

describe('the clinic opens appointment types to self-booking (admin console)', () => {
  it('nothing is open until the clinic says so: the admin sees the types; a patient sees none and cannot list times', async () => {
    const res = await get('/api/admin/clinic/self-booking', admin);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { policy: unknown; types: { id: string }[]; updatedAt: string | null };
    expect(view.policy).toEqual({ typeIds: [], minNoticeHours: 2, maxDaysAhead: 30 });
    expect(view.types.map((t) => t.id)).toEqual(['check', 'procedure', 'video']);
    expect(view.updatedAt).toBeNull();
    const mine = (await (await get(`${R}/booking`, patient)).json()) as { types: unknown[] };
    expect(mine.types).toEqual([]);
    const refused = await get(`${R}/slots?type=check`, patient);
    expect(refused.status).toBe(403);
    expect(await message(refused)).toBe('This kind of appointment cannot be booked online. Please call the clinic.');
  });

  it('refuses a bad policy with the reason, and an unknown type; nothing is stored', async () => {
    const bad = await post('/api/admin/clinic/self-booking', { typeIds: ['check'], minNoticeHours: -1, maxDaysAhead: 14 }, admin);
    expect(bad.status).toBe(400);
    expect(await message(bad)).toBe('The notice must be at least 0 hours');
    const far = await post('/api/admin/clinic/self-booking', { typeIds: ['check'], minNoticeHours: 2, maxDaysAhead: 400 }, admin);
    expect(await message(far)).toBe('Patients can book at most 180 days ahead');
    const unknown = await post('/api/admin/clinic/self-booking', { typeIds: ['surgery'], minNoticeHours: 2, maxDaysAhead: 14 }, admin);
    expect(unknown.status).toBe(400);
    expect(await message(unknown)).toBe('That appointment type does not exist in the clinic’s schedule.');
    expect(app.db.prepare('SELECT count(*) AS n FROM clinic_self_booking').get()).toEqual({ n: 0 });
  });

  it('only an administrator sets it: the desk is refused (audited), a patient session too', async () => {
    const body = { typeIds: ['check', 'video'], minNoticeHours: 2, maxDaysAhead: 14 };
    const before = auditCount('authz.denied');
    expect((await post('/api/admin/clinic/self-booking', body, desk)).status).toBe(403);
    expect((await post('/api/admin/clinic/self-booking', body, patient)).status).toBe(403);
    expect(auditCount('authz.denied')).toBe(before + 2);
    expect(app.db.prepare('SELECT count(*) AS n FROM clinic_self_booking').get()).toEqual({ n: 0 });
  });

  it('positive control: the administrator opens Check-up and Video check, 2 hours’ notice, 14 days ahead; audited with before and after', async () => {
    const res = await post('/api/admin/clinic/self-booking', { typeIds: ['video', 'check'], minNoticeHours: 2, maxDaysAhead: 14 }, admin);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { policy: unknown }).policy).toEqual({ typeIds: ['check', 'video'], minNoticeHours: 2, maxDaysAhead: 14 });
    const row = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'clinic.settings' ORDER BY rowid DESC LIMIT 1").get() as { detail: string };
    expect(JSON.parse(row.detail).changed.selfBooking).toEqual({ from: { typeIds: [], minNoticeHours: 2, maxDaysAhead: 30 }, to: { typeIds: ['check', 'video'], minNoticeHours: 2, maxDaysAhead: 14 } });
    const mine = (await (await get(`${R}/booking`, patient)).json()) as { types: { id: string }[] };
    expect(mine.types.map((t) => t.id)).toEqual(['check', 'video']);
  });
});

describe('free times', () => {
  it('are the provider’s working hours from 2 hours from now to 14 days ahead, without times already taken', async () => {
    const s = await slots();
    const all = s.days.flatMap((d) => d.slots);
    expect(s.type.name).toBe('Check-up');
    expect(s.providers).toEqual({ 'dr-a': 'Dr Amani' });
    expect(Date.parse(all[0].start)).toBeGreaterThanOrEqual(Date.now() - 60_000 + 2 * HOUR);
    expect(Date.parse(all[0].start)).toBeLessThan(Date.now() + 2.5 * HOUR);
    expect(Date.parse(all.at(-1)!.start)).toBeLessThanOrEqual(Date.now() + 14 * 24 * HOUR);
    expect(all.map((x) => x.start)).not.toContain(gridAt(5 * HOUR));
    expect(all.map((x) => x.start)).toContain(gridAt(5.5 * HOUR));
  });

  it('a type the clinic has not opened is refused', async () => {
    const res = await get(`${R}/slots?type=procedure`, patient);
    expect(res.status).toBe(403);
  });
});

describe('booking', () => {
  let bookedStart: string;
  let bookedId: string;

  it('books a free time: written into the clinic’s book for this patient, marked as an online booking; the same request again is answered the same and kept once', async () => {
    bookedStart = gridAt(6 * HOUR);
    bookedId = crypto.randomUUID();
    const body = { id: bookedId, typeId: 'check', start: bookedStart, providerId: 'dr-a' };
    const res = await post(`${R}/appointments`, body, patient);
    expect(res.status).toBe(201);
    const first = (await res.json()) as { appointment: Record<string, unknown> };
    expect(first.appointment).toMatchObject({ id: bookedId, start: bookedStart, status: 'booked', type: 'Check-up', provider: 'Dr Amani', needsConfirming: false, canCancel: true, canReschedule: true, canJoin: false });
    const kept = readAppointment(await book(), bookedId)!;
    expect(kept).toMatchObject({ patientId: PATIENT, providerId: 'dr-a', typeId: 'check', start: bookedStart, createdBy: 'Patient (online booking)' });
    // Filed in the month it starts in, not in the book's settings.
    const month = new Date(bookedStart).toISOString().slice(0, 7);
    expect(monthNames()).toContain(`schedule:${clinicId}:${month}`);
    const inMonth = new Y.Doc();
    Y.applyUpdate(inMonth, (await app.sync.readState(`schedule:${clinicId}:${month}`, clinicId))!);
    expect(readAppointment(inMonth, bookedId)?.start).toBe(bookedStart);
    const settings = new Y.Doc();
    Y.applyUpdate(settings, (await app.sync.readState(`schedule:${clinicId}`, clinicId))!);
    expect(readAppointment(settings, bookedId)).toBeNull();

    const again = await post(`${R}/appointments`, body, patient);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    expect((await appointmentsOf(PATIENT)).filter((a) => a.start === bookedStart)).toHaveLength(1);
    expect(auditCount('portal.booking', "json_extract(detail, '$.interaction') = 'book' AND outcome = 'success'")).toBe(1);
  });

  it('a time already taken is refused with 409 and a readable reason; nothing is written', async () => {
    const before = listAppointments(await book()).length;
    const res = await post(`${R}/appointments`, { id: crypto.randomUUID(), typeId: 'check', start: gridAt(5 * HOUR), providerId: 'dr-a' }, patient);
    expect(res.status).toBe(409);
    expect(await message(res)).toBe('Sorry, someone else has just booked that time. Choose another time.');
    // The other patient's own booking of the patient's time: refused the same way.
    const mine = await post(`/api/portal/records/${OTHER}/appointments`, { id: crypto.randomUUID(), typeId: 'check', start: bookedStart, providerId: 'dr-a' }, otherPatient);
    expect(mine.status).toBe(409);
    expect(listAppointments(await book())).toHaveLength(before);
  });

  it('a type not open to self-booking is refused, though the time is free', async () => {
    const before = listAppointments(await book()).length;
    const res = await post(`${R}/appointments`, { id: crypto.randomUUID(), typeId: 'procedure', start: gridAt(8 * HOUR), providerId: 'dr-a' }, patient);
    expect(res.status).toBe(403);
    expect(await message(res)).toBe('This kind of appointment cannot be booked online. Please call the clinic.');
    expect(listAppointments(await book())).toHaveLength(before);
  });

  it('a time off the clinic’s grid, too soon, too far ahead, or with an unknown provider is refused', async () => {
    const before = listAppointments(await book()).length;
    const off = new Date(Date.parse(gridAt(8 * HOUR)) + 7 * 60_000).toISOString();
    const cases: [string, string, number, string][] = [
      [off, 'dr-a', 400, 'The clinic does not offer that time for this appointment. Choose one of the free times.'],
      [gridAt(1 * HOUR), 'dr-a', 400, 'That time cannot be booked online: it is too soon or too far ahead. Choose another time, or call the clinic.'],
      [gridAt(15 * 24 * HOUR), 'dr-a', 400, 'That time cannot be booked online: it is too soon or too far ahead. Choose another time, or call the clinic.'],
      [gridAt(8 * HOUR), 'dr-nobody', 400, 'The clinic does not offer that time for this appointment. Choose one of the free times.']
    ];
    for (const [start, providerId, status, text] of cases) {
      const res = await post(`${R}/appointments`, { id: crypto.randomUUID(), typeId: 'check', start, providerId }, patient);
      expect([start, res.status]).toEqual([start, status]);
      expect(await message(res)).toBe(text);
    }
    const missing = await post(`${R}/appointments`, { typeId: 'check', start: gridAt(8 * HOUR), providerId: 'dr-a' }, patient);
    expect(missing.status).toBe(400);
    expect(await message(missing)).toBe('Each request needs its own id (a UUID made on the device)');
    expect(listAppointments(await book())).toHaveLength(before);
  });

  it('two patients asking for the same free time at once: one gets it, the other a 409', async () => {
    const start = gridAt(9 * HOUR);
    const answers = await Promise.all([
      post(`${R}/appointments`, { id: crypto.randomUUID(), typeId: 'check', start, providerId: 'dr-a' }, patient),
      post(`/api/portal/records/${OTHER}/appointments`, { id: crypto.randomUUID(), typeId: 'check', start, providerId: 'dr-a' }, otherPatient)
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(listAppointments(await book()).filter((a) => a.start === start)).toHaveLength(1);
  });

  it('an account without a grant to the record is refused (403, audited) and nothing is written; staff sessions too', async () => {
    const before = listAppointments(await book()).length;
    const denied = auditCount('authz.denied', "target = 'portal:booking'");
    const body = { id: crypto.randomUUID(), typeId: 'check', start: gridAt(10 * HOUR), providerId: 'dr-a' };
    const res = await post(`${R}/appointments`, body, otherPatient);
    expect(res.status).toBe(403);
    expect(await message(res)).toBe('You can only see your own record, and the records you were given access to.');
    expect((await get(`${R}/slots?type=check`, otherPatient)).status).toBe(403);
    expect((await get(`${R}/booking`, otherPatient)).status).toBe(403);
    expect((await post(`${R}/appointments/${LATER_IN_PERSON}/cancel`, { id: crypto.randomUUID() }, otherPatient)).status).toBe(403);
    expect((await post(`${R}/appointments/${VIDEO_NOW}/join`, {}, otherPatient)).status).toBe(403);
    expect((await post(`${R}/appointments`, body, desk)).status).toBe(403);
    expect(auditCount('authz.denied', "target = 'portal:booking'")).toBe(denied + 6);
    expect(listAppointments(await book())).toHaveLength(before);
    expect(readAppointment(await book(), LATER_IN_PERSON)!.state.status).toBe('booked');
  });
});

describe('a double booking made by a front-desk device while offline', () => {
  it('both appointments stay in the book; the patient’s list says the clinic will confirm the time, and the other patient is not named', async () => {
    const start = gridAt(12 * HOUR);
    const id = crypto.randomUUID();
    const mine = await post(`${R}/appointments`, { id, typeId: 'check', start, providerId: 'dr-a' }, patient);
    expect(mine.status).toBe(201);
    expect(((await mine.json()) as { appointment: { needsConfirming: boolean } }).appointment.needsConfirming).toBe(false);
    // The desk's device booked the same time for another patient while apart; its change merges now.
    const desk = new Y.Doc();
    Y.applyUpdate(desk, Y.encodeStateAsUpdate(await book()));
    const before = Y.encodeStateVector(desk);
    addAppointment(desk, { providerId: 'dr-a', patientId: OTHER, typeId: 'check', start }, actor, { allowOverlap: true });
    await app.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(desk, before), 'seed', 'seed');
    expect(listAppointments(await book()).filter((a) => a.start === start && a.state.status === 'booked')).toHaveLength(2);
    const res = await get(`${R}/booking`, patient);
    const text = await res.text();
    const view = JSON.parse(text) as { appointments: { id: string; needsConfirming: boolean }[] };
    expect(view.appointments.find((a) => a.id === id)?.needsConfirming).toBe(true);
    expect(view.appointments.filter((a) => a.needsConfirming).map((a) => a.id)).toEqual([id]);
    expect(text).not.toContain(OTHER);
    // Cancelled, it no longer needs confirming (positive control for the flag's source).
    expect((await post(`${R}/appointments/${id}/cancel`, { id: crypto.randomUUID() }, patient)).status).toBe(200);
    const after = (await (await get(`${R}/booking`, patient)).json()) as { appointments: { id: string; needsConfirming: boolean }[] };
    expect(after.appointments.find((a) => a.id === id)?.needsConfirming).toBe(false);
  });
});

describe('moving and cancelling', () => {
  it('moves the patient’s own booking to a free time; a taken time is refused', async () => {
    const [mine] = (await appointmentsOf(PATIENT)).filter((a) => a.createdBy === 'Patient (online booking)' && a.state.status === 'booked');
    const to = gridAt(11 * HOUR);
    const taken = await post(`${R}/appointments/${mine.id}/reschedule`, { id: crypto.randomUUID(), start: gridAt(5 * HOUR), providerId: 'dr-a' }, patient);
    expect(taken.status).toBe(409);
    expect(readAppointment(await book(), mine.id)!.start).toBe(mine.start);
    const res = await post(`${R}/appointments/${mine.id}/reschedule`, { id: crypto.randomUUID(), start: to, providerId: 'dr-a' }, patient);
    expect(res.status).toBe(200);
    expect(readAppointment(await book(), mine.id)!.start).toBe(to);
  });

  it('a type the clinic has not opened cannot be moved online (booked by the desk)', async () => {
    const res = await post(`${R}/appointments/${LATER_IN_PERSON}/reschedule`, { id: crypto.randomUUID(), start: gridAt(72 * HOUR), providerId: 'dr-a' }, patient);
    expect(res.status).toBe(403);
    expect(await message(res)).toBe('This kind of appointment cannot be moved online. Please call the clinic.');
  });

  it('refuses to cancel another patient’s appointment (404, audited) or a past one (409); nothing changes', async () => {
    const denied = auditCount('authz.denied', "json_extract(detail, '$.reason') = 'not-own-appointment'");
    const other = await post(`${R}/appointments/${OTHERS_APPOINTMENT}/cancel`, { id: crypto.randomUUID() }, patient);
    expect(other.status).toBe(404);
    expect(await message(other)).toBe('There is no such appointment in this record.');
    expect(auditCount('authz.denied', "json_extract(detail, '$.reason') = 'not-own-appointment'")).toBe(denied + 1);
    const past = await post(`${R}/appointments/${PAST}/cancel`, { id: crypto.randomUUID() }, patient);
    expect(past.status).toBe(409);
    expect(await message(past)).toBe('This appointment has already started, passed or been cancelled, so it cannot be cancelled online. Please call the clinic.');
    const doc = await book();
    expect(readAppointment(doc, OTHERS_APPOINTMENT)!.state.status).toBe('booked');
    expect(readAppointment(doc, PAST)!.state.status).toBe('booked');
  });

  it('positive control: cancels the patient’s own future appointment with the reason; the same request again is answered the same', async () => {
    const body = { id: crypto.randomUUID(), reason: 'Feeling better' };
    const res = await post(`${R}/appointments/${LATER_IN_PERSON}/cancel`, body, patient);
    expect(res.status).toBe(200);
    const first = await res.json();
    expect(first).toMatchObject({ appointment: { id: LATER_IN_PERSON, status: 'cancelled', canCancel: false } });
    const kept = readAppointment(await book(), LATER_IN_PERSON)!;
    expect(kept.state).toMatchObject({ status: 'cancelled', reason: 'Cancelled online by the patient: Feeling better', by: 'Patient (online booking)' });
    const again = await post(`${R}/appointments/${LATER_IN_PERSON}/cancel`, body, patient);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    // A new request to cancel it again: already cancelled.
    expect((await post(`${R}/appointments/${LATER_IN_PERSON}/cancel`, { id: crypto.randomUUID() }, patient)).status).toBe(409);
  });
});

describe('joining a video visit from the appointment', () => {
  it('opens the join page of the patient’s own video appointment now: a patient link to this visit, which the join page accepts', async () => {
    const list = (await (await get(`${R}/booking`, patient)).json()) as { appointments: { id: string; canJoin: boolean }[] };
    expect(list.appointments.find((a) => a.id === VIDEO_NOW)?.canJoin).toBe(true);
    const res = await post(`${R}/appointments/${VIDEO_NOW}/join`, {}, patient);
    expect(res.status).toBe(200);
    const { path } = (await res.json()) as { path: string };
    expect(path).toMatch(/^\/join\/[A-Za-z0-9_-]{20,}$/);
    const check = await post('/api/telehealth/join/check', { token: path.slice('/join/'.length) }, patient);
    expect(check.status).toBe(200);
    expect(await check.json()).toMatchObject({ scope: 'patient', needsBirthDate: true });
    const visit = app.db.prepare('SELECT patient_id, clinic_id FROM telehealth_visits WHERE visit_id = ?').get(VIDEO_NOW);
    expect(visit).toEqual({ patient_id: PATIENT, clinic_id: clinicId });
    // Asked again: the same link, not a second one.
    const again = (await (await post(`${R}/appointments/${VIDEO_NOW}/join`, {}, patient)).json()) as { path: string };
    expect(again.path).toBe(path);
  });

  it('refuses another patient’s appointment, an in-person one and a past one', async () => {
    expect((await post(`${R}/appointments/${OTHERS_APPOINTMENT}/join`, {}, patient)).status).toBe(404);
    const inPerson = await post(`${R}/appointments/${PAST}/join`, {}, patient);
    expect(inPerson.status).toBe(400);
    expect(await message(inPerson)).toBe('This appointment is not a video visit.');
    const links = app.db.prepare('SELECT count(*) AS n FROM telehealth_join_links').get();
    expect(links).toEqual({ n: 1 });
  });
});
