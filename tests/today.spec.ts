import { expect, test, type Page } from '@playwright/test';
import { DEMO_PASSWORD, Device, startClinic, type Clinic } from './support/clinic';
import { addDays, isoWeekday } from '../src/lib/domain/scheduling';
import { unsignedNotes } from '../src/lib/chart/note-worklist';
import { serverDoc } from './support/clinic';

/**
 * Journey: the front desk registers a patient and books their first
 * appointment at the first free time with Dr. Okafor; the doctor's home
 * page shows it under Today (or, when that time is on a later day, under the
 * next day) after the next sync. A new device shows the day's appointments
 * as soon as its first catch-up brings the appointment book, without a reload.
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

/** The section of Today that lists `day`: today's list, or the next day's (opened when folded). */
async function todayRows(page: Page, day: string) {
  const today = page.getByTestId('today');
  if (day === localDay()) return today.getByTestId('today-appointments');
  const next = today.getByTestId('today-next');
  if (!(await next.evaluate((d) => (d as HTMLDetailsElement).open))) await next.locator('summary').click();
  return next;
}

test('the desk registers a patient and books the first free time; the doctor sees it in Today after sync', async ({ browser }) => {
  test.setTimeout(240_000);
  const desk = await Device.open(browser, clinic);
  const dr = await Device.open(browser, clinic);
  await desk.signIn('desk.demo');
  await dr.signIn('dr.demo');
  await expect(desk.page.getByTestId('today')).toContainText("The clinic's appointments");
  await expect(dr.page.getByTestId('today')).toContainText('Your appointments');

  // Register, then the confirmation's next step: Book appointment, with the patient already chosen.
  const page = desk.page;
  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Todaywell');
  await page.getByLabel('Given names').fill('Iris');
  await page.getByLabel('Birth date').fill('1984-02-29');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  const done = page.getByTestId('registered');
  await expect(done).toContainText('Todaywell, Iris');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: 'test-results/today-registered-390.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  await done.getByRole('link', { name: 'Book appointment' }).click();

  const form = page.locator('form').filter({ has: page.getByRole('heading', { name: 'Book an appointment' }) });
  await expect(form.getByTestId('booking-patient')).toContainText('Todaywell, Iris');
  await form.getByLabel('Provider').selectOption({ label: 'Dr. Amara Okafor' });
  await form.getByLabel('Appointment type').selectOption({ label: 'Consultation (in person, 30 min)' });
  await form.getByRole('button', { name: 'Find first available' }).click();
  await expect(form.getByTestId('first-available')).toContainText('First available:');
  const start = await form.getByLabel('Free time').inputValue();
  expect(Date.parse(start)).toBeGreaterThan(Date.now() - 60_000);
  const day = localDay(Date.parse(start));
  expect(await form.getByLabel('Date').inputValue()).toBe(day);
  await page.screenshot({ path: 'test-results/today-booking-1280.png', fullPage: true });
  await form.getByRole('button', { name: 'Book appointment' }).click();
  await expect(form).toBeHidden();

  // Confirmed; the schedule shows the day of the booking.
  await expect(page.getByTestId('booking-notice')).toContainText('Booked Todaywell, Iris');
  await expect(page).toHaveURL(new RegExp(`date=${day}`));
  await expect(page.getByTestId('appointment').filter({ hasText: 'Todaywell, Iris' })).toBeVisible();
  await desk.waitSynced();

  // The doctor's device: the network blinks, a sync round runs, Today is rebuilt from the book it brought.
  await dr.offline();
  await dr.online();
  await expect(dr.page.getByTestId('today')).toContainText('Todaywell, Iris', { timeout: 45_000 });
  const rows = await todayRows(dr.page, day);
  const link = rows.getByRole('link', { name: 'Todaywell, Iris' });
  await expect(link).toBeVisible();
  await dr.page.screenshot({ path: 'test-results/today-clinician-1280.png', fullPage: true });
  await dr.page.setViewportSize({ width: 390, height: 844 });
  await expect(link).toBeVisible();
  await dr.page.screenshot({ path: 'test-results/today-clinician-390.png' });

  // Each row leads to the chart.
  await link.click();
  await expect(dr.page.getByTestId('patient-name')).toHaveText('Todaywell, Iris');
  await desk.close();
  await dr.close();
});

test('a new device shows the day once its first catch-up brings the appointment book, without a reload', async ({ browser }) => {
  test.setTimeout(150_000);
  const dr = await Device.open(browser, clinic);
  const { page } = dr;
  await page.goto('/');
  // A marker that a reload would wipe.
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await page.getByLabel('Username').fill('dr.demo');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  const today = page.getByTestId('today');
  if (isoWeekday(localDay()) === 7) {
    // The demo clinic is closed on Sundays: an empty day that says so, and Monday's appointments shown open.
    await expect(today.getByTestId('today-empty')).toHaveText('No appointments today for you.', { timeout: 45_000 });
    const next = today.getByTestId('today-next');
    await expect(next.locator('summary')).toContainText(new Date(addDays(localDay(), 1) + 'T12:00:00Z').toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }));
    await expect(next.getByTestId('today-appointment').first()).toBeVisible();
  } else {
    await expect(today.getByTestId('today-appointment').first()).toBeVisible({ timeout: 45_000 });
    await expect(today.getByTestId('today-empty')).toHaveCount(0);
  }
  await dr.waitSynced();

  // The unsigned-notes worklist, built after the catch-up too: as many notes as the server's charts hold unsigned.
  const charts = (clinic.db.prepare("SELECT name, patient_id FROM documents WHERE kind = 'chart'").all() as { name: string; patient_id: string }[]);
  let expected = 0;
  for (const c of charts) expected += unsignedNotes((await serverDoc(clinic, c.name))!, c.patient_id).length;
  expect(expected).toBeGreaterThan(0);
  await expect(page.getByTestId('unsigned-count')).toHaveText(String(expected));
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await page.screenshot({ path: 'test-results/today-fresh-device-1280.png', fullPage: true });
  await dr.close();
});
