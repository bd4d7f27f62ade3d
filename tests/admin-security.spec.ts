import { expect, test, type Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { hashPassword } from '../server/auth/password';
import { createUser } from '../server/store/users';
import { expectAccessible } from './support/axe';
import { DEMO_PASSWORD, Device, secondFactorStoreOf, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a nurse's tablet is stolen, with their phone (the authenticator)
 * in the same bag. From the console the administrator requires a second
 * factor of nurses, opens the nurse's account, marks the tablet lost (the
 * tablet erases itself within seconds) and resets the second factor (the
 * nurse must set up a new authenticator at the next sign-in). At 390 and
 * 1280 px, axe on each screen, screenshots to /tmp/admin2-*.png.
 */
let clinic: Clinic;
const SHOTS = process.env.ADMIN2_SHOTS_DIR ?? '/tmp';

test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

async function expectNoSideScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
}

/** A nurse of the demo clinic with an authenticator already set up (as an enrolment in the app leaves it). */
async function nurseWithAuthenticator(username: string, name: string): Promise<{ id: string; secret: string }> {
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics WHERE demo = 1').get() as { id: string }).id;
  const user = createUser(clinic.db, { clinicId, username, name, roles: ['nurse'], passwordHash: await hashPassword(DEMO_PASSWORD) });
  const store = secondFactorStoreOf(clinic);
  const { secret } = store.beginEnrolment(user.id, username);
  // Confirmed with the previous 30-s step's code (inside the server's window), so the code of the step now is still unused at sign-in.
  const previous = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() - 30_000 });
  expect(store.confirmEnrolment(user.id, previous)).toHaveLength(10);
  // The stored secret is sealed under the server's key; the phone holds it in the clear, as the test does.
  return { id: user.id, secret };
}

/** The header is one line at a desk's width: every item of it within the height of the tallest. */
async function expectHeaderOnOneLine(page: Page): Promise<void> {
  const { span, tallest } = await page.locator('header.bar').evaluate((bar) => {
    const boxes = [...bar.children].map((c) => c.getBoundingClientRect()).filter((r) => r.height > 0);
    return { span: Math.max(...boxes.map((r) => r.bottom)) - Math.min(...boxes.map((r) => r.top)), tallest: Math.max(...boxes.map((r) => r.height)) };
  });
  expect(tallest).toBeGreaterThan(20);
  expect(span).toBeLessThanOrEqual(tallest + 1);
}

for (const [username, more] of [
  ['dr.demo', ['Match reviews', 'Templates']],
  ['nurse.demo', []],
  ['desk.demo', ['Cash report']]
] as const) {
  test(`the header of ${username} is one line at 1280 px, its less-used links under More; nothing scrolls sideways at 390 px`, async ({ browser }) => {
    for (const width of [1280, 390]) {
      const staff = await Device.open(browser, clinic, { width, height: 860 });
      const p = staff.page;
      await staff.signIn(username);
      const bar = p.locator('header.bar');
      await expect(bar.getByRole('link', { name: /^Inbox/ })).toBeVisible();
      if (width === 1280) await expectHeaderOnOneLine(p);
      await expectNoSideScroll(p);
      await p.screenshot({ path: `${SHOTS}/header-${username}-${width}.png` });
      const menu = bar.locator('details.more');
      if (more.length === 0) {
        await expect(menu).toHaveCount(0);
      } else {
        await menu.getByText('More', { exact: true }).click();
        await expect(menu.locator('.more-menu a')).toHaveText([...more]);
        if (width === 1280) await expectHeaderOnOneLine(p);
        await expectAccessible(p, `header menu of ${username} at ${width}`);
        await p.screenshot({ path: `${SHOTS}/header-${username}-${width}-more.png` });
        // A link in it goes where it says, and the menu closes.
        await menu.locator('.more-menu a').first().click();
        await expect(menu).not.toHaveAttribute('open');
      }
      await staff.close();
    }
  });
}

