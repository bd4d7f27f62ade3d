import { expect, test } from '@playwright/test';
import { listMedicationRecords } from '../src/lib/chart/medication-doc';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Prescribing from a reminder. A 55-year-old with type 2 diabetes and no
 * statin: the chart's reminders offer "Prescribe atorvastatin 20 mg" (ADA
 * Standards of Care 2025). One click opens the prescribe screen in-app with
 * the drug and dose filled in; the checks run; signing it and going back to
 * the chart, the reminder is gone and the server holds the prescription.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

test('statin reminder: chart → prefilled prescribe screen → signed → reminder gone (390 and 1280 px)', async ({ browser }) => {
  test.setTimeout(180_000);
  const dr = await Device.open(browser, clinic, { width: 390, height: 844 });
  await dr.signIn('dr.demo');
  const page = dr.page;

  // 55 this year (birthday 15 January), so 55 whatever today's date in the year.
  const born = `${new Date().getUTCFullYear() - 55}-01-15`;
  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Statinova');
  await page.getByLabel('Given names').fill('Neema');
  await page.getByLabel('Birth date').fill(born);
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Statinova, Neema');
  const patientId = page.url().split('/patients/')[1];

  const reminder = page.getByTestId('reminder').and(page.locator('[data-id="ada-statin-diabetes"]'));
  // Positive control first: the chart's reminders are shown (colorectal screening is due at 55), the statin one is not yet.
  await expect(page.getByTestId('reminder').and(page.locator('[data-id="uspstf-colorectal-cancer"]'))).toBeVisible();
  await expect(reminder).toHaveCount(0);

  await page.getByTestId('allergies').getByRole('button', { name: 'No known allergies' }).click();
  const problems = page.getByTestId('problems');
  await problems.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Find a diagnosis (ICD-10-CM)').fill('diab');
  await page.getByTestId('icd10-suggestions').getByRole('button', { name: /E11\.9/ }).click();
  await problems.getByRole('button', { name: 'Save problem' }).click();
  await expect(problems.getByTestId('problem')).toContainText('E11.9');

  await expect(reminder).toBeVisible();
  await expect(reminder).toContainText('Statin therapy: diabetes, 40–75 years');
  await expect(reminder.getByTestId('reminder-source')).toContainText('Standards of Care in Diabetes—2025, section 10');
  await expectAccessible(page, 'chart with the statin reminder (390 px)');
  await reminder.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('statin-reminder-390.png') });

  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await reminder.getByRole('button', { name: 'Prescribe atorvastatin 20 mg' }).click();
  await expect(page).toHaveURL(new RegExp(`/patients/${patientId}/prescribe\\?reminder=ada-statin-diabetes$`));
  await expect(page.getByTestId('reminder-notice')).toHaveText('From the reminder “Statin therapy: diabetes, 40–75 years”: suggested drug and dose filled in. Check them against the patient before signing.');
  await expect(page.getByLabel('Strength')).toHaveValue('20 mg');
  await expect(page.getByLabel('Form')).toHaveValue('tablet');
  await expect(page.getByLabel('Dose', { exact: true })).toHaveValue('1');
  await expect(page.getByLabel('Dose unit')).toHaveValue('tablet');
  await expect(page.getByLabel('Frequency')).toHaveValue('once-daily');
  await expect(page.getByLabel('Duration (days)')).toHaveValue('30');
  await expect(page.getByLabel('Quantity', { exact: true })).toHaveValue('30');
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await expectAccessible(page, 'prescribe screen prefilled from a reminder (390 px)');
  await page.screenshot({ path: test.info().outputPath('statin-prescribe-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  await expectAccessible(page, 'prescribe screen prefilled from a reminder (1280 px)');
  await page.screenshot({ path: test.info().outputPath('statin-prescribe-1280.png'), fullPage: true });

  await page.getByRole('button', { name: 'Sign prescription' }).click();
  await expect(page.getByTestId('signed-notice')).toContainText('Signed:');
  await dr.waitSynced();

  await page.getByRole('link', { name: /^← / }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Statinova, Neema');
  // Positive signal first: the new statin is on the chart and the other reminders are still shown.
  await expect(page.getByTestId('medications')).toContainText('atorvastatin 20 MG Oral Tablet');
  await expect(page.getByTestId('reminder').and(page.locator('[data-id="uspstf-colorectal-cancer"]'))).toBeVisible();
  await expect(reminder).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await expectAccessible(page, 'chart after the statin is signed (1280 px)');
  await page.getByTestId('reminders').scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('statin-reminder-gone-1280.png') });

  const chart = await serverDoc(clinic, `chart:${patientId}`);
  expect(listMedicationRecords(chart!).map((m) => [m.medicationCodeableConcept.text, m.status, m.dosage?.text])).toEqual([
    ['atorvastatin 20 MG Oral Tablet', 'active', 'Take 1 tablet by mouth once daily for 30 days']
  ]);
  await dr.close();
});
