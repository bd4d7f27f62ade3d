import { expect, test, type Page } from '@playwright/test';
import * as Y from 'yjs';
import { putClinical } from '../src/lib/chart/clinical-doc';
import { listImmunizations } from '../src/lib/chart/clinical-doc';
import { listOrders } from '../src/lib/chart/order-doc';
import { listDismissals } from '../src/lib/chart/reminder-doc';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: with the network down, a clinician orders an HbA1c, dismisses a
 * preventive-care reminder with a reason, and records the flu vaccine the
 * reminders asked for, which clears that reminder. Back online, the
 * server's chart holds the order, the dismissal and the vaccination. A nurse
 * drafts an order that waits for a clinician's signature.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

/**
 * Opens a Synthea patient by searching the list; returns the patient id. His imported record (a man born
 * 1984, alive) has influenza vaccines up to 2018, a Td in 2015 and no lipid panel in five years, so the
 * influenza and lipid reminders are due.
 */
async function openPatient(page: Page): Promise<string> {
  await page.getByLabel('Search patients').fill('Kreiger');
  await page.getByTestId('patient-link').first().click();
  await expect(page.getByTestId('patient-name')).toContainText('Kreiger');
  await expect(page.getByTestId('reminders')).toBeVisible();
  return page.url().split('/patients/')[1];
}

