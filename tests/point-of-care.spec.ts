import { expect, test } from '@playwright/test';
import { listObservations } from '../src/lib/chart/clinical-doc';
import { listOrders } from '../src/lib/chart/order-doc';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: at a rural clinic with no network, a nurse registers a woman,
 * does a malaria rapid test (positive, P. falciparum) and a point-of-care
 * haemoglobin (9.1 g/dL) and records both on the spot. The chart flags
 * them (the positive RDT at the top of the results, the haemoglobin as
 * moderate anaemia by WHO's thresholds for a non-pregnant woman), and once
 * the network is back the server's chart holds both results and their
 * completed orders. On a phone-sized screen (390 px).
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

test('offline: a nurse records a positive malaria RDT and a haemoglobin of 9.1 g/dL; flagged in the chart, on the server after reconnect', async ({ browser }) => {
  const device = await Device.open(browser, clinic, { width: 390, height: 844 });
  const { page } = device;
  await device.signIn('nurse.demo');
  await device.waitForServiceWorker();
  await device.waitSynced();

  await device.offline();
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');

  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Rapidtest');
  await page.getByLabel('Given names').fill('Amara');
  await page.getByLabel('Birth date').fill('1994-02-20');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await expect(page.getByTestId('registered')).toContainText('Rapidtest, Amara');
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Rapidtest, Amara');
  const patientId = page.url().split('/patients/')[1];

  const orders = page.getByTestId('orders');
  const results = page.getByTestId('results');

  // Before anything is recorded: no results, nothing prominent (the positive marker below is what shows up after).
  await expect(results).toContainText('No laboratory results.');
  await expect(page.getByTestId('prominent-positives')).toHaveCount(0);

  // Malaria RDT, done now, with the kit's lot number.
  await orders.getByTestId('poc-open').click();
  const form = page.getByTestId('poc-form');
  await form.getByLabel('Test').selectOption({ label: 'Malaria RDT (LOINC 70569-9)' });
  await form.getByLabel('Result', { exact: true }).selectOption({ label: 'Positive — P. falciparum' });
  await form.getByLabel('Kit lot number (optional)').fill('MRDT-0425');
  await form.getByRole('button', { name: 'Record result' }).click();
  await expect(page.getByTestId('order-notice')).toHaveText('Malaria RDT recorded; see Results.');

  // Haemoglobin: the range depends on who; the form asks.
  await orders.getByTestId('poc-open').click();
  await form.getByLabel('Test').selectOption({ label: 'Haemoglobin (point of care) (LOINC 718-7)' });
  await form.getByLabel('Result (g/dL)').fill('9.1');
  await form.getByLabel('Range for').selectOption({ label: 'Woman (not pregnant), 15 years or older' });
  await form.getByRole('button', { name: 'Record result' }).click();
  await expect(page.getByTestId('order-notice')).toHaveText('Haemoglobin (point of care) recorded; see Results.');

  // Flagged in the chart: the positive RDT at the top, the haemoglobin as moderate anaemia with WHO's range.
  await expect(page.getByTestId('prominent-positives')).toContainText('Malaria RDT: Positive — P. falciparum');
  const rdt = results.getByTestId('result-row').filter({ hasText: 'Malaria RDT' });
  await expect(rdt.getByTestId('flag')).toHaveText('Positive');
  await expect(rdt.getByTestId('result-performer')).toHaveText('Point of care · Nurse Tomás Reyes · lot MRDT-0425');
  const hb = results.getByTestId('result-row').filter({ hasText: 'Haemoglobin' });
  await expect(hb).toContainText('9.1 g/dL');
  await expect(hb.getByTestId('flag')).toHaveText('Moderate anaemia');
  await expect(hb).toContainText('≥ 12.0 g/dL (non-pregnant woman)');
  await expect(page.getByTestId('sync-indicator')).toContainText(/pending/);

  await results.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('point-of-care-390.png'), fullPage: false });

  // Nothing reached the server yet.
  expect(await serverDoc(clinic, `chart:${patientId}`)).toBeNull();

  await device.online();
  await device.waitSynced();
  const chart = await serverDoc(clinic, `chart:${patientId}`);
  const observations = listObservations(chart!);
  expect(observations.map((o) => [o.code.coding?.[0]?.code, o.valueCodeableConcept?.coding?.[0]?.code ?? o.valueQuantity?.value, o.interpretation?.[0]?.text])).toEqual(
    expect.arrayContaining([
      ['70569-9', 'pf', 'Positive'],
      ['718-7', 9.1, 'Moderate anaemia']
    ])
  );
  expect(observations).toHaveLength(2);
  expect(listOrders(chart!).map((o) => [o.code.text, o.status, o.pointOfCare])).toEqual(
    expect.arrayContaining([
      ['Malaria RDT', 'completed', true],
      ['Haemoglobin (point of care)', 'completed', true]
    ])
  );
  await device.close();
});

test('a test not in the catalogue: ordered by name, its result entered as written and shown as not range-checked', async ({ browser }) => {
  const device = await Device.open(browser, clinic, { width: 390, height: 844 });
  const { page } = device;
  await device.signIn('dr.demo');
  await page.getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill('Byname');
  await page.getByLabel('Given names').fill('Zawadi');
  await page.getByLabel('Birth date').fill('1988-07-01');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Byname, Zawadi');

  const orders = page.getByTestId('orders');
  await orders.getByTestId('free-open').click();
  const form = page.getByTestId('free-form');
  // An empty name is refused with a clear message.
  await form.getByRole('button', { name: 'Sign order' }).click();
  await expect(form.getByRole('alert')).toHaveText('Write the name of the test');
  await form.getByLabel('Test name').fill('Sickle cell screen');
  await form.getByLabel('Code (optional)').fill('local-17');
  await form.getByRole('button', { name: 'Sign order' }).click();
  await expect(page.getByTestId('order-notice')).toHaveText('Ordered Sickle cell screen (not in catalogue).');

  const order = orders.getByTestId('order').filter({ hasText: 'Sickle cell screen' });
  await expect(order.getByTestId('not-in-catalogue')).toHaveText('Not in catalogue');
  await order.getByRole('button', { name: 'Enter result' }).click();
  await page.getByTestId('free-result-form').getByLabel('Result').fill('HbAS (trait)');
  await page.getByTestId('free-result-form').getByRole('button', { name: 'Save result' }).click();

  const row = page.getByTestId('results').getByTestId('result-row').filter({ hasText: 'Sickle cell screen' });
  await expect(row).toContainText('HbAS (trait)');
  await expect(row.getByTestId('result-not-in-catalogue')).toHaveText('Not in catalogue · not range-checked');
  await expect(row).toContainText('None (not in catalogue)');
  await expect(row.getByTestId('flag')).toHaveCount(0);
  await expect(orders.getByTestId('order').filter({ hasText: 'Sickle cell screen' })).toHaveCount(0);
  await device.close();
});