for (const width of [390, 1280]) {
  test(`at ${width} px: the administrator marks a nurse's tablet lost and resets their second factor`, async ({ browser }) => {
    const viewport = { width, height: 860 };
    const username = `nurse.lost${width}`;
    const name = `Nurse Lost ${width}`;
    const { secret } = await nurseWithAuthenticator(username, name);
    // Each width starts from the default result release (the other width's test may have changed it).
    clinic.db.prepare('DELETE FROM clinic_result_release').run();

    // The nurse's tablet (its sign-in comes below, a record open on it when it is stolen).
    const tablet = await Device.open(browser, clinic, viewport);
    const sign = await tablet.page.request.post('/api/auth/login', { data: { username, password: DEMO_PASSWORD } });
    // Positive control: with an authenticator set up, a sign-in asks for its code.
    expect(await sign.json()).toMatchObject({ secondFactor: 'code' });

    const admin = await Device.open(browser, clinic, viewport);
    const a = admin.page;
    await admin.signIn('admin.demo');
    await expectNoSideScroll(a);
    if (width === 1280) await expectHeaderOnOneLine(a);
    await a.screenshot({ path: `${SHOTS}/admin2-header-${width}.png` });
    await a.getByRole('link', { name: 'Administration' }).click();

    // The policy: nurses must use a second factor.
    await a.getByRole('link', { name: 'Clinic settings' }).click();
    const nurseBox = a.getByRole('group', { name: 'Roles that must use a second factor' }).getByLabel('Nurse');
    if (!(await nurseBox.isChecked())) await nurseBox.check();
    await a.getByRole('button', { name: 'Save policy' }).click();
    await expect(a.getByRole('status').filter({ hasText: 'Policy saved.' })).toBeVisible();
    await expect(a.getByRole('radio', { name: 'Immediately (default)' })).toBeChecked();
    if (width === 390) {
      // Results held at most 14 days: the server's refusal names the field; a right number is saved.
      await a.getByRole('radio', { name: 'After review, or after a number of days at the latest' }).check();
      await a.getByRole('textbox', { name: 'Number of days' }).fill('30');
      await a.getByRole('button', { name: 'Save result release' }).click();
      await expect(a.locator('#release-days-error')).toHaveText('Results are held for at most 14 days');
      await a.getByRole('textbox', { name: 'Number of days' }).fill('7');
      await a.getByRole('button', { name: 'Save result release' }).click();
      await expect(a.getByRole('status').filter({ hasText: 'Result release saved.' })).toBeVisible();
    }
    await expectAccessible(a, `settings and policies ${width}`);
    await expectNoSideScroll(a);
    await a.screenshot({ path: `${SHOTS}/admin2-settings-${width}.png`, fullPage: true });

    // The nurse's tablet signs in (the code step: the test makes the code from the enrolled secret, as the phone would).
    const t = tablet.page;
    await t.goto('/');
    await t.getByLabel('Username').fill(username);
    await t.getByLabel('Password').fill(DEMO_PASSWORD);
    await t.getByRole('button', { name: 'Sign in' }).click();
    const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    await t.getByLabel('6-digit code').fill(code);
    await t.getByRole('button', { name: 'Verify' }).click();
    await expect(t.getByRole('heading', { name: 'Patients' })).toBeVisible();
    await tablet.waitSynced();
    const patient = (await t.getByTestId('patient-link').first().textContent())!.trim();
    await tablet.openPatient(patient);

    // The administrator opens the nurse: one device in use, one session on it, an authenticator set up.
    await a.getByRole('link', { name: 'Users' }).click();
    await a.getByRole('link', { name: new RegExp(`${name} \\(${username.replace('.', '\\.')}\\)`) }).click();
    const devices = a.getByTestId('user-devices').getByRole('listitem');
    await expect(devices).toHaveCount(1);
    await expect(devices.first()).toContainText('In use');
    await expect(a.getByTestId('user-sessions')).toContainText(/on Chrom/);
    await expect(a.getByTestId('second-factor-state')).toContainText('Set up');
    await expect(a.getByTestId('second-factor-state')).toContainText('recovery codes left: 10');
    await expectAccessible(a, `user security ${width}`);
    await expectNoSideScroll(a);
    await a.screenshot({ path: `${SHOTS}/admin2-user-${width}.png`, fullPage: true });

    // Mark the tablet lost: asked first, then done; the tablet erases itself at once (its sync socket is closed).
    await devices.first().getByRole('button', { name: 'Mark device lost' }).click();
    await expect(devices.first()).toContainText('Every session on it ends now');
    await expectAccessible(a, `confirm lost ${width}`);
    await devices.first().getByRole('button', { name: 'Yes: Mark device lost' }).click();
    await expect(a.getByRole('status').filter({ hasText: 'Device marked lost; sessions ended: 1.' })).toBeVisible();
    // Lost, and (once the tablet has said it is erasing) erased: which one the reload shows depends on how fast the tablet answers.
    await expect(devices.first()).toContainText(/Lost: erased at next contact|Lost and erased/);
    await expect(a.getByTestId('no-sessions')).toBeVisible();
    await expect(t.getByRole('heading', { name: 'This device was reported lost and has been cleared' })).toBeVisible({ timeout: 20_000 });

    // Reset the second factor: asked first, then done; the nurse must set up a new authenticator at the next sign-in.
    await a.getByRole('button', { name: 'Reset second factor' }).click();
    await a.getByRole('button', { name: 'Yes: Reset second factor' }).click();
    await expect(a.getByRole('status').filter({ hasText: `The second factor of ${username} was reset.` })).toBeVisible();
    await expect(a.getByTestId('second-factor-state')).toContainText('No authenticator is set up.');
    await expectAccessible(a, `after reset ${width}`);
    await expectNoSideScroll(a);
    await a.screenshot({ path: `${SHOTS}/admin2-user-after-${width}.png`, fullPage: true });
    const next = await admin.context.request.post(`${admin.cable.url}/api/auth/login`, { data: { username, password: DEMO_PASSWORD } });
    expect(await next.json()).toMatchObject({ secondFactor: 'enrol' });

    // Both are in the audit log as the administrator's, from the console.
    const adminId = (clinic.db.prepare("SELECT id FROM users WHERE username = 'admin.demo'").get() as { id: string }).id;
    const rows = clinic.db.prepare("SELECT action, user_id FROM audit_log WHERE action IN ('device.lost', 'second-factor.reset') AND user_id = ? ORDER BY seq DESC LIMIT 2").all(adminId);
    expect(rows).toEqual([
      { action: 'second-factor.reset', user_id: adminId },
      { action: 'device.lost', user_id: adminId }
    ]);

    // The clinics on this server; a new one gets its first administrator, whose password is shown once.
    await a.getByRole('link', { name: 'Administration' }).click();
    await a.getByRole('link', { name: 'Clinics' }).click();
    await expect(a.getByTestId('admin-clinics')).toContainText('Outpost Demo Clinic');
    await a.getByLabel('Clinic name').fill(`Cedar Flats ${width}`);
    await a.getByLabel('Its administrator’s username').fill(`cedar.admin${width}`);
    await a.getByLabel('Its administrator’s full name').fill('Cedar Admin');
    await a.getByRole('button', { name: 'Add clinic' }).click();
    await expect(a.getByRole('status').filter({ hasText: `Cedar Flats ${width} was added.` })).toBeVisible();
    await expect(a.getByTestId('clinic-admin-password')).toHaveText(/^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);
    await expect(a.getByTestId('admin-clinics')).toContainText(`Cedar Flats ${width}`);
    await expectAccessible(a, `clinics ${width}`);
    await expectNoSideScroll(a);
    await a.screenshot({ path: `${SHOTS}/admin2-clinics-${width}.png`, fullPage: true });

    // The audit reports are one tab away.
    await a.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'Audit' }).click();
    await expect(a.getByRole('heading', { name: 'Audit reports' })).toBeVisible();

    await admin.close();
    await tablet.close();
  });
}
