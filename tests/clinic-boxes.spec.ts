import { expect, test, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { generateKeys, publicKeyFrom } from '../server/replication/replication-crypto';
import { signedPost } from '../server/replication/signed-http';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the district hub's administrator enrols a clinic box. They make a
 * one-time enrolment code (shown once, with the command to run on the box),
 * the box enrols with it, it appears in the list, and the administrator
 * revokes it (two steps). An update the box sent for another clinic's
 * document is shown under the box as set aside, with why. At 390 and 1280 px, axe on each screen,
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
    const { edgeId, hub } = (await enrolled.json()) as { edgeId: string; hub: { signKey: string } };
    // The box sends an update for a document of another clinic: the hub refuses it and sets it aside.
    const stray = new Y.Doc();
    stray.getMap('availability').set('x', 'planted');
    const pushed = (await signedPost({
      hubUrl: clinic.url,
      path: '/api/replication/push',
      edgeId,
      signKey: keys.signPrivate,
      hubSignKey: publicKeyFrom(hub.signKey, 'ed25519'),
      payload: { docs: [{ name: `schedule:${randomUUID()}`, update: Buffer.from(Y.encodeStateAsUpdate(stray)).toString('base64') }] }
    })) as { applied: number; refused: unknown[] };
    expect([pushed.applied, pushed.refused.length]).toEqual([0, 1]);

    await a.getByRole('link', { name: 'Clinic settings' }).click();
    await a.getByRole('link', { name: 'Clinic boxes' }).click();
    const row = a.getByTestId('admin-edges').getByRole('listitem').filter({ hasText: `Ward ${width} box` });
    const held = row.getByTestId('admin-edge-held');
    await expect(held.getByRole('heading', { name: 'Records set aside' })).toBeVisible();
    await expect(held).toContainText('Refused and set aside from this box: 1.');
    await expect(held.getByRole('listitem')).toContainText('This document belongs to another clinic. (rules: replication.scope;');
    await expectAccessible(a, `boxes list with a set-aside update ${width}`);
    await expectNoSideScroll(a);
    await a.screenshot({ path: `${SHOTS}/held-${width}.png`, fullPage: true });
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
