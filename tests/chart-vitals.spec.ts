import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { listObservations } from '../src/lib/chart/clinical-doc';
import { ageInYears, displayName } from '../src/lib/domain/patient';
import { vitalSeries } from '../src/lib/domain/vitals';
import { GENERATED_PATIENTS } from '../server/seed/demo-seed';
import { generatePatients } from '../server/seed/generated-patients';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a nurse-clinician takes vitals with the link down. The set is
 * saved on the device, the high blood pressure is flagged at once against
 * the adult range, and the Observations reach the server on reconnect.
 */
let clinic: Clinic;

/**
 * Adults among the demo clinic's generated patients, as the patient list names
 * them: none has vital signs on record (the imported Synthea records do).
 */
const adults = generatePatients(GENERATED_PATIENTS)
  .filter((p) => ageInYears(p.demographics.birthDate) >= 18)
  .map((p) => displayName(p.demographics));

test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

test('offline: record vitals with a stage 2 blood pressure, see the flag, and the server has it after reconnect', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  const chartUrl = await device.openPatient(adults[0]);
  const patientId = chartUrl.split('/patients/')[1];
  const vitals = page.getByTestId('vitals');
  await expect(vitals.getByText('No vital signs recorded.')).toBeVisible();

  await device.offline();
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');

  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await page.getByLabel('Systolic (mmHg)').fill('162');
  await page.getByLabel('Diastolic (mmHg)').fill('101');
  await page.getByLabel('Pulse (/min)').fill('88');
  await page.getByLabel('Temp (°C)').fill('36.8');
  await page.getByLabel('Weight (kg)').fill('95');
  await page.getByLabel('Height (cm)').fill('170');
  await page.getByRole('button', { name: 'Save vitals' }).click();

  const bp = vitals.getByTestId('vital-bloodPressure');
  await expect(bp).toContainText('162/101 mmHg');
  await expect(bp.getByTestId('flag')).toHaveText('Stage 2 hypertension');
  await expect(vitals.getByTestId('vital-bmi')).toContainText('32.9 kg/m²');
  await expect(vitals.getByTestId('vital-heartRate').getByTestId('flag')).toHaveCount(0);
  await expect(page.getByTestId('summary-vitals')).toContainText('162/101 mmHg');
  await expect(page.getByTestId('sync-indicator')).toContainText(/pending/);

  expect(vitalSeries(listObservations((await serverDoc(clinic, `chart:${patientId}`))!)).bloodPressure).toEqual([]);

  await device.online();
  await device.waitSynced();
  const observations = listObservations((await serverDoc(clinic, `chart:${patientId}`))!);
  const [reading] = vitalSeries(observations).bloodPressure;
  expect(reading).toMatchObject({ value: 162, diastolic: 101 });
  const stored = observations.find((o) => o.id === reading.observationId)!;
  expect(stored).toMatchObject({ status: 'final', category: 'vital-signs', createdBy: expect.any(String) });
  expect(stored.code.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '85354-9' });
  expect(observations.filter((o) => o.effectiveDateTime === stored.effectiveDateTime)).toHaveLength(6);
  await device.close();
});

test('a set recorded by mistake is marked entered in error and leaves the trends', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.openPatient(adults[1]);
  const vitals = page.getByTestId('vitals');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await page.getByLabel('Pulse (/min)').fill('880');
  await page.getByRole('button', { name: 'Save vitals' }).click();
  await expect(vitals.getByText('Pulse above 300 is not plausible').first()).toBeVisible();
  await page.getByLabel('Pulse (/min)').fill('48');
  await page.getByRole('button', { name: 'Save vitals' }).click();
  await expect(vitals.getByTestId('vital-heartRate').getByTestId('flag')).toHaveText('Low (bradycardia)');

  await vitals.getByText(/Recorded sets/).click();
  const set = vitals.getByTestId('vital-set').first();
  await set.getByRole('button', { name: 'Entered in error' }).click();
  await set.getByPlaceholder('Why was this entered in error?').fill('Wrong patient');
  await set.getByRole('button', { name: 'Mark', exact: true }).click();
  await expect(vitals.getByTestId('vital-heartRate')).toHaveCount(0);
  await expect(vitals.getByText('1 entered in error')).toBeVisible();
  await device.close();
});
