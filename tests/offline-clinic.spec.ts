import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { listAllergies } from '../src/lib/chart/chart-doc';
import { readPatient } from '../src/lib/chart/patient-doc';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician loses the network mid-day. The app keeps working —
 * a reload on a chart deep link, a new patient, a new allergy — shows the
 * work as pending, and delivers it when the link comes back.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});


test('offline: reload a chart deep link, register a patient, add an allergy; all of it syncs on reconnect', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.waitForServiceWorker();
  await device.waitSynced();

  // Open a chart online, remember its deep link.
  const first = page.getByTestId('patient-link').first();
  const name = (await first.textContent())!.trim();
  await first.click();
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  const chartUrl = page.url();
  const patientId = chartUrl.split('/patients/')[1];

  // Pull the cable, then reload the deep link: served by the service worker, unlocked without the server.
  await device.offline();
  await page.goto(chartUrl);
  await device.unlock();
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');

  // Add an allergy offline.
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance').fill('Sulfamethoxazole');
  await page.getByLabel('Reaction', { exact: true }).fill('Rash');
  await page.getByRole('button', { name: 'Save allergy' }).click();
  await expect(page.getByTestId('allergy').filter({ hasText: 'Sulfamethoxazole' })).toBeVisible();

  // Register a new patient offline.
  await page.getByRole('link', { name: 'Patients', exact: true }).click();
  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Offlineton');
  await page.getByLabel('Given names').fill('Wren');
  await page.getByLabel('Birth date').fill('1990-04-12');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  // The confirmation offers booking first; the chart is one click away.
  await expect(page.getByTestId('registered')).toContainText('Offlineton, Wren');
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Offlineton, Wren');
  const newId = page.url().split('/patients/')[1];
  await expect(page.getByTestId('sync-indicator')).toContainText(/pending/);

  // Nothing reached the server yet.
  expect(await serverDoc(clinic, `patient:${newId}`)).toBeNull();

  // Plug the cable back: pending work is delivered.
  await device.online();
  await device.waitSynced();
  const patientDoc = await serverDoc(clinic, `patient:${newId}`);
  expect(readPatient(patientDoc!)).toMatchObject({ family: 'Offlineton', given: ['Wren'], birthDate: '1990-04-12' });
  const chartDoc = await serverDoc(clinic, `chart:${patientId}`);
  expect(listAllergies(chartDoc!).map((a) => a.code.text)).toContain('Sulfamethoxazole');

  // The projection the clinic list is built from has the new patient too.
  const row = clinic.db.prepare('SELECT family FROM patients WHERE id = ?').get(newId) as { family: string } | undefined;
  expect(row?.family).toBe('Offlineton');
  await device.close();
});

test('the network drops right after the first sign-in: screens never opened on this device still open offline', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.waitSynced();
  // The worker that this very page installed takes charge of it, with no reload.
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 30_000 });
  await device.offline();

  // The schedule's code was never loaded on this page: it comes from the precache.
  await page.getByRole('navigation').getByRole('link', { name: 'Schedule' }).click();
  await expect(page.getByRole('heading', { name: 'Schedule', level: 1 })).toBeVisible();
  await expect(page.getByText('Internal Error')).toHaveCount(0);
  // And a chart's prescribe screen.
  await page.getByRole('navigation').getByRole('link', { name: 'Patients' }).click();
  await page.getByTestId('patient-link').first().click();
  await page.getByTestId('chart-prescribe').click();
  await expect(page.getByRole('heading', { name: 'New prescription' })).toBeVisible();
  await device.close();
});
