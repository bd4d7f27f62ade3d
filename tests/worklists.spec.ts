import { expect, test } from '@playwright/test';
import { listObservations } from '../src/lib/chart/clinical-doc';
import { listMedicationRecords } from '../src/lib/chart/medication-doc';
import { listRefillRequests } from '../src/lib/chart/refill-request-doc';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journeys of the clinician's worklists on the home page.
 *
 * Results to review: a nurse records a point-of-care haemoglobin of
 * 7.2 g/dL (severe anaemia) and a negative malaria RDT; after the doctor's
 * next sync round both wait under Today's "Results to review", the abnormal
 * one first; the doctor opens it, marks it reviewed in the chart (who and
 * when shown, stored on the server), and the list no longer holds it. The
 * nurse sees the result is not reviewed yet but cannot mark it.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

test('results to review: abnormal first after sync, marked reviewed in the chart by the doctor, gone from the list', async ({ browser }) => {
  test.setTimeout(180_000);
  const nurse = await Device.open(browser, clinic);
  const dr = await Device.open(browser, clinic, { width: 390, height: 844 });
  await nurse.signIn('nurse.demo');
  await dr.signIn('dr.demo');
  const review = dr.page.getByTestId('results-to-review');
  await expect(review).toContainText('No results waiting for review on this device.');

  const page = nurse.page;
  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Reviewwell');
  await page.getByLabel('Given names').fill('Neema');
  await page.getByLabel('Birth date').fill('1990-05-14');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Reviewwell, Neema');
  const patientId = page.url().split('/patients/')[1];
  const orders = page.getByTestId('orders');
  const form = page.getByTestId('poc-form');
  await orders.getByTestId('poc-open').click();
  await form.getByLabel('Test').selectOption({ label: 'Malaria RDT (LOINC 70569-9)' });
  await form.getByLabel('Result', { exact: true }).selectOption({ label: 'Negative' });
  await form.getByRole('button', { name: 'Record result' }).click();
  await expect(page.getByTestId('order-notice')).toHaveText('Malaria RDT recorded; see Results.');
  await orders.getByTestId('poc-open').click();
  await form.getByLabel('Test').selectOption({ label: 'Haemoglobin (point of care) (LOINC 718-7)' });
  await form.getByLabel('Result (g/dL)').fill('7.2');
  await form.getByLabel('Range for').selectOption({ label: 'Woman (not pregnant), 15 years or older' });
  await form.getByRole('button', { name: 'Record result' }).click();
  await expect(page.getByTestId('order-notice')).toHaveText('Haemoglobin (point of care) recorded; see Results.');
  // The nurse sees the results are not reviewed yet, and no button to mark them.
  const nurseHb = page.getByTestId('results').getByTestId('result-row').filter({ hasText: 'Haemoglobin' });
  await expect(nurseHb).toContainText('Not reviewed yet');
  await expect(page.getByTestId('mark-reviewed')).toHaveCount(0);
  await nurse.waitSynced();

  // The doctor's next sync round brings them: the abnormal haemoglobin first.
  await dr.offline();
  await dr.online();
  await expect(review.getByTestId('result-to-review')).toHaveCount(2, { timeout: 45_000 });
  const rows = review.getByTestId('result-to-review');
  await expect(rows.nth(0)).toContainText('Reviewwell, Neema — Haemoglobin (point of care): 7.2 g/dL');
  await expect(rows.nth(0)).toHaveAttribute('data-level', 'danger');
  await expect(rows.nth(0)).toContainText('Severe anaemia');
  await expect(rows.nth(0)).toContainText('responsible: Nurse Tomás Reyes');
  await expect(rows.nth(1)).toContainText('Malaria RDT: Negative');
  await expect(review.getByTestId('results-to-review-count')).toHaveText('2');
  await expectAccessible(dr.page, 'home with results to review (390 px)');
  await review.scrollIntoViewIfNeeded();
  await dr.page.screenshot({ path: test.info().outputPath('results-to-review-390.png') });
  await dr.page.setViewportSize({ width: 1280, height: 860 });
  await dr.page.screenshot({ path: test.info().outputPath('results-to-review-1280.png'), fullPage: true });

  // In-app navigation to the chart's results; mark the haemoglobin reviewed.
  await rows.nth(0).getByRole('link').click();
  await expect(dr.page.getByTestId('patient-name')).toHaveText('Reviewwell, Neema');
  const hb = dr.page.getByTestId('results').getByTestId('result-row').filter({ hasText: 'Haemoglobin' });
  await hb.getByRole('button', { name: 'Mark Haemoglobin (point of care) reviewed' }).click();
  const today = new Date().toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric' });
  await expect(hb.getByTestId('result-reviewed')).toHaveText(`Reviewed by Dr. Amara Okafor on ${today}`);
  await expect(hb.getByRole('button', { name: /reviewed/ })).toHaveCount(0);
  await expectAccessible(dr.page, 'chart results with a review');
  await hb.scrollIntoViewIfNeeded();
  await dr.page.screenshot({ path: test.info().outputPath('result-reviewed-1280.png') });
  await dr.waitSynced();

  // Stored on the server with who and when.
  const chart = await serverDoc(clinic, `chart:${patientId}`);
  const stored = listObservations(chart!).find((o) => o.code.coding?.[0]?.code === '718-7');
  expect(stored).toMatchObject({ reviewedBy: 'Dr. Amara Okafor' });
  expect(Date.parse(stored!.reviewedAt!)).toBeGreaterThan(Date.now() - 120_000);

  // Back home: only the malaria RDT waits.
  await dr.page.getByRole('link', { name: 'Patients' }).first().click();
  await expect(review.getByTestId('result-to-review')).toHaveCount(1);
  await expect(review.getByTestId('result-to-review')).toContainText('Malaria RDT: Negative');
  await nurse.close();
  await dr.close();
});

