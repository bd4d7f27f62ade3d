import { expect, test, type Page } from '@playwright/test';
import * as Y from 'yjs';
import { listMedicationRecords } from '../src/lib/chart/medication-doc';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician prescribes with the network down. The drug checks run
 * on the device, a penicillin allergy raises a serious alert with its source,
 * signing waits for an override reason, and the signed MedicationRequest —
 * with that reason — reaches the server when the link comes back. A nurse
 * sees the checks but cannot sign.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});


/** Opens the first patient's chart by clicking through; returns the patient id. */
async function openFirstPatient(page: Page): Promise<string> {
  const first = page.getByTestId('patient-link').first();
  const name = (await first.textContent())!.trim();
  await first.click();
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  return page.url().split('/patients/')[1];
}

/** Goes to the prescribe page the way a clinician does: the Prescribe button in the chart's section bar (an in-app navigation, so the app stays unlocked). */
async function openPrescribe(device: Device, patientId: string): Promise<void> {
  expect(device.page.url()).toContain(`/patients/${patientId}`);
  await device.page.getByTestId('chart-prescribe').click();
  await expect(device.page.getByRole('heading', { name: 'New prescription' })).toBeVisible();
}

/** Fills the order form for a once-daily tablet of the drug found by `search`. */
async function chooseDailyTablet(page: Page, search: string, drug: string, strength: string): Promise<void> {
  await page.getByLabel('Drug', { exact: true }).fill(search);
  await page.getByRole('button', { name: new RegExp(`^${drug}`) }).first().click();
  await expect(page.getByTestId('chosen-drug')).toContainText(drug);
  await page.getByLabel('Strength').fill(strength);
  await page.getByLabel('Form').selectOption('tablet');
  await page.getByLabel('Dose', { exact: true }).fill('1');
  await page.getByLabel('Dose unit').selectOption('tablet');
  await page.getByLabel('Frequency').selectOption('once-daily');
  await page.getByLabel('Duration (days)').fill('30');
  await page.getByLabel('Quantity', { exact: true }).fill('30');
  await page.getByLabel('Quantity unit').selectOption('tablet');
}

async function chooseAmoxicillin(page: Page): Promise<void> {
  await page.getByLabel('Drug', { exact: true }).fill('amoxi');
  await page.getByRole('button', { name: /^amoxicillin/ }).first().click();
  await expect(page.getByTestId('chosen-drug')).toContainText('amoxicillin');
  await page.getByLabel('Strength').fill('500 mg');
  await page.getByLabel('Form').selectOption('capsule');
  await page.getByLabel('Dose', { exact: true }).fill('1');
  await page.getByLabel('Dose unit').selectOption('capsule');
  await page.getByLabel('Frequency').selectOption('three-times-daily');
  await page.getByLabel('Duration (days)').fill('7');
  await page.getByLabel('Quantity', { exact: true }).fill('21');
  await page.getByLabel('Quantity unit').selectOption('capsule');
}

