import { expect, test, type Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { runAdmin } from '../server/cli/admin-commands';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinic that requires a second factor of clinicians (the
 * default for a new clinic). A new clinician signs in with the password,
 * is taken to set up an authenticator (QR code and key), a wrong code is
 * refused, the right one — computed here from the key read off the screen,
 * with the same TOTP library the server uses — finishes the sign-in and
 * shows ten recovery codes. Later sign-ins need a code; a recovery code
 * works once; an offline unlock needs only the password. At 390 and 1280 px.
 */
const PASSWORD = 'river crossing 2026';
const CLINIC = 'Riverside Health Post';
let clinic: Clinic;

test.beforeAll(async () => {
  clinic = await startClinic();
  const io = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };
  expect(await runAdmin(['create-clinic', '--name', CLINIC], clinic.dataDir, io)).toBe(0);
  for (const username of ['k.mensah', 'l.banda']) {
    const args = ['create-user', '--clinic', CLINIC, '--username', username, '--name', `Clinician ${username}`, '--roles', 'clinician', '--password', PASSWORD];
    expect(await runAdmin(args, clinic.dataDir, io)).toBe(0);
  }
});
test.afterAll(async () => {
  await clinic.stop();
});

function codeAt(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
}

async function passwordStep(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signedIn(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
  await expect(page.getByTestId('sync-indicator')).toHaveText(/All changes synced/, { timeout: 30_000 });
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Outpost' })).toBeVisible();
}

async function look(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/second-factor-${name}.png`, fullPage: true });
  await expectAccessible(page, name);
  // Fits the width: nothing scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
}

for (const [width, username] of [
  [390, 'k.mensah'],
  [1280, 'l.banda']
] as const) {
  test(`a clinician must set up an authenticator at first sign-in; codes and recovery codes work once (${width} px)`, async ({ browser }) => {
    const device = await Device.open(browser, clinic, { width, height: 860 });
    const { page } = device;
    await page.goto('/');

    // Password accepted: the setup screen, not the app.
    await passwordStep(page, username);
    await expect(page.getByRole('heading', { name: 'Set up your authenticator' })).toBeVisible();
    await expect(page.getByRole('img', { name: 'QR code that adds Outpost to an authenticator app' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Patients' })).toHaveCount(0);
    const secret = (await page.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await look(page, `enrol-${width}`);

    // A wrong code is refused; the right one finishes the setup.
    const field = page.getByLabel('2. Enter the 6-digit code the app shows now.');
    await field.fill(codeAt(secret, Date.now() + 10 * 60_000));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByRole('alert')).toHaveText('That code is not right or was already used. Enter the newest code from your authenticator app.');
    await field.fill(codeAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
    await expect(page.getByTestId('recovery-codes').locator('li code')).toHaveCount(10);
    const codes = await page.getByTestId('recovery-codes').locator('li code').allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await look(page, `recovery-codes-${width}`);
    await page.getByRole('button', { name: 'I have saved them — continue' }).click();
    await signedIn(page);
    await signOut(page);

    // Next sign-in: a wrong code refused, then the next step's code (the setup used this step's).
    await passwordStep(page, username);
    await expect(page.getByRole('heading', { name: 'Enter your sign-in code' })).toBeVisible();
    await page.getByLabel('6-digit code').fill(codeAt(secret, Date.now() - 10 * 60_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toHaveText('That code is not right or was already used. Enter the newest code from your authenticator app.');
    await look(page, `code-${width}`);
    await page.getByLabel('6-digit code').fill(codeAt(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedIn(page);
    await signOut(page);

    // A recovery code signs in once.
    await passwordStep(page, username);
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(codes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedIn(page);
    await signOut(page);
    await passwordStep(page, username);
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(codes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toHaveText('That recovery code is not right or was already used.');
    await expect(page.getByRole('heading', { name: 'Patients' })).toHaveCount(0);
    await look(page, `recovery-${width}`);
    await page.getByLabel('Recovery code').fill(codes[1].toLowerCase());
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedIn(page);

    // The security page says what is left.
    await page.getByRole('link', { name: 'Sign-in security' }).click();
    await expect(page.getByTestId('second-factor-status')).toHaveText(
      'Two-step sign-in is on. Recovery codes left: 8. Your clinic requires it for your role.'
    );
    await look(page, `security-${width}`);

    // Offline, this device unlocks with the password alone: it was verified at sign-in.
    await device.offline();
    await page.reload();
    await device.unlock(PASSWORD);
    await expect(page.getByRole('heading', { name: 'Enter your sign-in code' })).toHaveCount(0);
    await expect(page.getByTestId('sync-indicator')).toContainText('Offline');
    await device.close();
  });
}

test('a nurse of the demo clinic (second factor optional) sets one up from Sign-in security, makes new recovery codes, and then signs in with one', async ({ browser }) => {
  const device = await Device.open(browser, clinic, { width: 1280, height: 860 });
  const { page } = device;
  await device.signIn('nurse.demo');
  await page.getByRole('link', { name: 'Sign-in security' }).click();
  const status = page.getByTestId('second-factor-status');
  await expect(status).toHaveText('Two-step sign-in is off. It is optional for your role; it protects your account if your password is ever known to someone else.');
  await page.getByRole('button', { name: 'Set up an authenticator' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
  await look(page, 'optional-enrol-1280');
  await page.getByLabel('2. Enter the 6-digit code the app shows now.').fill(codeAt(secret, Date.now()));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('recovery-codes').locator('li code')).toHaveCount(10);
  const first = await page.getByTestId('recovery-codes').locator('li code').allTextContents();
  expect(first).toHaveLength(10);
  await expect(status).toHaveText('Two-step sign-in is on. Recovery codes left: 10. It is optional for your role; it protects your account if your password is ever known to someone else.');
  await look(page, 'optional-codes-1280');
  await page.getByRole('button', { name: 'I have saved them — continue' }).click();

  // New recovery codes, confirmed with the next step's code (the setup used this step's).
  await page.getByLabel('6-digit code').fill(codeAt(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Make new recovery codes' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
  await expect(page.getByTestId('recovery-codes').locator('li code')).toHaveCount(10);
  const fresh = await page.getByTestId('recovery-codes').locator('li code').allTextContents();
  expect(fresh).toHaveLength(10);
  expect(fresh.filter((c) => first.includes(c))).toEqual([]);
  await look(page, 'regenerated-1280');

  // The next sign-in asks for the second step: an old recovery code no longer works, a new one does.
  await signOut(page);
  await page.getByLabel('Username').fill('nurse.demo');
  await page.getByLabel('Password').fill('outpost-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Enter your sign-in code' })).toBeVisible();
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(first[0]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toHaveText('That recovery code is not right or was already used.');
  await page.getByLabel('Recovery code').fill(fresh[0]);
  await page.getByRole('button', { name: 'Verify' }).click();
  // Signed in where the user was: the security page.
  await expect(status).toContainText('Recovery codes left: 9.');
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await device.close();
});

test('an administrator requires a second factor for clinicians and adds one in the console; at first sign-in the new clinician must set up an authenticator (1280 px)', async ({ browser }) => {
  const admin = await Device.open(browser, clinic, { width: 1280, height: 900 });
  const a = admin.page;
  // The demo clinic asks no second factor of anyone (its policy is empty): the administrator signs in with the password.
  await admin.signIn('admin.demo');
  await a.getByRole('link', { name: 'Administration' }).click();
  await a.getByRole('link', { name: 'Clinic settings' }).click();
  const clinicianBox = a.getByRole('group', { name: 'Roles that must use a second factor' }).getByLabel('Clinician');
  await expect(clinicianBox).not.toBeChecked();
  await clinicianBox.check();
  await a.getByRole('button', { name: 'Save policy' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'Policy saved.' })).toBeVisible();

  await a.getByRole('link', { name: 'Users', exact: true }).click();
  await a.getByLabel('Username', { exact: true }).fill('dr.zawadi');
  await a.getByLabel('Full name').fill('Dr. Zawadi Otieno');
  await a.getByRole('button', { name: 'Add user' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'dr.zawadi was added.' })).toBeVisible();
  const password = (await a.getByTestId('generated-password').textContent())!.trim();

  // The new clinician's first sign-in stops at the authenticator setup: no chart before it.
  const device = await Device.open(browser, clinic, { width: 1280, height: 860 });
  const { page } = device;
  await page.goto('/');
  await page.getByLabel('Username').fill('dr.zawadi');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Set up your authenticator' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Patients' })).toHaveCount(0);
  const secret = (await page.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
  const field = page.getByLabel('2. Enter the 6-digit code the app shows now.');
  await field.fill(codeAt(secret, Date.now() + 10 * 60_000));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('alert')).toHaveText('That code is not right or was already used. Enter the newest code from your authenticator app.');
  await field.fill(codeAt(secret, Date.now()));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('recovery-codes').locator('li code')).toHaveCount(10);
  await page.getByRole('button', { name: 'I have saved them — continue' }).click();
  await signedIn(page);
  await device.close();
  await admin.close();
});
