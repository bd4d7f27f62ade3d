import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: first sign-in needs the network; after that a reload with no
 * network asks for the password and unlocks without the server. A wrong
 * password is refused. Idle time locks the app.
 */
let clinic: Clinic;
let idleClinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
  // 0.05 minutes = 3 seconds of idle time before the app locks itself.
  idleClinic = await startClinic({ idleLockMinutes: 0.05 });
});
test.afterAll(async () => {
  await clinic.stop();
  await idleClinic.stop();
});

test('wrong password is refused with a clear message', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  await device.page.goto('/');
  await device.page.getByLabel('Username').fill('dr.demo');
  await device.page.getByLabel('Password').fill('not-the-password');
  await device.page.getByRole('button', { name: 'Sign in' }).click();
  await expect(device.page.getByRole('alert')).toContainText(/username or password is incorrect/i);
  await device.close();
});

test('first sign-in offline is refused; after an online sign-in, an offline reload unlocks with the password', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;

  await page.goto('/');
  await device.waitForServiceWorker();
  await device.offline();
  await page.reload();
  await page.getByLabel('Username').fill('dr.demo');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/first sign-in on this device needs the network/i);

  await device.online();
  await device.signIn('dr.demo');
  const count = await page.getByTestId('patient-count').textContent();

  await device.offline();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible();
  await page.getByLabel('Password').fill('wrong-password-123');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toContainText(/wrong password/i);
  await device.unlock();
  await expect(page.getByTestId('patient-count')).toHaveText(count!);
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');
  await device.close();
});

test('idle time locks the app and hides the data', async ({ browser }) => {
  const device = await Device.open(browser, idleClinic);
  const { page } = device;
  await page.goto('/');
  await page.getByLabel('Username').fill('nurse.demo');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
  // No input for longer than the configured idle time.
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible({ timeout: 10_000 });
  await expect(page.getByRole('heading', { name: 'Patients' })).toHaveCount(0);
  await device.unlock();
  await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
  await device.close();
});
