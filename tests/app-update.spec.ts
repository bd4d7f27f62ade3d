import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Device, startClinic, type Clinic } from './support/clinic';
import { brotli, gzip } from '../server/http/precompress';

/**
 * Journey: the clinic deploys a new version. A device that has the app
 * installed is offered the update instead of having code swapped under a
 * clinician mid-visit, and takes it with one click.
 */
let v1: Clinic;
let v2: Clinic;
const dirs: string[] = [];

/**
 * A copy of the build whose app shell names its deploy: index.html carries
 * <meta name="outpost-deploy" content="…">, and the service worker's precache
 * manifest gives index.html a new revision, as a real deploy with a changed
 * page would. The worker serves every navigation from its precache, so the
 * label a page shows tells which worker served it.
 */
function deploy(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `outpost-${label}-`));
  dirs.push(dir);
  cpSync('build', dir, { recursive: true });
  const index = join(dir, 'index.html');
  const html = readFileSync(index, 'utf8').replace('<head>', `<head>\n    <meta name="outpost-deploy" content="${label}" />`);
  if (!html.includes(label)) throw new Error('index.html has no <head>');
  writeFileSync(index, html);
  const sw = join(dir, 'sw.js');
  const revision = createHash('md5').update(html).digest('hex');
  const worker = readFileSync(sw, 'utf8').replace(/(\{url:"index\.html",revision:")[0-9a-f]+"/, `$1${revision}"`);
  if (!worker.includes(revision)) throw new Error('sw.js precaches no index.html');
  writeFileSync(sw, worker);
  // The server sends the precompressed copies to browsers that accept them: they must say the same.
  for (const file of [index, sw]) {
    writeFileSync(`${file}.br`, brotli(readFileSync(file)));
    writeFileSync(`${file}.gz`, gzip(readFileSync(file)));
  }
  return dir;
}

test.beforeAll(async () => {
  v1 = await startClinic({ staticDir: deploy('deploy-1') });
  v2 = await startClinic({ staticDir: deploy('deploy-2') });
});
test.afterAll(async () => {
  await v1.stop();
  await v2.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('a new deploy is offered as an update and applied on request', async ({ browser }) => {
  const device = await Device.open(browser, v1);
  const { page } = device;
  const deployed = page.locator('meta[name="outpost-deploy"]');
  await page.goto('/');
  await device.waitForServiceWorker();
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);
  await expect(deployed).toHaveAttribute('content', 'deploy-1');

  device.cable.retarget(v2.port);
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    await reg?.update();
  });
  await expect(page.getByTestId('update-prompt')).toContainText('A new version of Outpost is ready');
  // Offered, not swapped in: the new worker waits while the old one keeps the page.
  expect(
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return { active: reg?.active?.state, waiting: reg?.waiting?.state, controlled: !!navigator.serviceWorker.controller };
    })
  ).toEqual({ active: 'activated', waiting: 'installed', controlled: true });
  await expect(deployed).toHaveAttribute('content', 'deploy-1');

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
  // The app reloads itself into the new version: its page, from the new worker's precache.
  await expect(deployed).toHaveAttribute('content', 'deploy-2');
  // And every later load is served by the new worker, not the network and not the old worker's cache.
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect(deployed).toHaveAttribute('content', 'deploy-2');
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await device.close();
});