test('offline: amoxicillin against a penicillin allergy needs an override reason, is signed and syncs with it', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.waitForServiceWorker();
  await device.waitSynced();
  const patientId = await openFirstPatient(page);

  // Record a penicillin allergy through the chart if the patient has none.
  const allergies = page.getByTestId('allergy');
  if (!(await allergies.filter({ hasText: /penicillin/i }).count())) {
    await page.getByRole('button', { name: 'Add allergy' }).click();
    await page.getByLabel('Substance').fill('Penicillin');
    await page.getByLabel('Category').selectOption('medication');
    await page.getByLabel('Reaction', { exact: true }).fill('Hives');
    await page.getByRole('button', { name: 'Save allergy' }).click();
    await expect(allergies.filter({ hasText: 'Penicillin' })).toBeVisible();
  }
  await device.waitSynced();

  await device.offline();
  await openPrescribe(device, patientId);
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');
  await expect(page.getByTestId('coverage')).toContainText('NOT a comprehensive');
  await chooseAmoxicillin(page);

  const alert = page.getByTestId('check-alert').filter({ hasText: 'Penicillin allergy: ordered drug is a penicillin' });
  await expect(alert).toBeVisible();
  await expect(alert).toHaveAttribute('data-severity', 'serious');
  await expect(alert.getByTestId('alert-source')).toContainText('Khan DA');
  const signButton = page.getByRole('button', { name: 'Sign prescription' });
  await expect(signButton).toBeDisabled();
  await alert.getByLabel('Override reason (required to sign)').fill('ok');
  await expect(signButton).toBeDisabled();
  const reason = 'Tolerated amoxicillin in 2023 without reaction';
  await alert.getByLabel('Override reason (required to sign)').fill(reason);
  await expect(signButton).toBeEnabled();
  await signButton.click();
  await expect(page.getByTestId('signed-notice')).toContainText('amoxicillin');

  const med = page.getByTestId('medication').filter({ hasText: 'amoxicillin 500 MG Oral Capsule' });
  await expect(med).toContainText('Take 1 capsule by mouth three times daily for 7 days');
  await expect(med).toContainText('Dr. Amara Okafor');
  await expect(med.getByTestId('medication-override')).toContainText(reason);
  await expect(page.getByTestId('sync-indicator')).toContainText(/pending/);

  // Back online: the request reaches the server's chart with the override reason.
  await device.online();
  await device.waitSynced();
  const chart = await serverDoc(clinic, `chart:${patientId}`);
  const request = listMedicationRecords(chart!).find((m) => m.medicationCodeableConcept.text === 'amoxicillin 500 MG Oral Capsule');
  expect(request).toMatchObject({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    requester: { display: 'Dr. Amara Okafor' },
    dispense: { quantity: { value: 21, unit: 'capsule' }, numberOfRepeatsAllowed: 0, expectedSupplyDuration: 7 },
    dosage: { doseQuantity: { value: 1, unit: 'capsule' }, route: { text: 'oral' }, timing: { frequency: 3, period: 1, periodUnit: 'd' } }
  });
  const issue = request!.detectedIssues.find((i) => i.kind === 'drug-allergy');
  expect(issue?.override).toMatchObject({ reason, by: 'Dr. Amara Okafor' });
  expect(issue?.source.citation).toContain('Khan DA');

  // Renew (the earlier override reason carries over), then stop with a reason; both go to the history.
  await med.getByRole('button', { name: 'Renew…' }).click();
  await med.getByRole('button', { name: 'Renew', exact: true }).click();
  await expect(page.getByText('Renewed amoxicillin 500 MG Oral Capsule.')).toBeVisible();
  await expect(page.getByTestId('medication')).toHaveCount(1);
  await page.getByTestId('medication').getByRole('button', { name: 'Stop…' }).click();
  await page.getByLabel('Reason for stopping').fill('Course finished');
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('medication')).toHaveCount(0);
  await page.getByText(/2 stopped, completed or in error/).click();
  await expect(page.getByTestId('medication-history')).toContainText(['Stopped: Course finished', 'Completed: Renewed']);
  await device.close();
});

test('a nurse sees the checks but cannot sign a prescription', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('nurse.demo');
  const patientId = await openFirstPatient(page);
  await openPrescribe(device, patientId);
  await chooseAmoxicillin(page);
  await expect(page.getByTestId('check-alert').first()).toBeVisible();
  await expect(page.getByTestId('sign-bar')).toContainText('A clinician signs prescriptions');
  await expect(page.getByRole('button', { name: 'Sign prescription' })).toBeDisabled();
  await device.close();
});

test('allergies not yet asked: the banner says so, prescribing asks for them first, and going ahead without them needs a reason the server audits', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.waitSynced();

  // A newly registered patient: nobody has asked about allergies yet.
  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Unasked');
  await page.getByLabel('Given names').fill('Robin');
  await page.getByLabel('Birth date').fill('1985-06-01');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Unasked, Robin');
  const patientId = page.url().split('/patients/')[1];
  await expect(page.getByTestId('allergy-strip-not-asked')).toHaveText('Not yet asked');
  await expect(page.getByTestId('allergy-ask-now')).toHaveAttribute('href', `/patients/${patientId}#allergies`);

  await openPrescribe(device, patientId);
  await expect(page.getByTestId('allergies-ask')).toContainText('Nobody has recorded this patient’s allergies');
  await chooseAmoxicillin(page);
  const question = page.getByTestId('check-alert').filter({ hasText: 'Allergies not yet asked: this order was not checked against allergies' });
  await expect(question).toHaveAttribute('data-severity', 'serious');
  const signButton = page.getByRole('button', { name: 'Sign prescription' });
  await expect(signButton).toBeDisabled();
  const reason = 'Patient confused after fall; no family present to ask';
  await question.getByLabel('Override reason (required to sign)').fill(reason);
  await expect(signButton).toBeEnabled();
  await signButton.click();
  await expect(page.getByTestId('signed-notice')).toContainText('amoxicillin');
  await device.waitSynced();

  // The server derived the override from the signed request and audited it with its rule.
  await expect
    .poll(() =>
      (clinic.db.prepare("SELECT detail FROM audit_log WHERE action = 'prescription.override' ORDER BY seq").all() as { detail: string }[])
        .map((r) => JSON.parse(r.detail) as { ruleId?: string; medicationId?: string })
        .filter((d) => d.ruleId === 'allergies-not-asked').length
    )
    .toBe(1);

  // Asked at last: "no known allergies" ends the question on this screen and in the banner.
  await page.getByRole('button', { name: 'Patient has no known allergies' }).click();
  await expect(page.getByTestId('allergies-ask')).toHaveCount(0);
  await expect(page.getByTestId('allergy-strip')).toContainText('No known allergies');
  await chooseAmoxicillin(page);
  await expect(page.getByTestId('check-alert').filter({ hasText: 'Allergies not yet asked' })).toHaveCount(0);
  await page.screenshot({ path: 'test-results/prescribe-allergies-asked.png', fullPage: true });
  await device.close();
});