/**
 * Refills. The doctor prescribes amoxicillin; the patient later phones and
 * the front desk records a refill request on their record. After the
 * doctor's next sync it waits under Today's "Refill requests"; one click
 * opens the prescribe screen prefilled with the same drug, dose and
 * instructions (in-app, no page load), the checks run again, and signing
 * completes the earlier prescription and closes the request. The chart's
 * own "Refill…" on the new prescription opens the same prefilled screen.
 */
test('refill requests: taken by the desk, one click from Today to a prefilled prescribe screen, signed and closed', async ({ browser }) => {
  test.setTimeout(240_000);
  const dr = await Device.open(browser, clinic);
  const desk = await Device.open(browser, clinic, { width: 390, height: 844 });
  await dr.signIn('dr.demo');
  await desk.signIn('desk.demo');
  const page = dr.page;

  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Refillson');
  await page.getByLabel('Given names').fill('Juma');
  await page.getByLabel('Birth date').fill('1979-11-02');
  await page.getByLabel('Sex').selectOption('male');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Refillson, Juma');
  const patientId = page.url().split('/patients/')[1];
  await page.getByTestId('chart-prescribe').click();
  await page.getByRole('button', { name: 'Patient has no known allergies' }).click();
  await page.getByLabel('Drug', { exact: true }).fill('amoxi');
  await page.getByRole('button', { name: /^amoxicillin/ }).first().click();
  await page.getByLabel('Strength').fill('500 mg');
  await page.getByLabel('Form').selectOption('capsule');
  await page.getByLabel('Dose', { exact: true }).fill('1');
  await page.getByLabel('Dose unit').selectOption('capsule');
  await page.getByLabel('Frequency').selectOption('three-times-daily');
  await page.getByLabel('Duration (days)').fill('7');
  await page.getByLabel('Quantity', { exact: true }).fill('21');
  await page.getByLabel('Quantity unit').selectOption('capsule');
  await page.getByRole('button', { name: 'Sign prescription' }).click();
  await expect(page.getByTestId('signed-notice')).toContainText('Signed:');
  await dr.waitSynced();

  // The desk: the patient phones; the request goes on their record.
  const d = desk.page;
  await desk.offline();
  await desk.online();
  await d.getByLabel('Search patients').fill('Refillson');
  await d.getByTestId('patient-link').filter({ hasText: 'Refillson, Juma' }).click({ timeout: 45_000 });
  const card = d.getByTestId('refill-requests');
  await card.getByRole('button', { name: 'Record a refill request' }).click();
  await card.getByLabel('Medicine the patient asks for').fill('Amoxicillin');
  await card.getByLabel('How the request came').selectOption('phone');
  await card.getByLabel('Note (optional)').fill('Course not finished, ran out');
  await card.getByRole('button', { name: 'Save request' }).click();
  await expect(card.getByTestId('refill-request-saved')).toBeVisible();
  await expect(card.getByTestId('refill-request')).toContainText('Amoxicillin');
  await expect(card.getByTestId('refill-request')).toHaveAttribute('data-status', 'open');
  // The desk cannot prescribe: no link to do so.
  await expect(card.getByRole('link', { name: 'Prescribe refill' })).toHaveCount(0);
  await expectAccessible(d, 'refill request recorded by the desk (390 px)');
  await d.screenshot({ path: test.info().outputPath('refill-request-desk-390.png'), fullPage: true });
  await desk.waitSynced();

  // The doctor's Today after the next sync round: one click to the prefilled prescribe screen, without a page load.
  await page.getByRole('link', { name: /^← / }).click();
  await page.getByRole('link', { name: '← Patients' }).click();
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await dr.offline();
  await dr.online();
  const today = page.getByTestId('refills-today');
  const row = today.getByTestId('refill-today').filter({ hasText: 'Refillson, Juma' });
  await expect(row).toContainText('Amoxicillin', { timeout: 45_000 });
  await expect(row).toContainText('by phone · taken by Priya Shah');
  await expectAccessible(page, 'home with refill requests (1280 px)');
  await today.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('refills-today-1280.png') });
  await row.getByRole('link', { name: 'Prescribe refill of Amoxicillin for Refillson, Juma' }).click();
  await expect(page.getByTestId('refill-request-notice')).toHaveText('Refill request: “Amoxicillin”');
  await expect(page.getByTestId('refill-notice')).toContainText('Refill of amoxicillin 500 MG Oral Capsule');
  await expect(page.getByLabel('Strength')).toHaveValue('500 MG');
  await expect(page.getByLabel('Dose', { exact: true })).toHaveValue('1');
  await expect(page.getByLabel('Frequency')).toHaveValue('three-times-daily');
  await expect(page.getByLabel('Quantity', { exact: true })).toHaveValue('21');
  // The prescription refilled is not counted against its own refill.
  await expect(page.getByTestId('check-alert').filter({ hasText: 'Already active' })).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await expectAccessible(page, 'prescribe screen prefilled for a refill');
  await page.screenshot({ path: test.info().outputPath('refill-prescribe-1280.png'), fullPage: true });
  await page.getByRole('button', { name: 'Sign prescription' }).click();
  await expect(page.getByTestId('refill-signed')).toHaveText('Refill signed: amoxicillin 500 MG Oral Capsule. The earlier prescription is marked completed.');
  await dr.waitSynced();

  const chart = await serverDoc(clinic, `chart:${patientId}`);
  const meds = listMedicationRecords(chart!);
  expect(meds.map((m) => m.status).sort()).toEqual(['active', 'completed']);
  const fresh = meds.find((m) => m.status === 'active')!;
  expect(fresh).toMatchObject({ priorPrescription: meds.find((m) => m.status === 'completed')!.id, dispense: { quantity: { value: 21, unit: 'capsule' } } });
  const record = await serverDoc(clinic, `patient:${patientId}`);
  expect(listRefillRequests(record!)).toMatchObject([{ medicationText: 'Amoxicillin', status: 'done', prescriptionId: fresh.id, closedBy: 'Dr. Amara Okafor' }]);

  // From the chart: "Refill…" on the active prescription opens the same prefilled screen, in-app.
  await page.getByRole('link', { name: /^← / }).click();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId('medications').getByRole('link', { name: 'Refill amoxicillin 500 MG Oral Capsule' }).click();
  await expect(page.getByTestId('refill-notice')).toContainText('Refill of amoxicillin 500 MG Oral Capsule');
  await expect(page.getByLabel('Quantity', { exact: true })).toHaveValue('21');
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await page.screenshot({ path: test.info().outputPath('refill-prescribe-390.png') });
  await desk.close();
  await dr.close();
});
