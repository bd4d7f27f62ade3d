import { expect, test, type Page } from '@playwright/test';
import { exportJWK, generateKeyPair } from 'jose';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the clinic's administrator runs access from the app. They add a
 * clinician (the server generates the first password, shown once), who
 * signs in on another device; the administrator sees that session, disables
 * the account, and the clinician's app ends the session at once. The
 * administrator shortens the idle lock and a user's app locks after that
 * many idle minutes. At a phone's width (390 px) and a desk's (1280 px),
 * each screen checked with axe and photographed. Offline, the console says
 * it needs the server.
 */
let clinic: Clinic;
const SHOTS = process.env.ADMIN_SHOTS_DIR ?? 'test-results/admin-console';

test.beforeAll(async () => {
  clinic = await startClinic({ idleLockMinutes: 15 });
});
test.afterAll(async () => {
  await clinic.stop();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** The page is no wider than its viewport: nothing runs off the side of a phone. */
async function expectNoSideScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
}

for (const width of [390, 1280]) {
  test(`at ${width} px: an administrator adds a clinician, who signs in elsewhere; disabling the account ends that session`, async ({ browser }) => {
    const viewport = { width, height: 860 };
    const admin = await Device.open(browser, clinic, viewport);
    const doctor = await Device.open(browser, clinic, viewport);
    const username = `dr.new${width}`;
    const a = admin.page;

    await admin.signIn('admin.demo');
    await a.getByRole('link', { name: 'Administration' }).click();
    await expect(a.getByRole('heading', { name: 'Users of Outpost Demo Clinic' })).toBeVisible();
    await expect(a.getByTestId('admin-users')).toContainText('dr.demo');
    await expectAccessible(a, `users list ${width}`);
    await expectNoSideScroll(a);
    await shot(a, `users-${width}`);

    // Search narrows the list.
    await a.getByLabel('Search by username or name').fill('nurse');
    await expect(a.getByTestId('admin-users').getByRole('listitem')).toHaveCount(1);
    await a.getByLabel('Search by username or name').fill('');

    // A bad username is refused by the server with a readable reason.
    await a.getByLabel('Username', { exact: true }).fill('no spaces allowed');
    await a.getByLabel('Full name').fill('Dr. Wanjiru Kamau');
    await a.getByRole('button', { name: 'Add user' }).click();
    await expect(a.locator('#new-username-error')).toHaveText('Usernames are 2–64 letters, digits, dots, dashes or underscores');

    await a.getByLabel('Username', { exact: true }).fill(username);
    await a.getByRole('button', { name: 'Add user' }).click();
    await expect(a.getByRole('status').filter({ hasText: `${username} was added.` })).toBeVisible();
    const password = (await a.getByTestId('generated-password').textContent())!.trim();
    expect(password).toMatch(/^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);
    await expectAccessible(a, `user added ${width}`);
    await shot(a, `user-added-${width}`);

    // The clinician signs in on another device with the password they were given.
    await doctor.signIn(username, password);
    await expect(doctor.page.getByText('Dr. Wanjiru Kamau')).toBeVisible();
    // A chart open: its document is synced live over a websocket.
    const patient = (await doctor.page.getByTestId('patient-link').first().textContent())!.trim();
    await doctor.openPatient(patient);

    // The administrator opens the user: one open session.
    await a.getByRole('link', { name: new RegExp(`Dr\\. Wanjiru Kamau \\(${username.replace('.', '\\.')}\\)`) }).click();
    await expect(a.getByTestId('user-sessions').getByRole('listitem')).toHaveCount(1);
    await expectAccessible(a, `user detail ${width}`);
    await expectNoSideScroll(a);
    await shot(a, `user-detail-${width}`);

    await a.getByRole('button', { name: 'Disable account' }).click();
    await expect(a.getByRole('status').filter({ hasText: 'The account is disabled; sessions ended: 1.' })).toBeVisible();
    await expect(a.getByTestId('no-sessions')).toBeVisible();
    await expect(a.getByRole('button', { name: 'Enable account' })).toBeVisible();

    // The clinician's app learns at once (the server closes the chart's socket) and asks for a sign-in; the chart is gone.
    await expect(doctor.page.getByTestId('session-ended')).toBeVisible({ timeout: 10_000 });
    await expect(doctor.page.getByTestId('patient-name')).toHaveCount(0);
    await expect(doctor.page.locator('body')).not.toContainText(patient);
    await shot(doctor.page, `clinician-session-ended-${width}`);
    // And the server refuses the account's password now.
    const refused = await doctor.page.request.post('/api/auth/login', { data: { username, password } });
    expect(refused.status()).toBe(401);

    await admin.close();
    await doctor.close();
  });
}

test('the idle lock the administrator sets is the one a user’s app applies; the console says plainly when offline', async ({ browser }) => {
  const admin = await Device.open(browser, clinic, { width: 390, height: 860 });
  const a = admin.page;
  await admin.signIn('admin.demo');
  // In-app navigation: a reload would lock the app (the key lives in memory only).
  await a.getByRole('link', { name: 'Administration' }).click();
  await a.getByRole('link', { name: 'Clinic settings' }).click();
  const idle = a.getByLabel('Lock the app after this many idle minutes');
  await expect(idle).toHaveValue('');
  await expect(a.getByText('Server default: 15 min. Allowed: 1–1440.')).toBeVisible();

  await idle.fill('0');
  await a.getByRole('button', { name: 'Save settings' }).click();
  await expect(a.getByRole('alert')).toContainText('Idle lock must be at least 1 minutes');
  await idle.fill('2');
  await a.getByRole('button', { name: 'Save settings' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await expectAccessible(a, 'clinic settings 390');
  await expectNoSideScroll(a);
  await shot(a, 'settings-390');

  // An API client registered with its public keys, then disabled.
  await a.getByRole('link', { name: 'API clients' }).click();
  const { publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'lab-2026', alg: 'ES384' }] });
  await a.getByLabel('System name').fill('District lab');
  await a.getByLabel('Public keys (JWKS, as JSON)').fill(jwks);
  await a.getByRole('button', { name: 'Register client' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'District lab is registered.' })).toBeVisible();
  const client = a.getByTestId('api-clients').getByRole('listitem').filter({ hasText: 'District lab' });
  await expect(client).toContainText('keys lab-2026 · scopes system/*.rs');
  await client.getByRole('button', { name: 'Disable client' }).click();
  await expect(client.getByRole('button', { name: 'Enable client' })).toBeVisible();
  await expectAccessible(a, 'API clients 390');
  await expectNoSideScroll(a);
  await shot(a, 'api-clients-390');

  // A transfer destination and a key for a clinic that sends here (shown once).
  await a.getByRole('link', { name: 'Transfers' }).click();
  await a.getByLabel('Clinic name').fill('District Hospital');
  await a.getByLabel('FHIR address (https://…)').fill('https://district.example');
  await a.getByRole('button', { name: 'Add destination' }).click();
  await expect(a.getByTestId('destinations')).toContainText('https://district.example/fhir/R4');
  await a.getByLabel('Sending clinic').fill('Hillside Post');
  await a.getByRole('button', { name: 'Issue key' }).click();
  await expect(a.getByTestId('issued-transfer-key')).toHaveText(/^otk_/);
  await expectAccessible(a, 'transfers 390');
  await expectNoSideScroll(a);
  await shot(a, 'transfers-390');

  // Offline: no stale screens, a plain sentence.
  await admin.offline();
  await a.getByRole('link', { name: 'Users' }).click();
  await expect(a.getByTestId('admin-offline')).toHaveText(/Administration needs the clinic server/);
  await shot(a, 'offline-390');
  await admin.online();
  await admin.close();

  const nurse = await Device.open(browser, clinic);
  const { page } = nurse;
  await page.clock.install();
  await nurse.signIn('nurse.demo');
  // 1.5 idle minutes: still open (the server's default would be 15).
  await page.clock.fastForward('01:30');
  await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toHaveCount(0);
  // Past the clinic's 2 minutes: locked.
  await page.clock.fastForward('01:00');
  await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible();
  await nurse.close();
});
