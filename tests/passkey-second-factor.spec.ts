import { expect, test, type Browser, type Page } from '@playwright/test';
import { runAdmin } from '../server/cli/admin-commands';
import { expectAccessible } from './support/axe';
import { Device, NetworkCable, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician adds a passkey on the Sign-in security page (name
 * and password, then the authenticator), the clinic then requires a second
 * factor of clinicians, and at the next sign-in the password is followed by
 * the passkey — checked by the clinic server, in place of an authenticator
 * app — and the app opens; the list then shows the passkey as used. Then
 * the passkey alone signs in (no username typed, no password sent), and the
 * password only opens the records kept on the device.
 * At 390 and 1280 px, with axe.
 *
 * The authenticator is Chromium's virtual one (DevTools protocol); WebAuthn
 * refuses IP-address origins, so the device uses `localhost` on its cable.
 */
const PASSWORD = 'harbour lights 2026';
const CLINIC = 'Harbour Health Post';
let clinic: Clinic;
const io = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };

test.beforeAll(async () => {
  clinic = await startClinic();
  expect(await runAdmin(['create-clinic', '--name', CLINIC], clinic.dataDir, io)).toBe(0);
  for (const username of ['a.okafor', 'b.nyambura']) {
    const args = ['create-user', '--clinic', CLINIC, '--username', username, '--name', `Clinician ${username}`, '--roles', 'clinician', '--password', PASSWORD];
    expect(await runAdmin(args, clinic.dataDir, io)).toBe(0);
  }
});
test.afterAll(async () => {
  await clinic.stop();
});

async function openDevice(browser: Browser, width: number): Promise<Device> {
  const cable = await new NetworkCable(clinic.port).start();
  const context = await browser.newContext({ baseURL: `http://localhost:${cable.port}`, viewport: { width, height: 860 } });
  return new Device(context, await context.newPage(), cable);
}

async function addAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true }
  });
}

async function passwordStep(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function look(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/passkey-2fa-${name}.png`, fullPage: true });
  await expectAccessible(page, name);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
}

for (const [width, username] of [
  [390, 'a.okafor'],
  [1280, 'b.nyambura']
] as const) {
  test(`a passkey added at Sign-in security is the second step the clinic requires (${width} px)`, async ({ browser }) => {
    // Password alone at first: the passkey is added from the security page, then the clinic requires a second factor.
    expect(await runAdmin(['set-second-factor-policy', '--clinic', CLINIC, '--roles', 'none'], clinic.dataDir, io)).toBe(0);
    const device = await openDevice(browser, width);
    const { page } = device;
    await addAuthenticator(page);
    await page.goto('/');
    await passwordStep(page, username);
    await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();

    await page.getByRole('link', { name: 'Sign-in security' }).click();
    await expect(page.getByRole('heading', { name: 'Passkeys' })).toBeVisible();
    await expect(page.getByTestId('passkey-none')).toHaveText('You have no passkey yet.');
    await expect(page.getByTestId('second-factor-status')).toContainText('Two-step sign-in is off.');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByLabel('Name for this passkey').fill('Clinic laptop');
    // A wrong password is refused before any passkey is made.
    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect(page.getByRole('alert')).toHaveText('That password is not right.');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect(page.getByTestId('passkey-notice')).toHaveText('Passkey added: Clinic laptop.');
    await expect(page.getByTestId('passkey-list').getByRole('listitem')).toHaveCount(1);
    await expect(page.getByTestId('passkey-list')).toContainText('Clinic laptop');
    await expect(page.getByTestId('passkey-list')).toContainText('not used yet');
    await expect(page.getByTestId('second-factor-status')).toContainText('Two-step sign-in is on with a passkey.');
    await look(page, `security-${width}`);

    expect(await runAdmin(['set-second-factor-policy', '--clinic', CLINIC, '--roles', 'clinician'], clinic.dataDir, io)).toBe(0);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Outpost' })).toBeVisible();

    // Password accepted: the passkey step, not the app, and no authenticator app to set up.
    await passwordStep(page, username);
    await expect(page.getByRole('heading', { name: 'Confirm it is you' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Set up your authenticator' })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Patients' })).toHaveCount(0);
    await look(page, `second-step-${width}`);
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    // Signed in where the user signed out: the security page, now saying the passkey was used.
    await expect(page.getByRole('heading', { name: 'Sign-in security' })).toBeVisible();
    await expect(page.getByTestId('sync-indicator')).toHaveText(/All changes synced/, { timeout: 30_000 });
    await expect(page.getByTestId('passkey-list')).not.toContainText('not used yet');
    await expect(page.getByTestId('passkey-list')).toContainText('last used');

    // Sign-in with the passkey alone: no username, no password sent; the password then opens this device's records.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Outpost' })).toBeVisible();
    await look(page, `sign-in-${width}`);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page.getByRole('heading', { name: "Open this device's records" })).toBeVisible();
    await look(page, `device-${width}`);
    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Open records' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong password');
    await expect(page.getByRole('heading', { name: 'Sign-in security' })).toHaveCount(0);
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Open records' }).click();
    await expect(page.getByRole('heading', { name: 'Sign-in security' })).toBeVisible();
    await expect(page.getByTestId('sync-indicator')).toHaveText(/All changes synced/, { timeout: 30_000 });
    await device.close();
  });
}