test('offline: order HbA1c, dismiss a reminder with a reason, record a flu vaccine; all reach the server', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.waitForServiceWorker();
  await device.waitSynced();
  const patientId = await openPatient(page);

  await device.offline();
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');

  // Reminders cite their source and say what they do not cover.
  const reminders = page.getByTestId('reminder');
  const flu = reminders.and(page.locator('[data-id="cdc-influenza"]'));
  await expect(flu).toBeVisible();
  // Why and the source wait behind one tap, so the list stays short on a phone.
  await expect(flu.getByTestId('reminder-source')).toBeHidden();
  await flu.getByText('Why and source').click();
  await expect(flu.getByTestId('reminder-source')).toBeVisible();
  await expect(flu.getByTestId('reminder-source')).toContainText('CDC Recommended Adult Immunization Schedule');
  await expect(page.getByTestId('reminders-coverage')).toContainText('not comprehensive');

  // Place a lab order.
  await page.getByRole('button', { name: 'New order' }).click();
  await page.getByTestId('order-form').getByLabel('Test').selectOption('4548-4');
  await page.getByLabel('Reason for order').fill('Diabetes screening');
  await page.getByRole('button', { name: 'Sign order' }).click();
  const order = page.getByTestId('order').filter({ hasText: 'HbA1c' });
  await expect(order.getByTestId('order-status')).toHaveText('Active');
  await expect(order).toContainText('Ordered by Dr. Amara Okafor');
  await expect(order).toContainText('LOINC 4548-4');

  // Act on a reminder: its order opens prefilled; once signed the reminder shows as ordered.
  const lipids = reminders.and(page.locator('[data-id="uspstf-statin-lipids"]'));
  await lipids.getByRole('button', { name: 'Order lipid panel' }).click();
  await expect(page.getByTestId('order-form').getByLabel('Test')).toHaveValue('57698-3');
  await page.getByRole('button', { name: 'Sign order' }).click();
  await expect(lipids).toContainText('Ordered');
  await expect(page.getByTestId('order').filter({ hasText: 'Lipid panel' })).toBeVisible();

  // Dismiss a preventive-care reminder with a reason.
  const preventive = reminders.filter({ hasText: 'Preventive care' }).first();
  const dismissedId = (await preventive.getAttribute('data-id'))!;
  await preventive.getByRole('button', { name: 'Dismiss…' }).click();
  await preventive.getByLabel('Reason for dismissing').fill('Done at the county clinic in 2026');
  await preventive.getByRole('button', { name: 'Dismiss', exact: true }).click();
  await expect(page.locator(`[data-testid="reminder"][data-id="${dismissedId}"]`)).toHaveCount(0);
  await page.getByText('1 dismissed').click();
  await expect(page.getByTestId('reminder-dismissed')).toContainText('Done at the county clinic in 2026');
  await page.screenshot({ path: '/tmp/orders-reminders-reminders.png', fullPage: false });

  // Act on the flu reminder: the vaccine form opens prefilled; saving clears the reminder.
  await flu.getByRole('button', { name: /^Record Influenza/ }).click();
  const form = page.getByTestId('vaccine-form');
  await expect(form.getByLabel('Vaccine')).toHaveValue('140');
  await form.getByLabel('Lot number').fill('FLU2026A');
  await form.getByLabel('Site').selectOption('LD');
  await form.getByRole('button', { name: 'Save vaccine' }).click();
  await expect(page.getByTestId('immunization').first()).toContainText('Influenza, seasonal, injectable, preservative free');
  await expect(page.getByTestId('immunization').first()).toContainText('Lot FLU2026A · Left deltoid · Intramuscular');
  await expect(page.locator('[data-testid="reminder"][data-id="cdc-influenza"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="schedule-item"][data-group="influenza"]')).toHaveAttribute('data-status', 'up-to-date');
  await page.getByTestId('orders').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/orders-reminders-orders.png', fullPage: false });
  await page.setViewportSize({ width: 1280, height: 4000 });
  await page.screenshot({ path: '/tmp/orders-reminders-full.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });

  // Back online: the server's chart has all three.
  await device.online();
  await device.waitSynced();
  const chart = (await serverDoc(clinic, `chart:${patientId}`))!;
  expect(listOrders(chart).find((o) => o.code.coding?.[0]?.code === '4548-4')).toMatchObject({
    status: 'active',
    category: 'laboratory',
    reasonText: 'Diabetes screening',
    requester: { display: 'Dr. Amara Okafor' }
  });
  expect(listOrders(chart).find((o) => o.code.coding?.[0]?.code === '57698-3')).toMatchObject({ status: 'active', reasonText: expect.stringContaining('lipids') });
  expect(listDismissals(chart)).toMatchObject([{ reminderId: dismissedId, reason: 'Done at the county clinic in 2026', dismissedBy: 'Dr. Amara Okafor', status: 'active' }]);
  const vaccine = listImmunizations(chart).find((i) => i.lotNumber === 'FLU2026A');
  expect(vaccine).toMatchObject({ status: 'completed', vaccineCode: { coding: [{ code: '140' }] }, site: { text: 'Left deltoid' }, route: { text: 'Intramuscular' } });

  // The laboratory's result arrives at the server naming the order (basedOn), written through the
  // server's own update path as FHIR import writes it: the open chart shows it and completes the order.
  const orderId = listOrders(chart).find((o) => o.code.coding?.[0]?.code === '4548-4')!.id;
  const before = Y.encodeStateVector(chart);
  putClinical(chart, 'observations', crypto.randomUUID(), {
    status: 'final',
    category: 'laboratory',
    code: { text: 'Hemoglobin A1c/Hemoglobin.total in Blood', coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value: 6.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    basedOn: [orderId]
  }, { id: 'lab', name: 'Outpost import' });
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const admin = clinic.db.prepare("SELECT id FROM users WHERE username = 'admin.demo'").get() as { id: string };
  await clinic.sync.applyServerUpdate(`chart:${patientId}`, clinicId, Y.encodeStateAsUpdate(chart, before), admin.id);
  await expect(page.getByTestId('order').filter({ hasText: 'HbA1c' })).toHaveCount(0);
  await page.getByText(/completed, cancelled or in error/).click();
  const done = page.getByTestId('order-history').filter({ hasText: 'HbA1c' });
  await expect(done).toContainText('Completed: Result received');
  await expect(done).toContainText('Hemoglobin A1c/Hemoglobin.total in Blood');
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.getByTestId('reminders').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/orders-reminders-tablet.png' });
  await page.getByTestId('orders').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/orders-reminders-tablet-orders.png' });
  await device.waitSynced();
  expect(listOrders((await serverDoc(clinic, `chart:${patientId}`))!).find((o) => o.id === orderId)).toMatchObject({ status: 'completed', statusReason: 'Result received' });
  await device.close();
});

test('a nurse drafts an order that waits for a clinician, and marks a mistaken vaccine entered in error', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('nurse.demo');
  await openPatient(page);
  await page.getByRole('button', { name: 'New order' }).click();
  await page.getByTestId('order-form').getByLabel('Test').selectOption('58410-2');
  await page.getByRole('button', { name: 'Save draft order' }).click();
  const order = page.getByTestId('order').filter({ hasText: 'CBC' });
  await expect(order.getByTestId('order-status')).toHaveText('Draft (awaiting signature)');
  await expect(order).toContainText("Awaiting a clinician's signature");
  await expect(order.getByRole('button', { name: 'Sign order' })).toHaveCount(0);

  // A vaccine recorded by mistake is marked entered in error: it leaves the list and the schedule.
  const tetanus = page.locator('[data-testid="schedule-item"][data-group="tetanus"]');
  const before = await tetanus.getAttribute('data-status');
  await page.getByRole('button', { name: 'Record vaccine' }).click();
  await page.getByTestId('vaccine-form').getByLabel('Vaccine').selectOption('115');
  await page.getByRole('button', { name: 'Save vaccine' }).click();
  const tdap = page.getByTestId('immunization').filter({ hasText: 'Tdap' });
  await expect(tetanus).toHaveAttribute('data-status', 'up-to-date');
  await tdap.getByRole('button', { name: 'Entered in error' }).click();
  await tdap.getByPlaceholder('Why was this entered in error?').fill('Recorded on the wrong patient');
  await tdap.getByRole('button', { name: 'Mark' }).click();
  await expect(page.getByTestId('immunization').filter({ hasText: 'Tdap' })).toHaveCount(0);
  await page.getByText(/\d+ entered in error/).last().click();
  await expect(page.getByTestId('immunization-in-error')).toContainText('Recorded on the wrong patient');
  await expect(tetanus).toHaveAttribute('data-status', before!);
  await device.close();
});
