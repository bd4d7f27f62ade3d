import { expect, test, type Browser, type CDPSession, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { DEMO_PASSWORD, Device, NetworkCable, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: on a personal device a clinician sets up quick unlock with a
 * passkey, locks, and unlocks with the passkey to the patient list; a
 * passkey that fails leaves the password in front of them; removing quick
 * unlock brings back the password screen. A device whose passkeys cannot
 * give a key (no PRF) is told so and nothing is stored.
 *
 * The authenticator is Chromium's virtual one (DevTools protocol,
 * `WebAuthn.addVirtualAuthenticator`): a real fingerprint reader cannot
 * exist here. WebAuthn refuses IP-address origins, so these devices use
 * `localhost` on their cable.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const widths = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 860 }
];

async function openDevice(browser: Browser, viewport: { width: number; height: number }): Promise<Device> {
  const cable = await new NetworkCable(clinic.port).start();
  const context = await browser.newContext({ baseURL: `http://localhost:${cable.port}`, viewport });
  const page = await context.newPage();
  return new Device(context, page, cable);
}

async function addAuthenticator(page: Page, hasPrf: boolean): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf,
      automaticPresenceSimulation: true
    }
  });
  return { cdp, authenticatorId };
}

/** The password unlock (Device.unlock's "Unlock" would also match "Unlock with passkey" here). */
async function unlockWithPassword(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible();
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeHidden();
}

async function look(page: Page, name: string, screen: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${screen} is wider than the screen`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `test-results/screens/passkey-${name}-${screen}.png`, fullPage: true });
  await expectAccessible(page, `${screen} (${name})`);
}

for (const size of widths) {
  test(`quick unlock with a passkey: set up, lock, unlock, fail, remove (${size.width}px)`, async ({ browser }) => {
    const device = await openDevice(browser, size);
    const { page } = device;
    const { cdp, authenticatorId } = await addAuthenticator(page, true);
    await device.signIn('dr.demo');
    const count = (await page.getByTestId('patient-count').textContent())!;

    await page.getByRole('link', { name: 'Quick unlock' }).click();
    await expect(page.getByRole('heading', { name: 'Quick unlock with a passkey' })).toBeVisible();
    await look(page, size.name, 'setup');

    // A mistyped password stores nothing and creates no passkey.
    await page.getByLabel('Your password').fill('not-the-password');
    await page.getByRole('button', { name: 'Set up quick unlock with a passkey' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong password');
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(0);

    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Set up quick unlock with a passkey' }).click();
    await expect(page.getByTestId('quick-unlock-notice')).toHaveText('Quick unlock is set up. Next time Outpost is locked, choose “Unlock with passkey”.');
    await expect(page.getByTestId('quick-unlock-state')).toContainText('Quick unlock with a passkey is on for this device');
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);
    await look(page, size.name, 'set-up');

    // Lock on the patient list: the passkey comes first, the password is one click away.
    await page.getByRole('link', { name: 'Patients', exact: true }).click();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Use password instead' })).toBeVisible();
    await look(page, size.name, 'lock-screen');
    await page.getByRole('button', { name: 'Unlock with passkey' }).click();
    await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
    await expect(page.getByTestId('patient-count')).toHaveText(count);

    // A reload drops the key; the passkey opens the records again.
    await page.reload();
    await page.getByRole('button', { name: 'Unlock with passkey' }).click();
    await expect(page.getByTestId('patient-count')).toHaveText(count);
    await device.waitSynced();

    // The device cannot verify its user (no fingerprint): the passkey fails, the message says so and the password form is there.
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.getByRole('button', { name: 'Unlock with passkey' }).click();
    await expect(page.getByRole('alert')).toHaveText('The passkey did not unlock Outpost (cancelled or timed out). Try again, or use your password.');
    await expect(page.getByRole('heading', { name: 'Patients' })).toHaveCount(0);
    await look(page, size.name, 'passkey-failed');
    await unlockWithPassword(page);
    await expect(page.getByTestId('patient-count')).toHaveText(count);

    // "Use password instead" always works.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('button', { name: 'Use password instead' }).click();
    await unlockWithPassword(page);

    // Removing quick unlock: the lock screen asks for the password only.
    await page.getByRole('link', { name: 'Quick unlock' }).click();
    await page.getByRole('button', { name: 'Remove quick unlock' }).click();
    await expect(page.getByTestId('quick-unlock-notice')).toHaveText('Quick unlock removed. This device asks for your password again.');
    await expect(page.getByRole('button', { name: 'Set up quick unlock with a passkey' })).toBeVisible();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    // The lock screen has read the device's setting (the positive signal) and offers no passkey.
    await expect(page.locator('[data-quick-unlock="off"]')).toBeVisible();
    await expect(page.getByLabel('Password')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Unlock', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Unlock with passkey' })).toHaveCount(0);
    await unlockWithPassword(page);
    await device.close();
  });

  test(`a device whose passkeys give no key is told so; nothing is stored and the password unlocks (${size.width}px)`, async ({ browser }) => {
    const device = await openDevice(browser, size);
    const { page } = device;
    await addAuthenticator(page, false);
    await device.signIn('nurse.demo');

    await page.getByRole('link', { name: 'Quick unlock' }).click();
    await page.getByLabel('Your password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Set up quick unlock with a passkey' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      'This device or browser cannot unlock Outpost with a passkey (its passkeys cannot provide an encryption key). Nothing was stored; keep using your password.'
    );
    await expect(page.getByRole('button', { name: 'Set up quick unlock with a passkey' })).toBeVisible();
    await expect(page.getByTestId('quick-unlock-state')).toHaveCount(0);
    await look(page, size.name, 'no-prf');

    await page.getByRole('link', { name: 'Patients', exact: true }).click();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await expect(page.locator('[data-quick-unlock="off"]')).toBeVisible();
    await expect(page.getByLabel('Password')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Unlock with passkey' })).toHaveCount(0);
    await unlockWithPassword(page);
    await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
    await device.close();
  });
}
