import { expect, test } from '@playwright/test';
import { listAllergies } from '../src/lib/chart/chart-doc';
import { runAdmin } from '../server/cli/admin-commands';
import { DEMO_PASSWORD, Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: first sign-in needs the network; after that a reload with no
 * network asks for the password and unlocks without the server. A wrong
 * password is refused. Idle time locks the app. When an administrator ends
 * the session, the app locks at once and asks to sign in again, and what
 * was typed offline reaches the server after that sign-in.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  // 15 minutes of idle time lock the app (the server's default, stated here for the idle test).
  clinic = await startClinic({ idleLockMinutes: 15 });
});
test.afterAll(async () => {
  await clinic.stop();
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
  const device = await Device.open(browser, clinic);
  const { page } = device;
  // The idle lock is 15 minutes: the page's clock is driven, not waited for.
  await page.clock.install();
  await device.signIn('nurse.demo');
  const name = (await page.getByTestId('patient-link').first().textContent())!.trim();
  const chartUrl = await device.openPatient(name);
  const chart = page.getByRole('main');
  await expect(chart).toContainText(name);

  // 14 idle minutes: still open. The app's idle check and its rendering run inside fastForward.
  await page.clock.fastForward('14:00');
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toHaveCount(0);

  // Past 15: the unlock form replaces the chart, and the patient's name is nowhere in the page.
  await page.clock.fastForward('01:30');
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Unlock' })).toBeVisible();
  await expect(page.getByTestId('patient-name')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(name);
  await expect(page.getByRole('link', { name: 'Patients', exact: true })).toHaveCount(0);
  expect(page.url()).toBe(chartUrl);

  // The password brings back the same chart.
  await device.unlock();
  expect(page.url()).toBe(chartUrl);
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  await device.close();
});

test('an administrator ends the session while a chart is open: the app locks, asks to sign in again, and the offline allergy arrives after', async ({ browser }) => {
  const quiet = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };
  // `npm run admin -- revoke-sessions`, on the running server's data directory.
  const revoke = async () => expect(await runAdmin(['revoke-sessions', '--username', 'nurse.demo'], clinic.dataDir, quiet)).toBe(0);
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('nurse.demo');
  const first = page.getByTestId('patient-link').first();
  const name = (await first.textContent())!.trim();
  await first.click();
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  const patientId = page.url().split('/patients/')[1];

  // Online, chart open: the server closes the chart's sync socket and the app locks by itself.
  await revoke();
  await expect(page.getByRole('heading', { name: 'Sign in again' })).toBeVisible();
  await expect(page.getByTestId('session-ended')).toContainText('Your changes are kept on this device');
  await expect(page.getByTestId('patient-name')).toHaveCount(0);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  await device.waitSynced();

  // Offline: an allergy is charted; meanwhile the administrator ends the session again.
  await device.offline();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance').fill('Cotrimoxazole');
  await page.getByLabel('Reaction', { exact: true }).fill('Hives');
  await page.getByRole('button', { name: 'Save allergy' }).click();
  await expect(page.getByTestId('allergy').filter({ hasText: 'Cotrimoxazole' })).toBeVisible();
  await revoke();

  // Back online, the first sync is refused (401): locked, and the allergy is not lost, only not sent.
  await device.online();
  await expect(page.getByRole('heading', { name: 'Sign in again' })).toBeVisible();
  const chartNow = await serverDoc(clinic, `chart:${patientId}`);
  expect(listAllergies(chartNow!).map((a) => a.code.text)).not.toContain('Cotrimoxazole');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await device.waitSynced();
  await expect
    .poll(async () => listAllergies((await serverDoc(clinic, `chart:${patientId}`))!).map((a) => a.code.text))
    .toContain('Cotrimoxazole');
  await device.close();
});
