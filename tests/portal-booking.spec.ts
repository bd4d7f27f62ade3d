import { expect, test, type Page } from '@playwright/test';
import * as Y from 'yjs';
import { addAppointment, listAppointments, readAppointment } from '../src/lib/chart/schedule-doc';
import { addDays, isoWeekday } from '../src/lib/domain/scheduling';
import { createBookingStore } from '../server/portal/booking-store';
import { seedPortalPatient } from '../server/portal/portal-test-support';
import { expectAccessible } from './support/axe';
import { Device, serverBook, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journeys: the administrator opens consultations to online booking; a
 * patient on a phone (360 px) books a time while a front-desk laptop with no
 * network books the same time for someone else. When the desk reconnects,
 * both appointments are in the clinic's book and the schedule shows the
 * double booking; the patient's screen says the clinic will confirm the
 * time. Then the patient books and cancels online, and a booking made
 * offline waits on the phone and is sent when the network returns.
 */
let clinic: Clinic;
let clinicId: string;
const PATIENT_PASSWORD = 'a long walk to the well';
const own = { id: 'e6f7a8b9-0000-4000-8000-000000000001', family: 'Chebet', given: 'Amina', birthDate: '1987-04-12' };

test.beforeAll(async () => {
  // Video visits configured (test keys; a LiveKit address where nothing listens: the journey stops before the call).
  clinic = await startClinic({ telehealth: { configured: true, url: 'ws://127.0.0.1:1', apiKey: 'APIe2etestkey', apiSecret: 'e2e-secret-that-is-long-enough-for-hs256-0123456789' } });
  clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  await seedPortalPatient(clinic, clinicId, own.id, own);
  await patientAccount('amina.c');
});
test.afterAll(async () => {
  await clinic.stop();
});

/** The clinic's zone is the server's (seeded from it); the browser runs on the same machine. */
function localDay(ms = Date.now()): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
/** The n-th weekday (Monday to Friday) from three days ahead: after the seeded appointments (which end the day after tomorrow), so the whole day is free. */
function freeWeekday(n: number): string {
  let day = addDays(localDay(), 3);
  for (let seen = -1; ; day = addDays(day, 1)) {
    if (isoWeekday(day) <= 5) seen++;
    if (seen === n) return day;
  }
}
/** A day as the patient screen titles it (schedule-format.ts dayTitle, English). */
function dayTitle(day: string): string {
  return new Date(day + 'T12:00:00Z').toLocaleDateString('en', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

async function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${clinic.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
}

/** An account for the patient, set up as the invitation would (the invitation journey is patient-portal.spec.ts). */
async function patientAccount(username: string): Promise<void> {
  const login = await post('/api/auth/login', { username: 'desk.demo', password: 'outpost-demo' });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const inv = await post('/api/portal/invitations', { relation: 'self', patientId: own.id }, cookie);
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await post('/api/portal/activate', { secret, birthDate: own.birthDate, username, password: PATIENT_PASSWORD });
  expect(act.status).toBe(201);
}

/** Consultations open to online booking, as the administrator's journey leaves them (for a journey run on its own). */
function ensureOpen(): void {
  const store = createBookingStore(clinic.db);
  if (store.policy(clinicId).typeIds.length === 0) store.setPolicy(clinicId, { typeIds: ['consult', 'video'], minNoticeHours: 2, maxDaysAhead: 21 }, 'test');
}

async function patientSignsIn(page: Page, username: string): Promise<void> {
  ensureOpen();
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'My health record', level: 1 })).toBeVisible();
  await expect(page.getByTestId('my-booking')).toBeVisible();
}

/** Chooses the appointment type and the first free time with `provider` on `day`; returns the slot's label. */
async function chooseTime(page: Page, type: string | null, day: string, provider: string, nth = 0): Promise<string> {
  const booking = page.getByTestId('my-booking');
  if (type) await booking.getByLabel('Kind of appointment').selectOption({ label: type });
  const times = booking.getByTestId('my-booking-times');
  await expect(times).toBeVisible();
  await times.getByLabel('Day', { exact: true }).selectOption(day);
  const group = times.getByRole('group', { name: dayTitle(day) });
  const slot = group.getByRole('button', { name: new RegExp(`with ${provider}$`) }).nth(nth);
  const label = (await slot.getAttribute('aria-label'))!;
  await slot.click();
  await expect(slot).toHaveAttribute('aria-pressed', 'true');
  return label;
}

