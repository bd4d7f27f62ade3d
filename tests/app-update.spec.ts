import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the clinic deploys a new version. A device that has the app
 * installed is offered the update instead of having code swapped under a
 * clinician mid-visit, and takes it with one click.
 */
let v1: Clinic;
let v2: Clinic;
let v2Dir: string;

test.beforeAll(async () => {
  v1 = await startClinic();
  // "Version 2": the same build with a changed service worker, as any new deploy has.
  v2Dir = mkdtempSync(join(tmpdir(), 'outpost-v2-'));
  cpSync('build', v2Dir, { recursive: true });
  const sw = join(v2Dir, 'sw.js');
  writeFileSync(sw, readFileSync(sw, 'utf8') + '\n// deploy 2\n');
  v2 = await startClinic({ staticDir: v2Dir });
});
test.afterAll(async () => {
  await v1.stop();
  await v2.stop();
  rmSync(v2Dir, { recursive: true, force: true });
});

test('a new deploy is offered as an update and applied on request', async ({ browser }) => {
  const device = await Device.open(browser, v1);
  const { page } = device;
  await page.goto('/');
  await device.waitForServiceWorker();
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);

  device.cable.retarget(v2.port);
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    await reg?.update();
  });
  await expect(page.getByTestId('update-prompt')).toContainText('A new version of Outpost is ready');

  await page.getByRole('button', { name: 'Update now' }).click();
  // The new worker takes over: nothing is left waiting and the prompt is gone.
  await expect
    .poll(async () =>
      page
        .evaluate(async () => {
          const reg = await navigator.serviceWorker.getRegistration();
          return { active: reg?.active?.state, waiting: !!reg?.waiting };
        })
        .catch(() => null)
    )
    .toEqual({ active: 'activated', waiting: false });
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);
  // And the next load is served by it.
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await device.close();
});
