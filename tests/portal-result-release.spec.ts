import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { DEMO_PASSWORD, Device, startClinic, type Clinic } from './support/clinic';
import { seedPortalPatient } from '../server/portal/portal-test-support';
import { setResultRelease } from '../server/admin/result-release-store';
import { sessionCookieFor } from '../server/http/test-app';

/**
 * Journey: the clinic releases results after a clinician's review; the
 * patient's phone shows how many results are waiting (never which), and
 * the summary PDF the patient downloads leaves the held result out.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const PASSWORD = 'a quiet road at dawn';

test('a result held for review is not shown; the record and the summary PDF say one result is waiting', async ({ browser }) => {
  test.setTimeout(60_000);
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const adminId = (clinic.db.prepare("SELECT id FROM users WHERE username = 'admin.demo'").get() as { id: string } | undefined)?.id ?? 'admin';
  const own = { id: 'd6e7f8a9-0000-4000-8000-000000000001', family: 'Atieno', given: 'Zawadi', birthDate: '1992-04-03' };
  // Haemoglobin: a final lab result entered today, not yet reviewed.
  await seedPortalPatient(clinic, clinicId, own.id, own);
  const desk = await sessionCookieFor(clinic.url, 'desk.demo', DEMO_PASSWORD);
  const inv = await fetch(`${clinic.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: desk }, body: JSON.stringify({ relation: 'self', patientId: own.id }) });
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${clinic.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: own.birthDate, username: 'zawadi', password: PASSWORD }) });
  expect(act.status).toBe(201);

  const phone = await Device.open(browser, clinic, { width: 390, height: 844 });
  const { page } = phone;
  await page.goto('/');
  await page.getByLabel('Username').fill('zawadi');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const results = page.getByTestId('my-results');
  // Released immediately (the default): the result is there to see.
  await expect(results).toContainText('Haemoglobin');
  await expect(page.getByTestId('my-results-waiting')).toHaveCount(0);

  setResultRelease(clinic.db, clinicId, { mode: 'after-review' }, adminId);
  await page.reload();
  await phone.unlock(PASSWORD);
  await expect(page.getByTestId('my-results-waiting')).toHaveText("1 result is waiting for your clinician's review");
  await expect(page.getByTestId('my-allergies')).toContainText('Penicillin');
  await expect(results).not.toContainText('Haemoglobin');
  await expectAccessible(page, 'my record with a result waiting, phone');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: '/tmp/portalrelease-my-390.png', fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('my-summary-pdf').click()]);
  expect(download.suggestedFilename()).toBe('patient-summary.pdf');
  const file = test.info().outputPath('patient-summary.pdf');
  await download.saveAs(file);
  const lines = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).split('\n').map((l) => l.trim());
  for (const line of ['Patient summary', 'Zawadi Atieno', '3 April 1992', 'Results', "1 result is waiting for your clinician's review", '• Penicillin']) expect(lines).toContain(line);
  expect(lines.join('\n')).not.toContain('Haemoglobin');

  await page.setViewportSize({ width: 1280, height: 860 });
  await expectAccessible(page, 'my record with a result waiting, desk width');
  await page.screenshot({ path: '/tmp/portalrelease-my-1280.png', fullPage: true });
  await phone.close();
});