test('a low-priority pair (Phansalkar 2013: thyroid hormones + calcium salts) is noted without interrupting and signs without a reason', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.waitSynced();
  const patientId = await openFirstPatient(page);

  // Calcium carbonate first, so it is on the active list when levothyroxine is ordered.
  await openPrescribe(device, patientId);
  // Allergies not yet asked (the seeded patient): record none known, so no allergy question stands in the way.
  const noneKnown = page.getByRole('button', { name: 'Patient has no known allergies' });
  if (await noneKnown.count()) {
    await noneKnown.click();
    await expect(noneKnown).toHaveCount(0);
  }
  await chooseDailyTablet(page, 'calcium carb', 'calcium carbonate', '500 mg');
  await page.getByRole('button', { name: 'Sign prescription' }).click();
  await expect(page.getByTestId('signed-notice')).toContainText('calcium carbonate');

  // The page is ready for the next prescription.
  await chooseDailyTablet(page, 'levothyrox', 'levothyroxine', '50 mcg');
  const checks = page.getByTestId('checks');
  const noted = page.getByTestId('checks-noted');
  await expect(noted.locator('summary')).toHaveText('Also noted (no action needed) (1)');
  await expect(checks.getByRole('status')).toContainText('1 also noted, no action needed');
  // Listed under the note only, not among the interrupting alerts; signing is open without any reason.
  await expect(noted.getByTestId('check-alert').filter({ hasText: 'Thyroid hormones + Calcium salts' })).toHaveCount(1);
  await expect(checks.locator(':scope > ul').getByTestId('check-alert').filter({ hasText: 'Thyroid hormones + Calcium salts' })).toHaveCount(0);
  await noted.locator('summary').click();
  const note = noted.getByTestId('check-alert').filter({ hasText: 'Thyroid hormones + Calcium salts: levothyroxine with calcium carbonate' });
  await expect(note).toBeVisible();
  await expect(note).toHaveAttribute('data-severity', 'minor');
  await expect(note.getByTestId('alert-source')).toContainText('Phansalkar S, van der Sijs H');
  await expect(note.getByLabel(/Override reason/)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Sign prescription' })).toBeEnabled();
  await expectAccessible(page, 'prescribe with a low-priority note open');
  await checks.screenshot({ path: '/tmp/low-priority-checks-1280.png' });
  await page.setViewportSize({ width: 390, height: 844 });
  await checks.screenshot({ path: '/tmp/low-priority-checks-390.png' });
  await expectAccessible(page, 'prescribe with a low-priority note open, 390 px');

  await page.getByRole('button', { name: 'Sign prescription' }).click();
  await expect(page.getByTestId('signed-notice')).toContainText('levothyroxine');
  await device.waitSynced();
  const chart = await serverDoc(clinic, `chart:${patientId}`);
  const levo = listMedicationRecords(chart!).find((m) => m.medicationCodeableConcept.text?.startsWith('levothyroxine'));
  expect(levo?.detectedIssues.filter((i) => i.kind === 'drug-drug').map((i) => [i.ruleId, i.severity, i.override])).toEqual([
    ['low-06-thyroid-calcium', 'minor', undefined]
  ]);
  await device.close();
});
