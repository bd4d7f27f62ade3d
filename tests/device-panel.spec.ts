import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';
import { seedPortalPatient } from '../server/portal/portal-test-support';

/**
 * Journey: a big clinic keeps only its panel on each device. The
 * administrator chooses "the clinic's panel" with small numbers in the
 * admin console; a clinician's device then signs in and holds only the
 * panel's records (the demo clinic's 30 patients, seen this month and booked
 * in the next days), not a patient last seen in the spring. Searching for
 * that patient finds them on the clinic server; the chart opens online.
 */
let clinic: Clinic;
const SHOTS = process.env.PANEL_SHOTS_DIR ?? 'test-results/device-panel';
const OUTSIDER = { id: 'd6e7f8a9-0000-4000-8000-0000000000aa', family: 'Atieno', given: 'Zawadi', birthDate: '1992-04-03' };

test.beforeAll(async () => {
  clinic = await startClinic();
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  // Last visits in March and April: outside a one-month panel, never booked.
  await seedPortalPatient(clinic, clinicId, OUTSIDER.id, OUTSIDER);
});
test.afterAll(async () => {
  await clinic.stop();
});

/** The patient ids whose documents this browser's stores hold (document names are kept in the clear; their contents are sealed). */
async function heldPatientIds(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const ids = new Set<string>();
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      if (db.objectStoreNames.contains('docs')) {
        const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
          const r = db.transaction('docs').objectStore('docs').getAllKeys();
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        for (const k of keys) if (typeof k === 'string' && /^(patient|chart):/.test(k)) ids.add(k.slice(k.indexOf(':') + 1));
      }
      db.close();
    }
    return [...ids].sort();
  });
}

test('the administrator keeps the panel on each device; a clinician holds only it and opens a patient outside it online', async ({ browser }) => {
  test.setTimeout(120_000);
  const admin = await Device.open(browser, clinic);
  await admin.signIn('admin.demo');
  await admin.page.getByRole('link', { name: 'Administration' }).click();
  await admin.page.getByRole('link', { name: 'Clinic settings' }).click();
  const section = admin.page.getByTestId('device-panel');
  await expect(section.getByLabel('Every patient (default)')).toBeChecked();
  await section.getByLabel(/The clinic’s panel/).check();
  await section.getByLabel('Seen in the last (months)').fill('1');
  await section.getByLabel('Booked in the next (days)').fill('2');
  await section.getByLabel('Opened on the device in the last (days)').fill('0');
  await section.getByRole('button', { name: 'Save what devices keep' }).click();
  await expect(section.locator('#device-panel-openedDays-error')).toHaveText('Opened on this device in the last must be at least 1 days');
  await section.getByLabel('Opened on the device in the last (days)').fill('30');
  await section.getByRole('button', { name: 'Save what devices keep' }).click();
  await expect(section.getByRole('status')).toHaveText('Saved. Devices apply it at their next sign-in.');
  await section.scrollIntoViewIfNeeded();
  await expectAccessible(admin.page, 'admin settings with the device panel, desk width');
  await section.screenshot({ path: `${SHOTS}/device-panel-1280.png` });
  await admin.page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(admin.page, 'admin settings with the device panel, phone');
  expect(await admin.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await section.screenshot({ path: `${SHOTS}/device-panel-390.png` });
  await admin.close();

  const doctor = await Device.open(browser, clinic);
  await doctor.signIn('dr.demo');
  // Installed for offline use first, as a clinic device is.
  await doctor.waitForServiceWorker();
  const { page } = doctor;
  await expect(page.getByTestId('patient-count')).toHaveText('30 patients');
  const held = await heldPatientIds(page);
  expect(held).toHaveLength(30);
  expect(held).not.toContain(OUTSIDER.id);

  await page.getByLabel('Search patients').fill('Atieno');
  await expect(page.getByText('No patient matches “Atieno”.')).toBeVisible();
  const onServer = page.getByTestId('server-results');
  await expect(onServer.getByRole('heading', { name: 'On the clinic server' })).toBeVisible();
  await expectAccessible(page, 'patient search with a result on the clinic server');
  await page.screenshot({ path: `${SHOTS}/server-search-1280.png`, fullPage: true });
  // The first click right after sign-in is at times not followed by a navigation (cause not yet found): clicked again until it is.
  await expect(async () => {
    if (new URL(page.url()).pathname === '/') await onServer.getByTestId('server-patient-link').filter({ hasText: 'Atieno, Zawadi' }).click();
    await expect(page).toHaveURL(new RegExp(`/patients/${OUTSIDER.id}$`), { timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId('patient-name')).toHaveText('Atieno, Zawadi');
  await expect(page.getByText('Penicillin').first()).toBeVisible();
  // Opened online, and now kept on this device.
  await expect.poll(() => heldPatientIds(page)).toContain(OUTSIDER.id);
  await doctor.close();
});
