import { expect, test, type Page } from '@playwright/test';
import { listAppointments } from '../src/lib/chart/schedule-doc';
import { addDays, isoWeekday } from '../src/lib/domain/scheduling';
import { expectAccessible } from './support/axe';
import { Device, serverBook, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the front desk runs the appointment book. Two desk laptops lose
 * the network, each books the same free slot with Dr. Okafor for a
 * different patient, and when the link returns both show the double booking
 * with both appointments named. Online, a booking is checked in and then
 * cancelled with a reason, and the server's copy of the schedule has it.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

/** The clinic's zone is the server's (seeded from it); the browser runs on the same machine. */
function localDay(ms = Date.now()): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A weekday after the seeded appointments (which end the day after tomorrow): the whole day is free. */
function freeWeekday(from: number): string {
  let day = addDays(localDay(), from);
  while (isoWeekday(day) > 5) day = addDays(day, 1);
  return day;
}

async function openSchedule(page: Page, day?: string): Promise<void> {
  // In-app navigation: a full load would lock the app (the key lives in memory only).
  await page.getByRole('link', { name: 'Schedule', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Schedule', level: 1 })).toBeVisible();
  await expect(page.getByTestId('day-view')).toBeVisible();
  if (day) await page.locator('#schedule-day').fill(day);
}

async function patientNames(page: Page, n: number): Promise<string[]> {
  await page.getByRole('link', { name: 'Patients', exact: true }).click();
  const links = page.getByTestId('patient-link');
  await expect(links.first()).toBeVisible();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await links.nth(i * 3).textContent())!.trim());
  return out;
}

/** Books through the form; returns the chosen start (ISO), or books `start` when given. */
async function book(page: Page, patient: string, opts: { type: string; day: string; start?: string; screenshot?: string }): Promise<string> {
  await page.getByRole('button', { name: 'Book appointment' }).first().click();
  const form = page.locator('form').filter({ has: page.getByRole('heading', { name: 'Book an appointment' }) });
  await form.getByLabel('Patient').fill(patient.split(',')[0]);
  await form.getByRole('list', { name: 'Matching patients' }).getByRole('button', { name: patient, exact: true }).click();
  await expect(form.getByTestId('booking-patient')).toContainText(patient);
  await form.getByLabel('Provider').selectOption({ label: 'Dr. Amara Okafor' });
  await form.getByLabel('Appointment type').selectOption({ label: opts.type });
  await form.getByLabel('Date').fill(opts.day);
  const slot = form.getByLabel('Free time');
  await expect(slot).toBeEnabled();
  if (opts.start) await slot.selectOption(opts.start);
  const start = await slot.inputValue();
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
  await form.getByRole('button', { name: 'Book appointment' }).click();
  await expect(form).toBeHidden();
  return start;
}

test('two desks book the same slot offline; after reconnecting both see the double booking', async ({ browser }) => {
  const a = await Device.open(browser, clinic);
  const b = await Device.open(browser, clinic);
  await a.signIn('desk.demo');
  await b.signIn('desk.demo');
  const [first, second] = await patientNames(a.page, 2);

  // Today's clinic day, as the desk sees it each morning (the demo clinic is closed on Sundays: then the next day's).
  await openSchedule(a.page, isoWeekday(localDay()) === 7 ? addDays(localDay(), 1) : undefined);
  await expect(a.page.getByTestId('appointment').first()).toBeVisible();
  await a.page.screenshot({ path: '/tmp/schedule-day.png', fullPage: true });

  const day = freeWeekday(3);
  await openSchedule(a.page, day);
  await openSchedule(b.page, day);
  await a.offline();
  await b.offline();

  const start = await book(a.page, first, { type: 'Consultation (in person, 30 min)', day });
  await book(b.page, second, { type: 'Consultation (in person, 30 min)', day, start });
  await expect(a.page.getByTestId('sync-indicator')).toContainText(/pending/);
  // Offline, each device sees only its own booking: no conflict yet.
  await expect(a.page.getByTestId('conflict-banner')).toBeHidden();
  await expect(b.page.getByTestId('conflict-banner')).toBeHidden();

  await a.online();
  await b.online();
  await a.waitSynced();
  await b.waitSynced();
  for (const d of [a, b]) {
    const banner = d.page.getByTestId('conflict-banner');
    await expect(banner).toBeVisible({ timeout: 30_000 });
    await expect(banner.getByTestId('conflict')).toHaveCount(1);
    await expect(banner).toContainText(first);
    await expect(banner).toContainText(second);
    const column = d.page.getByTestId('provider-column').filter({ hasText: 'Dr. Amara Okafor' });
    await expect(column.getByTestId('conflict-badge')).toHaveCount(2);
  }
  await a.page.screenshot({ path: '/tmp/schedule-conflict.png', fullPage: true });

  const schedule = (await serverBook(clinic, clinicId()));
  expect(listAppointments(schedule).filter((x) => x.start === start && x.state.status === 'booked')).toHaveLength(2);
  await a.close();
  await b.close();
});

test('book, reschedule, check in, then cancel with a reason, online; the server has it', async ({ browser }) => {
  const desk = await Device.open(browser, clinic);
  await desk.signIn('desk.demo');
  const [patient] = await patientNames(desk.page, 1);
  const day = freeWeekday(4);
  await openSchedule(desk.page, day);
  const booked = await book(desk.page, patient, { type: 'Video visit (video, 30 min)', day, screenshot: '/tmp/schedule-book.png' });
  const card = desk.page.getByTestId('appointment').filter({ hasText: patient });
  await expect(card).toContainText('Video');
  await expect(card.getByTestId('appointment-status')).toHaveText('Booked');

  // Rescheduled to the next free time the same day: the same appointment, moved.
  const before = await card.locator('.time').textContent();
  await card.getByRole('button', { name: 'Reschedule' }).click();
  const move = desk.page.locator('form').filter({ has: desk.page.getByRole('heading', { name: 'Reschedule' }) });
  const newTime = move.getByLabel('New time');
  const options = await newTime.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  const start = options.find((o) => o !== booked)!;
  await newTime.selectOption(start);
  await move.getByRole('button', { name: 'Move appointment' }).click();
  await expect(move).toBeHidden();
  await expect(card.locator('.time')).not.toHaveText(before!);

  await card.getByRole('button', { name: 'Check in' }).click();
  await expect(card.getByTestId('appointment-status')).toHaveText('Checked in');

  await card.getByRole('button', { name: 'Cancel' }).click();
  const form = desk.page.locator('form').filter({ has: desk.page.getByRole('heading', { name: 'Cancel appointment' }) });
  // The reason is required.
  await form.getByRole('button', { name: 'Cancel appointment' }).click();
  await expect(form).toBeVisible();
  await form.getByLabel('Reason for cancelling (required)').fill('Patient called: feeling better');
  await form.getByRole('button', { name: 'Cancel appointment' }).click();
  await expect(card.getByTestId('appointment-status')).toHaveText('Cancelled');
  await expect(card.getByTestId('cancel-reason')).toContainText('feeling better');
  await desk.waitSynced();

  await expect
    .poll(async () => {
      const doc = await serverBook(clinic, clinicId());
      const appt = doc && listAppointments(doc).find((x) => x.start === start && x.mode === 'video');
      return appt ? appt.state : null;
    })
    .toMatchObject({ status: 'cancelled', reason: 'Patient called: feeling better', by: 'Priya Shah' });
  await desk.close();
});

test('a clinician sees the video appointment link to the visit console', async ({ browser }) => {
  const dr = await Device.open(browser, clinic);
  await dr.signIn('dr.demo');
  await openSchedule(dr.page, localDay());
  await dr.page.getByLabel('Provider').selectOption({ label: 'Dr. Amara Okafor' });
  const link = dr.page.getByTestId('video-link').first();
  if ((await link.count()) === 0) {
    // Every seeded video visit today may be over already (a run late in the day): tomorrow has more.
    await dr.page.getByRole('button', { name: 'Next day' }).click();
  }
  const href = await dr.page.getByTestId('video-link').first().getAttribute('href');
  expect(href).toMatch(/^\/visits\/[0-9a-f-]{36}\?patient=[0-9a-f-]{36}$/);

  // Working hours, blocked time and appointment types are kept in the same document.
  await dr.page.getByRole('button', { name: 'Schedule settings' }).click();
  const settings = dr.page.getByTestId('schedule-settings');
  await settings.getByLabel('Provider', { exact: true }).selectOption({ label: 'Dr. Amara Okafor' });
  await expect(settings.getByLabel('Day', { exact: true })).toHaveCount(11);
  await settings.getByLabel('Type name').fill('Wound check');
  await settings.getByLabel('Type minutes').fill('20');
  await settings.getByRole('button', { name: 'Add type' }).click();
  await expect(settings).toContainText('Wound check — in person, 20 min');
  await dr.page.screenshot({ path: '/tmp/schedule-settings.png', fullPage: true });
  // A tablet at the desk: the open panel comes above the day.
  await dr.page.setViewportSize({ width: 820, height: 1000 });
  await dr.page.screenshot({ path: '/tmp/schedule-tablet.png', fullPage: true });
  await dr.close();
});

function clinicId(): string {
  return (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
}

test('offline, a day in a month this device does not keep says so, on the page and in the booking form', async ({ browser }) => {
  const desk = await Device.open(browser, clinic);
  await desk.signIn('desk.demo');
  await openSchedule(desk.page);
  await desk.offline();
  // Seven months ahead: outside the months a device keeps (the previous month through the next three).
  await desk.page.locator('#schedule-day').fill(freeWeekday(212));
  await expect(desk.page.getByTestId('month-not-here')).toHaveText('This month is not on this device. Connect to the clinic server to see its appointments.');
  await desk.page.getByRole('button', { name: 'Book appointment' }).first().click();
  const form = desk.page.locator('form').filter({ has: desk.page.getByRole('heading', { name: 'Book an appointment' }) });
  await form.getByLabel('Date').fill(freeWeekday(212));
  // No free times are offered from a month whose appointments this device cannot see.
  await expect(form.getByTestId('form-month-not-here')).toBeVisible();
  await expect(form.getByLabel('Free time')).toBeDisabled();
  for (const width of [390, 1280]) {
    await desk.page.setViewportSize({ width, height: 900 });
    await desk.page.screenshot({ path: `/tmp/schedule-month-not-here-${width}.png`, fullPage: true });
  }
  await expectAccessible(desk.page, 'schedule, month not on this device');
  await desk.online();
});