async function openSchedule(page: Page, day: string): Promise<void> {
  await page.getByRole('link', { name: 'Schedule', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Schedule', level: 1 })).toBeVisible();
  await page.locator('#schedule-day').fill(day);
}

async function myAppointments(): Promise<ReturnType<typeof listAppointments>> {
  return listAppointments(await serverBook(clinic, clinicId)).filter((a) => a.patientId === own.id);
}

test('the administrator opens consultations to online booking', async ({ browser }) => {
  const admin = await Device.open(browser, clinic);
  await admin.signIn('admin.demo');
  const { page } = admin;
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('link', { name: 'Clinic settings' }).click();
  const card = page.getByTestId('self-booking-setting');
  await expect(card.getByRole('heading', { name: 'Patients booking online' })).toBeVisible();
  await expect(card.getByTestId('self-booking-none')).toBeVisible();
  await card.getByLabel('Consultation (30 min)').check();
  await card.getByLabel('Video visit (video, 30 min)').check();
  await card.getByLabel('Latest booking, in days ahead').fill('400');
  await card.getByRole('button', { name: 'Save online booking' }).click();
  await expect(card.getByRole('alert')).toHaveText('Patients can book at most 180 days ahead');
  await card.getByLabel('Latest booking, in days ahead').fill('21');
  await card.getByRole('button', { name: 'Save online booking' }).click();
  await expect(card.getByRole('status')).toHaveText('Online booking saved.');
  await expect(card.getByTestId('self-booking-none')).toBeHidden();
  await card.scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/booking-admin-1280.png', fullPage: true });
  await expectAccessible(page, 'admin: online booking setting');
  const audit = clinic.db.prepare("SELECT detail FROM audit_log WHERE action = 'clinic.settings' ORDER BY rowid DESC LIMIT 1").get() as { detail: string };
  expect(JSON.parse(audit.detail).changed.selfBooking.to).toEqual({ typeIds: ['consult', 'video'], minNoticeHours: 2, maxDaysAhead: 21 });
  await admin.close();
});

test('patient books online while an offline desk books the same time; after the desk reconnects staff see the double booking', async ({ browser }) => {
  test.setTimeout(120_000);
  const day = freeWeekday(0);

  // The desk has the day open, then loses the network.
  const desk = await Device.open(browser, clinic);
  await desk.signIn('desk.demo');
  await desk.page.getByRole('link', { name: 'Patients', exact: true }).click();
  const other = (await desk.page.getByTestId('patient-link').filter({ hasNotText: own.family }).first().textContent())!.trim();
  await openSchedule(desk.page, day);
  await desk.offline();

  // The patient books a consultation with Dr. Okafor on that day, on a phone.
  const phone = await Device.open(browser, clinic, { width: 360, height: 780 });
  const { page } = phone;
  await patientSignsIn(page, 'amina.c');
  await chooseTime(page, 'Consultation (in person, 30 min)', day, 'Dr. Amara Okafor');
  await expect(page.getByTestId('my-booking-chosen')).toContainText('Consultation');
  await page.getByTestId('my-booking').getByRole('button', { name: 'Book this time' }).click();
  await expect(page.getByTestId('my-booking-done')).toHaveText('Booked. You find it under your next appointments.');
  const [booked] = (await myAppointments()).filter((a) => localDay(Date.parse(a.start)) === day && a.createdBy === 'Patient (online booking)');
  expect(booked).toBeDefined();
  const row = page.getByTestId('my-booking').locator(`[data-appointment-id="${booked.id}"]`);
  await expect(row).toContainText('Dr. Amara Okafor');
  await expect(row.getByTestId('my-booking-confirming')).toHaveCount(0);

  // Offline, the desk books the same time for someone else: its own book still shows the time free.
  await desk.page.getByRole('button', { name: 'Book appointment' }).first().click();
  const form = desk.page.locator('form').filter({ has: desk.page.getByRole('heading', { name: 'Book an appointment' }) });
  await form.getByLabel('Patient').fill(other.split(',')[0]);
  await form.getByRole('list', { name: 'Matching patients' }).getByRole('button', { name: other, exact: true }).click();
  await form.getByLabel('Provider').selectOption({ label: 'Dr. Amara Okafor' });
  await form.getByLabel('Appointment type').selectOption({ label: 'Consultation (in person, 30 min)' });
  await form.getByLabel('Date').fill(day);
  await form.getByLabel('Free time').selectOption(booked.start);
  await form.getByRole('button', { name: 'Book appointment' }).click();
  await expect(form).toBeHidden();
  await expect(desk.page.getByTestId('conflict-banner')).toBeHidden();

  // The desk reconnects: both appointments are in the clinic's book, and staff see the double booking.
  await desk.online();
  await desk.waitSynced();
  const banner = desk.page.getByTestId('conflict-banner');
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(banner.getByTestId('conflict')).toContainText(`${own.family}, ${own.given}`);
  await expect(banner.getByTestId('conflict')).toContainText('Patient (online booking)');
  const column = desk.page.getByTestId('provider-column').filter({ hasText: 'Dr. Amara Okafor' });
  await expect(column.getByTestId('conflict-badge')).toHaveCount(2);
  await desk.page.screenshot({ path: '/tmp/booking-conflict-1280.png', fullPage: true });
  await expectAccessible(desk.page, 'schedule with an online booking double booked');
  const atThatTime = listAppointments(await serverBook(clinic, clinicId)).filter((a) => a.start === booked.start && a.state.status === 'booked');
  expect(atThatTime).toHaveLength(2);

  // The patient's screen says so honestly: booked, and the clinic will confirm the time.
  await page.goto('/my');
  await phone.unlock(PATIENT_PASSWORD);
  await expect(row.getByTestId('my-booking-confirming')).toContainText('Booked twice');
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/booking-patient-confirming-360.png', fullPage: true });
  await expectAccessible(page, 'patient booking, double booked');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await desk.close();
  await phone.close();
});

test('patient books, moves and cancels online; a booking made offline waits and is sent, or refused with the reason', async ({ browser }) => {
  test.setTimeout(120_000);
  const phone = await Device.open(browser, clinic, { width: 360, height: 780 });
  const { page } = phone;
  await patientSignsIn(page, 'amina.c');
  const booking = page.getByTestId('my-booking');

  // Online: book, then cancel.
  const day = freeWeekday(1);
  await chooseTime(page, 'Consultation (in person, 30 min)', day, 'Dr. Amara Okafor');
  await page.screenshot({ path: '/tmp/booking-times-360.png', fullPage: true });
  await expectAccessible(page, 'patient booking: free times');
  await booking.getByRole('button', { name: 'Book this time' }).click();
  await expect(booking.getByTestId('my-booking-done')).toBeVisible();
  const [mine] = (await myAppointments()).filter((a) => a.state.status === 'booked' && localDay(Date.parse(a.start)) === day);
  const row = booking.locator(`[data-appointment-id="${mine.id}"]`);
  // The record's appointments card shows the new booking too (reloaded when the booking was sent), its badge no wider than its text.
  const card = page.getByTestId('my-appointments');
  const cardRow = card.locator(`[data-appointment-id="${mine.id}"]`);
  await expect(cardRow).toContainText('Booked');
  const badge = await cardRow.locator('.badge').first().boundingBox();
  const line = await cardRow.boundingBox();
  expect(badge!.width).toBeLessThan(line!.width / 2);
  await card.screenshot({ path: '/tmp/booking-record-card-360.png' });
  // Moved to the next free time that day.
  await row.getByRole('button', { name: 'Change time' }).click();
  await expect(booking.getByRole('heading', { name: /^Choose a new time for your appointment on/ })).toBeFocused();
  await chooseTime(page, null, day, 'Dr. Amara Okafor', 1);
  await booking.getByRole('button', { name: 'Move to this time' }).click();
  await expect(booking.getByTestId('my-booking-done')).toHaveText('Your appointment was moved.');
  const moved = readAppointment(await serverBook(clinic, clinicId), mine.id)!;
  expect(Date.parse(moved.start)).toBe(Date.parse(mine.start) + 30 * 60_000);
  await row.getByRole('button', { name: 'Cancel appointment' }).click();
  await row.getByRole('button', { name: 'Yes, cancel it' }).click();
  await expect(booking.getByTestId('my-booking-done')).toHaveText('The appointment is cancelled.');
  await expect(row).toHaveCount(0);
  // Not under the upcoming ones in the record's card either: with the past ones, marked cancelled.
  await expect(card.locator(`> ul [data-appointment-id="${mine.id}"]`)).toHaveCount(0);
  await card.locator('details summary').click();
  await expect(card.locator(`details [data-appointment-id="${mine.id}"]`)).toContainText('Cancelled');
  await card.screenshot({ path: '/tmp/booking-record-card-cancelled-360.png' });
  expect(readAppointment(await serverBook(clinic, clinicId), mine.id)!.state).toMatchObject({ status: 'cancelled', reason: 'Cancelled online by the patient' });

  // Offline: the free times were on the screen; the booking waits on the phone.
  await phone.waitForServiceWorker();
  const later = freeWeekday(2);
  await chooseTime(page, 'Consultation (in person, 30 min)', later, 'Dr. Amara Okafor');
  await phone.offline();
  await booking.getByRole('button', { name: 'Book this time' }).click();
  await expect(booking.getByTestId('my-booking-waiting')).toHaveText('Will be sent when you are online.');
  const pending = booking.getByTestId('my-booking-pending');
  await expect(pending).toContainText('Booking: Consultation');
  await expect(pending).toContainText('Will be sent when you are online.');
  await page.screenshot({ path: '/tmp/booking-waiting-360.png', fullPage: true });
  await expectAccessible(page, 'patient booking: waiting to be sent');
  const countBefore = (await myAppointments()).length;

  // Back online: sent, and listed with the next appointments.
  await phone.online();
  await expect(pending).toHaveCount(0, { timeout: 15_000 });
  expect((await myAppointments()).length).toBe(countBefore + 1);
  await expect(booking.getByTestId('my-booking-appointment')).not.toHaveCount(0);

  // Offline again; meanwhile the desk gives that time to someone else: the patient is told why it was not booked.
  const third = freeWeekday(3);
  await chooseTime(page, 'Consultation (in person, 30 min)', third, 'Dr. Amara Okafor');
  await phone.offline();
  await booking.getByRole('button', { name: 'Book this time' }).click();
  await expect(booking.getByTestId('my-booking-waiting')).toBeVisible();
  const startOfChoice = await pendingStart(page);
  expect(listAppointments(await serverBook(clinic, clinicId)).filter((a) => a.start === startOfChoice && a.state.status === 'booked')).toEqual([]);
  // The desk's booking, written as a device of the old single book would (readers still take the book's own appointments).
  const doc = (await serverDoc(clinic, `schedule:${clinicId}`))!;
  const okafor = clinic.db.prepare("SELECT id FROM users WHERE name = 'Dr. Amara Okafor'").get() as { id: string };
  const before2 = Y.encodeStateVector(doc);
  addAppointment(doc, { providerId: okafor.id, patientId: (clinic.db.prepare('SELECT id FROM patients WHERE id != ? LIMIT 1').get(own.id) as { id: string }).id, typeId: 'consult', start: startOfChoice }, { id: 'desk', name: 'Front desk' });
  await clinic.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(doc, before2), 'seed', 'seed');
  await phone.online();
  await expect(pending).toContainText('Not done: Sorry, someone else has just booked that time. Choose another time.', { timeout: 15_000 });
  await page.screenshot({ path: '/tmp/booking-refused-360.png', fullPage: true });
  await expectAccessible(page, 'patient booking: refused');
  await pending.getByRole('button', { name: 'I have read this' }).click();
  await expect(pending).toHaveCount(0);
  await phone.close();
});

for (const [i, size] of [
  { width: 360, height: 780, locale: 'sw', book: 'Weka muda huu', refused: 'Haijafanyika: Samahani, mtu mwingine ameweka muda huo sasa hivi. Chagua muda mwingine.' },
  { width: 1280, height: 860, locale: 'es', book: 'Reservar esta hora', refused: 'No se hizo: Lo sentimos, otra persona acaba de reservar esa hora. Elija otra hora.' },
  { width: 390, height: 844, locale: 'fr', book: 'Réserver cet horaire', refused: 'Pas fait : Désolé, quelqu’un vient de réserver cet horaire. Choisissez un autre horaire.' }
].entries()) {
  test(`at ${size.width} px a patient reading in ${size.locale} is told in ${size.locale} that the time was just taken`, async ({ browser }) => {
    const device = await Device.open(browser, clinic, { width: size.width, height: size.height });
    const { page } = device;
    await patientSignsIn(page, 'amina.c');
    const booking = page.getByTestId('my-booking');
    // The time is chosen on the English screen (the helper reads English labels), then the patient switches language.
    const day = freeWeekday(4 + i);
    await chooseTime(page, 'Consultation (in person, 30 min)', day, 'Dr. Amara Okafor');
    const chosen = (await booking.getByRole('button', { name: /with Dr\. Amara Okafor$/, pressed: true }).getAttribute('data-start'))!;
    await page.locator('#app-language').selectOption(size.locale);
    await expect(page.locator('html')).toHaveAttribute('lang', size.locale);
    // Meanwhile the desk gives that time to someone else.
    const doc = (await serverDoc(clinic, `schedule:${clinicId}`))!;
    const okafor = clinic.db.prepare("SELECT id FROM users WHERE name = 'Dr. Amara Okafor'").get() as { id: string };
    const sv = Y.encodeStateVector(doc);
    addAppointment(doc, { providerId: okafor.id, patientId: (clinic.db.prepare('SELECT id FROM patients WHERE id != ? LIMIT 1').get(own.id) as { id: string }).id, typeId: 'consult', start: chosen }, { id: 'desk', name: 'Front desk' });
    await clinic.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(doc, sv), 'seed', 'seed');
    await booking.getByRole('button', { name: size.book }).click();
    await expect(booking.getByTestId('my-booking-refused')).toHaveText(size.refused);
    await page.screenshot({ path: `/tmp/booking-refused-${size.locale}-${size.width}.png`, fullPage: true });
    await expectAccessible(page, `patient booking refused in ${size.locale} at ${size.width}px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.locator('#app-language').selectOption('en');
    await device.close();
  });
}

/** The start of the booking waiting on the phone, read from the screen's pending list's item (the outbox holds it sealed). */
async function pendingStart(page: Page): Promise<string> {
  return (await page.getByTestId('my-booking-pending').locator('li').first().getAttribute('data-start'))!;
}

test('a video appointment about to start shows “Join”, which opens the video visit’s join page for it', async ({ browser }) => {
  const doc = (await serverDoc(clinic, `schedule:${clinicId}`))!;
  const before = Y.encodeStateVector(doc);
  const okafor = clinic.db.prepare("SELECT id FROM users WHERE name = 'Dr. Amara Okafor'").get() as { id: string };
  const start = new Date(Math.floor(Date.now() / 900_000) * 900_000).toISOString();
  const id = addAppointment(doc, { providerId: okafor.id, patientId: own.id, typeId: 'video', start }, { id: 'desk', name: 'Front desk' }, { allowOverlap: true });
  await clinic.sync.applyServerUpdate(`schedule:${clinicId}`, clinicId, Y.encodeStateAsUpdate(doc, before), 'seed', 'seed');

  const phone = await Device.open(browser, clinic, { width: 360, height: 780 });
  const { page } = phone;
  await patientSignsIn(page, 'amina.c');
  const row = page.getByTestId('my-booking').locator(`[data-appointment-id="${id}"]`);
  await expect(row).toContainText('Video visit');
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/booking-join-360.png' });
  await expectAccessible(page, 'patient booking: join a video visit');
  await row.getByRole('button', { name: 'Join video visit' }).click();
  // The join page of this visit (the secret leaves the address bar at once), asking for the date of birth.
  await expect(page).toHaveURL(/\/join$/);
  await expect(page.getByLabel('Date of birth')).toBeVisible();
  const visit = clinic.db.prepare('SELECT patient_id FROM telehealth_visits WHERE visit_id = ?').get(id);
  expect(visit).toEqual({ patient_id: own.id });
  await phone.close();
});
