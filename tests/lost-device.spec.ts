import { expect, test, type Page } from '@playwright/test';
import { markDeviceLost } from '../server/devices/device-admin';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * A tablet is stolen. The administrator reports it lost; at its next
 * contact with the server the app signs out, erases every user's local
 * data (the browser's IndexedDB is empty afterwards) and says so plainly.
 * And a clinician's own "Sign out everywhere" ends their session in another
 * browser.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const SHOTS = 'test-results/lost-device';

function report(deviceId: string) {
  return markDeviceLost(
    { db: clinic.db, devices: clinic.auth.devices, audit: clinic.audit, notifyEnded: (ids) => clinic.auth.notifyEnded(ids, 'device-lost') },
    deviceId,
    { userId: null, name: 'admin-cli:test' }
  );
}

async function databases(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').sort());
}

async function storageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(localStorage).sort());
}

function audited(action: string, deviceId: string): number {
  return (clinic.db.prepare('SELECT count(*) AS n FROM audit_log WHERE action = ? AND target = ?').get(action, `device:${deviceId}`) as { n: number }).n;
}

for (const viewport of [
  { width: 390, height: 844 },
  { width: 1280, height: 860 }
]) {
  test(`a device reported lost is erased at its next contact (${viewport.width} px)`, async ({ browser }) => {
    const device = await Device.open(browser, clinic, viewport);
    const { page } = device;
    await device.signIn('dr.demo');
    // The language choice is the one thing kept.
    await page.evaluate(() => localStorage.setItem('outpost-language', 'en'));

    // Local data exists: the device list and the clinician's encrypted store, holding the clinic's panel.
    const userId = (clinic.db.prepare("SELECT id FROM users WHERE username = 'dr.demo'").get() as { id: string }).id;
    expect(await databases(page)).toEqual(['outpost-device', `outpost-user-${userId}`]);
    const deviceId = await page.evaluate(() => localStorage.getItem('outpost-device-id'));
    expect(deviceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(clinic.auth.devices.listForUser(userId).map((d) => d.id)).toContain(deviceId);
    expect(await storageKeys(page)).toEqual(expect.arrayContaining(['outpost-config', 'outpost-device-id', 'outpost-language']));

    if (viewport.width === 1280) {
      // A record is open (its sync socket is live): the report reaches the device within seconds, with no action on it.
      const name = (await page.getByTestId('patient-link').first().textContent())!.trim();
      await device.openPatient(name);
      expect(report(deviceId!)).toEqual({ deviceId, sessionsEnded: 1, alreadyLost: false });
    } else {
      // The device is put away locked; it calls the server again when it is next opened.
      await page.getByRole('button', { name: 'Lock' }).click();
      expect(report(deviceId!)).toEqual({ deviceId, sessionsEnded: 1, alreadyLost: false });
      await page.reload();
    }

    await expect(page.getByRole('heading', { name: 'This device was reported lost and has been cleared' })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText('Every account has been signed out')).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/erased-${viewport.width}.png`, fullPage: true });
    await expectAccessible(page, `device cleared (${viewport.width} px)`);

    expect(await databases(page)).toEqual([]);
    expect(await storageKeys(page)).toEqual(['outpost-language']);
    expect(await page.evaluate(async () => (await caches.keys()).filter((n) => !n.startsWith('workbox-precache')))).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).not.toContain('outpost_device=');
    expect(audited('device.lost', deviceId!)).toBe(1);
    expect(audited('device.wipe-signal', deviceId!)).toBe(1);
    expect(audited('device.wipe-confirmed', deviceId!)).toBe(1);

    // Continuing leads to a plain sign-in screen; nothing of the clinician is left to unlock.
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Outpost' })).toBeVisible();
    // A fresh start opens an empty device list; no user's store came back.
    expect(await databases(page)).toEqual(['outpost-device']);
    expect(await page.evaluate(() => localStorage.getItem('outpost-device-id'))).not.toBe(deviceId);
    await device.close();
  });
}

test('Sign out everywhere ends the session in another browser', async ({ browser }) => {
  const laptop = await Device.open(browser, clinic, { width: 1280, height: 860 });
  const phone = await Device.open(browser, clinic, { width: 390, height: 844 });
  await laptop.signIn('nurse.demo');
  await phone.signIn('nurse.demo');
  // Positive control: the phone's session works.
  expect(await phone.page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(200);
  const name = (await phone.page.getByTestId('patient-link').first().textContent())!.trim();

  await laptop.page.screenshot({ path: `${SHOTS}/header-1280.png` });
  await phone.page.getByRole('link', { name: 'Patients', exact: true }).click();
  await phone.page.screenshot({ path: `${SHOTS}/header-390.png` });
  await expectAccessible(laptop.page, 'header with sign out everywhere (1280 px)');
  await expectAccessible(phone.page, 'header with sign out everywhere (390 px)');
  await phone.openPatient(name);
  await laptop.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(laptop.page.getByRole('heading', { name: 'Sign in to Outpost' })).toBeVisible();

  // The phone's open record loses its socket; the app locks and asks for a sign-in.
  await expect(phone.page.getByRole('heading', { name: 'Sign in again' })).toBeVisible({ timeout: 15_000 });
  await expect(phone.page.getByText('Your session on the clinic server ended')).toBeVisible();
  expect(await phone.page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(401);
  const userId = (clinic.db.prepare("SELECT id FROM users WHERE username = 'nurse.demo'").get() as { id: string }).id;
  expect(clinic.db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ? AND revoked_at IS NULL').get(userId)).toEqual({ n: 0 });
  expect(clinic.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'sessions.sign-out-everywhere' AND user_id = ?").get(userId)).toEqual({ n: 1 });
  // Its local data stays (only a lost device is erased).
  expect((await databases(phone.page)).length).toBe(2);
  await phone.page.screenshot({ path: `${SHOTS}/phone-after-everywhere-390.png` });
  await laptop.close();
  await phone.close();
});
