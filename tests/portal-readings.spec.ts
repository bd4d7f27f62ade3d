import * as Y from 'yjs';
import { expect, test } from '@playwright/test';
import { prescribe } from '../src/lib/chart/medication-doc';
import { sessionCookieFor } from '../server/http/test-app';
import { seedPortalPatient } from '../server/portal/portal-test-support';
import { expectAccessible } from './support/axe';
import { DEMO_PASSWORD, Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a patient on a 360 px phone sends a home blood pressure of
 * 185/120 and asks for a refill of a current medicine (one more reading
 * sent while offline waits and goes when the phone is back online); the
 * clinician finds both among their tasks, sees the reading on the chart
 * marked as reported by the patient with its flag, and declines the refill
 * with a reason, which the patient then reads.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const PATIENT_PASSWORD = 'a long walk to the well';
const own = { id: 'd6e7f8a9-0000-4000-8000-000000000001', family: 'Achieng', given: 'Rehema', birthDate: '1961-04-22' };
const REASON = 'Please come in for a blood test first';

async function seed(clinicId: string): Promise<void> {
  await seedPortalPatient(clinic, clinicId, own.id, own);
  const chart = (await serverDoc(clinic, `chart:${own.id}`))!;
  const before = Y.encodeStateVector(chart);
  prescribe(
    chart,
    {
      medicationCodeableConcept: { text: 'Metformin 500 mg tablet' },
      dosage: { text: 'Take 1 tablet by mouth twice daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 2, period: 1, periodUnit: 'd' }, asNeeded: false },
      dispense: { quantity: { value: 60, unit: 'tablet' }, numberOfRepeatsAllowed: 0 },
      detectedIssues: []
    },
    { id: 'seed', name: 'Dr Amani Seed' }
  );
  await clinic.sync.applyServerUpdate(`chart:${own.id}`, clinicId, Y.encodeStateAsUpdate(chart, before), 'seed', 'seed');
}

/** The patient's account, set up over the API (the invitation and activation screens have their own journey). */
async function patientAccount(): Promise<void> {
  const desk = await sessionCookieFor(clinic.url, 'desk.demo', DEMO_PASSWORD);
  const inv = await fetch(`${clinic.url}/api/portal/invitations`, { method: 'POST', headers: { cookie: desk, 'content-type': 'application/json' }, body: JSON.stringify({ relation: 'self', patientId: own.id }) });
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const res = await fetch(`${clinic.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: own.birthDate, username: 'rehema', password: PATIENT_PASSWORD }) });
  expect(res.status).toBe(201);
}

test('patient sends 185/120 and a refill request; the clinician sees both, the reading marked and flagged; a declined refill shows its reason to the patient', async ({ browser }) => {
  test.setTimeout(150_000);
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  await seed(clinicId);
  await patientAccount();

  // The patient signs in on a small phone.
  const phone = await Device.open(browser, clinic, { width: 360, height: 780 });
  const { page } = phone;
  await page.goto('/');
  await page.getByLabel('Username').fill('rehema');
  await page.getByLabel('Password').fill(PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'My health record', level: 1 })).toBeVisible();

  // A home blood pressure far out of range.
  const readings = page.getByTestId('my-home-readings');
  await expect(readings.getByRole('heading', { name: 'Send a home reading' })).toBeVisible();
  await expect(readings).toContainText('You have not sent any readings yet.');
  await readings.getByLabel('What did you measure?').selectOption({ label: 'Blood pressure' });
  await readings.getByLabel('Top number (systolic, mmHg)').fill('185');
  await readings.getByLabel('Bottom number (diastolic, mmHg)').fill('120');
  await readings.getByRole('button', { name: 'Send reading' }).click();
  const outcome = readings.getByTestId('home-reading-outcome');
  await expect(outcome).toContainText('Sent. The clinic can see it in your record.');
  await expect(outcome).toContainText('This reading is far outside the usual range. The clinic has been told.');
  await readings.screenshot({ path: '/tmp/readings-urgent-360.png' });
  const list = readings.getByTestId('my-home-readings-list');
  await expect(list).toContainText('Blood pressure 185/120 mmHg');
  await expect(list).toContainText('Far outside the usual range');

  // A mistyped number is refused on the phone with the reason, and nothing is sent.
  await readings.getByLabel('Top number (systolic, mmHg)').fill('1850');
  await readings.getByLabel('Bottom number (diastolic, mmHg)').fill('120');
  await readings.getByRole('button', { name: 'Send reading' }).click();
  await expect(readings.getByTestId('home-reading-errors')).toHaveText('Systolic above 300 is not plausible');
  await expect(list.getByRole('listitem')).toHaveCount(1);

  // A refill of a current medicine.
  const refills = page.getByTestId('my-refills');
  await refills.getByLabel('Which medicine?').selectOption({ label: 'Metformin 500 mg tablet' });
  await refills.getByLabel('Note for the clinic (you can leave this empty)').fill('Two days of tablets left');
  await refills.getByRole('button', { name: 'Ask for a refill' }).click();
  await expect(refills.getByTestId('refill-outcome')).toHaveText("Sent. You will see the clinic's answer here.");
  await expect(refills.getByTestId('my-refill-request')).toHaveAttribute('data-status', 'open');
  await expect(refills.getByTestId('my-refill-request')).toContainText('Waiting for the clinic');

  await expectAccessible(page, 'home readings and refills, 360 px');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await readings.screenshot({ path: '/tmp/readings-home-360.png' });
  await refills.screenshot({ path: '/tmp/readings-refill-360.png' });

  // Offline, a reading waits on the phone and says so; back online it is sent.
  await phone.waitForServiceWorker();
  await phone.offline();
  await readings.getByLabel('What did you measure?').selectOption({ label: 'Weight' });
  await readings.getByLabel('Weight (kg)').fill('71.5');
  await readings.getByRole('button', { name: 'Send reading' }).click();
  await expect(outcome).toHaveText('Will be sent when you are online');
  await expect(readings.getByTestId('home-readings-waiting')).toContainText('Weight: 71.5');
  await readings.screenshot({ path: '/tmp/readings-offline-360.png' });
  await phone.online();
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect(list).toContainText('Weight 71.5 kg');
  await expect(readings.getByTestId('home-readings-waiting')).toHaveCount(0);

  // The clinician: both items are among their tasks.
  const dr = await Device.open(browser, clinic);
  await dr.signIn('dr.demo');
  const tasks = dr.page.getByTestId('my-tasks');
  await expect(tasks).toContainText("Home blood pressure out of range: see the chart's vital signs");
  await expect(tasks).toContainText('Refill request from the patient portal');
  // The 71.5 kg reading (no range) raised nothing: one home-reading item only.
  await expect(tasks.getByTestId('my-task').filter({ hasText: 'Home ' })).toHaveCount(1);

  // The chart shows the reading as the patient's, with the chart's flag.
  await dr.visit(`/patients/${own.id}`);
  const vitals = dr.page.getByTestId('vitals');
  const home = vitals.getByTestId('home-readings-staff');
  const bp = home.getByTestId('home-reading').filter({ hasText: '185/120 mmHg' });
  await expect(bp).toContainText('Hypertensive crisis');
  await expect(bp).toContainText('Home reading, reported by the patient');
  await expect(bp).toContainText('Range source: 2017 ACC/AHA High Blood Pressure Guideline');
  await expect(vitals.getByTestId('vital-bloodPressure')).toContainText('Home reading, reported by the patient');
  await vitals.scrollIntoViewIfNeeded();
  await vitals.screenshot({ path: '/tmp/readings-chart-vitals-1280.png' });
  await expectAccessible(dr.page, 'chart with home readings');

  // The clinician declines the refill, saying why.
  const card = dr.page.getByTestId('refill-requests');
  const request = card.getByTestId('refill-request').filter({ hasText: 'Metformin 500 mg tablet' });
  await expect(request).toContainText('patient portal');
  await request.getByRole('button', { name: 'Decline' }).click();
  await request.getByLabel('Why is it declined? (the patient reads this)').fill(REASON);
  await request.screenshot({ path: '/tmp/readings-decline-1280.png' });
  await request.getByRole('button', { name: 'Decline refill' }).click();
  await expect(request).toHaveAttribute('data-status', 'declined');
  await expect(request.getByTestId('refill-decline-reason')).toHaveText(`Declined: ${REASON}`);
  await dr.waitSynced();
  await dr.page.setViewportSize({ width: 390, height: 844 });
  await vitals.scrollIntoViewIfNeeded();
  await vitals.screenshot({ path: '/tmp/readings-chart-vitals-390.png' });

  // The patient reads the answer.
  await page.goto('/my');
  await phone.unlock(PATIENT_PASSWORD);
  const answered = page.getByTestId('my-refills').getByTestId('my-refill-request');
  await expect(answered).toHaveAttribute('data-status', 'declined');
  await expect(answered).toContainText('Declined');
  await expect(answered.getByTestId('my-refill-reason')).toHaveText(`Reason: ${REASON}`);
  await expectAccessible(page, 'declined refill, 360 px');
  await page.getByTestId('my-refills').screenshot({ path: '/tmp/readings-declined-360.png' });
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByTestId('my-home-readings').screenshot({ path: '/tmp/readings-home-1280.png' });
  await expectAccessible(page, 'home readings, 1280 px');

  await dr.close();
  await phone.close();
});
