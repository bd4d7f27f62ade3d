import { expect, test } from '@playwright/test';
import { listObservations } from '../src/lib/chart/clinical-doc';
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
