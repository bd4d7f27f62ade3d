import { expect, test, type Page } from '@playwright/test';
import { generateKeys } from '../server/replication/replication-crypto';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the district hub's administrator enrols a clinic box. They make a
 * one-time enrolment code (shown once, with the command to run on the box),
 * the box enrols with it, it appears in the list, and the administrator
 * revokes it (two steps). At 390 and 1280 px, axe on each screen,
 * screenshots to test-results/clinic-boxes.
 */
let clinic: Clinic;
const SHOTS = process.env.EDGE_SHOTS_DIR ?? 'test-results/clinic-boxes';

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

for (const width of [390, 1280]) {
  test(`at ${width} px: an administrator makes an enrolment code, the box enrols, and is revoked`, async ({ browser }) => {
    const admin = await Device.open(browser, clinic, { width, height: 860 });
    const a = admin.page;
    await admin.signIn('admin.demo');
    await a.getByRole('link', { name: 'Administration' }).click();
    await a.getByRole('link', { name: 'Clinic boxes' }).click();
    await expect(a.getByRole('heading', { name: 'Clinic boxes of this clinic' })).toBeVisible();

    await a.getByRole('button', { name: 'Make enrolment code' }).click();
    await expect(a.getByRole('alert')).toContainText('Name the clinic box');
    await a.getByLabel('Name of the box').fill(`Ward ${width} box`);
    await a.getByRole('button', { name: 'Make enrolment code' }).click();
    const code = (await a.getByTestId('edge-enrolment-code').textContent())!.trim();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await expect(a.locator('code.command')).toHaveText(`npm run edge:enrol -- --hub ${new URL(a.url()).origin} --code ${code}`);
    await expectAccessible(a, `enrolment code ${width}`);
    await expectNoSideScroll(a);
    await a.screenshot({ path: `${SHOTS}/code-${width}.png`, fullPage: true });

    // The box's setup command presents the code with its public keys.
    const keys = generateKeys();
    const enrolled = await fetch(`${clinic.url}/api/replication/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, signKey: keys.signPublic, boxKey: keys.boxPublic }) });
    expect(enrolled.status).toBe(201);

    await a.getByRole('link', { name: 'Clinic settings' }).click();
    await a.getByRole('link', { name: 'Clinic boxes' }).click();
    const row = a.getByTestId('admin-edges').getByRole('listitem').filter({ hasText: `Ward ${width} box` });
    await expect(row).toContainText('last contact never');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: `Revoke Ward ${width} box now` }).click();
    await expect(row).toContainText('Revoked');
    await expect(row.getByRole('button')).toHaveCount(0);
    await expectAccessible(a, `boxes list ${width}`);
    await expectNoSideScroll(a);
    await a.screenshot({ path: `${SHOTS}/list-${width}.png`, fullPage: true });
    await admin.close();
  });
}
