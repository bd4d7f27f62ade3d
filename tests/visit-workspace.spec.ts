import { expect, test } from '@playwright/test';
import { listConditions, noteText } from '../src/lib/chart/chart-doc';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: one visit screen for the whole encounter. Beside the note the
 * clinician sees the patient's allergies and active medicines, fills the
 * empty sections from a visit template, codes a diagnosis (into the
 * assessment and onto the problem list) and records vitals, all offline;
 * everything reaches the server with the note.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

// A patient each: the diagnosis is new on each one's problem list.
for (const size of [
  { name: 'laptop', width: 1280, height: 860, patient: 'Hermiston, Asa' },
  { name: 'phone', width: 390, height: 844, patient: 'Tanaka, Omar' }
]) {
  test(`visit workspace (${size.name}): template, coded diagnosis and vitals from the note, offline`, async ({ browser }) => {
    const dr = await Device.open(browser, clinic, { width: size.width, height: size.height });
    const { page } = dr;
    await dr.signIn('dr.demo');
    await dr.waitForServiceWorker();
    await dr.waitSynced();
    const chartUrl = await dr.openPatient(size.patient);
    const patientId = chartUrl.split('/patients/')[1];

    await dr.offline();
    await page.getByLabel('Reason for visit').fill(`Blood pressure review ${size.name}`);
    await page.getByRole('button', { name: 'Start visit' }).click();
    await page.waitForURL(/\/visit\/[0-9a-f-]{36}$/);
    const encounterId = new URL(page.url()).pathname.split('/visit/')[1];
    const context = page.getByTestId('visit-context');
    await expect(context.getByTestId('allergy-strip')).toBeVisible();
    if (size.patient === 'Hermiston, Asa') {
      await expect(context.getByTestId('allergy-strip-item')).toHaveText(['Dander (animal) allergy', 'Tree pollen', 'Nut', 'Peanuts']);
      await expect(context.getByTestId('visit-active-medicines')).toContainText('Methotrexate 10 MG Oral Tablet');
    }

    await page.getByLabel('Subjective').pressSequentially('Morning headaches for a week.');
    await page.getByLabel('Visit template').selectOption('hypertension');
    await page.getByRole('button', { name: 'Fill empty sections' }).click();
    await expect(page.getByTestId('visit-work-notice')).toHaveText('Template added to: Objective, Assessment, Plan.');
    await expect(page.getByLabel('Subjective')).toHaveValue('Morning headaches for a week.');
    await expect(page.getByLabel('Objective')).toHaveValue('BP seated after 5 minutes rest (repeat if high): \nPulse: \nWeight: ');

    await page.getByLabel('Add a diagnosis (ICD-10-CM)').fill('I10');
    await page.getByTestId('icd10-suggestions').getByRole('button').first().click();
    await expect(page.getByTestId('visit-work-notice')).toHaveText('Essential (primary) hypertension added to the assessment and the problem list.');
    await expect(page.getByLabel('Assessment')).toHaveValue('Hypertension, control: \nEssential (primary) hypertension (ICD-10-CM I10)\n');

    await page.getByText('Record vitals for this visit').click();
    const vitals = page.getByTestId('visit-vitals');
    await vitals.getByRole('button', { name: 'Record vitals' }).click();
    await vitals.getByLabel('Systolic (mmHg)').fill('152');
    await vitals.getByLabel('Diastolic (mmHg)').fill('96');
    await vitals.getByRole('button', { name: 'Save vitals' }).click();
    await expect(vitals.getByTestId('vital-bloodPressure')).toContainText('152/96 mmHg');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the visit screen overflows horizontally').toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/visit-workspace-${size.name}.png`, fullPage: true });

    await dr.online();
    await dr.waitSynced();
    const chart = (await serverDoc(clinic, `chart:${patientId}`))!;
    expect(noteText(chart, encounterId).assessment).toBe('Hypertension, control: \nEssential (primary) hypertension (ICD-10-CM I10)\n');
    expect(listConditions(chart).filter((c) => c.code.coding?.some((x) => x.code === 'I10') && c.createdBy === 'Dr. Amara Okafor').length).toBeGreaterThanOrEqual(1);
    await dr.close();
  });
}
