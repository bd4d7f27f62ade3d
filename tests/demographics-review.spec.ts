import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { SYNTHEA_DIR } from '../server/seed/synthea';
import { DEMO_PASSWORD, Device, startClinic, type Clinic } from './support/clinic';

/**
 * An import brings other demographics for a patient the clinic already has
 * (the demo's Asa Hermiston): the record keeps its details, and the front
 * desk on a phone and a clinician on a laptop see the differences on the
 * record and decide. Screenshots of both widths go to
 * test-results/screens/ for a person to look at.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const ASA = 'Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json';

/** Imports Asa's record again as the demo clinician, with the Patient's birth date and town as given. */
async function importWith(birthDate: string, city: string): Promise<Json> {
  const login = await fetch(`${clinic.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dr.demo', password: DEMO_PASSWORD }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const bundle = JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, ASA), 'utf8')) as Json;
  bundle.entry[0].resource.birthDate = birthDate;
  bundle.entry[0].resource.address[0].city = city;
  const res = await fetch(`${clinic.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', cookie }, body: JSON.stringify(bundle) });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

async function shot(page: Page, name: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} overflows horizontally`).toBeLessThanOrEqual(0);
  // The top of the record, where the review sits; the rest of a long chart adds nothing to look at.
  await page.screenshot({ path: `test-results/screens/${name}.png`, clip: { x: 0, y: 0, width: page.viewportSize()!.width, height: 1300 } });
}

test('imported demographics wait for review: the desk keeps the record on a phone, a clinician accepts on a laptop', async ({ browser }) => {
  const first = await importWith('1972-05-06', 'Salem');
  expect(first.entry[0].response.outcome.issue[0].diagnostics).toContain('accept or reject');

  const phone = await Device.open(browser, clinic, { width: 390, height: 844 });
  await phone.signIn('desk.demo');
  await phone.openPatient('Hermiston, Asa');
  const review = phone.page.getByTestId('demographics-review');
  await expect(review).toBeVisible();
  await expect(review.getByRole('row', { name: /Birth date/ })).toContainText('1971-03-03');
  await expect(review.getByRole('row', { name: /Birth date/ })).toContainText('1972-05-06');
  await expect(review.getByRole('row', { name: /Town \/ village/ })).toContainText('Salem');
  await shot(phone.page, 'phone-demographics-review');
  await review.getByRole('button', { name: 'Keep the record as it is' }).click();
  await expect(review).toBeHidden();
  await expect(phone.page.getByTestId('patient-address')).not.toContainText('Salem');
  await phone.waitSynced();
  await phone.close();

  await importWith('1971-03-04', 'Peabody');
  const laptop = await Device.open(browser, clinic, { width: 1280, height: 860 });
  await laptop.signIn('dr.demo');
  await laptop.openPatient('Hermiston, Asa');
  const second = laptop.page.getByTestId('demographics-review');
  // The rejected proposal stays decided; only the new one is shown, and only the birth date differs now.
  await expect(second.getByRole('row', { name: /Birth date/ })).toContainText('1971-03-04');
  await expect(second.getByRole('row', { name: /Town/ })).toHaveCount(0);
  await shot(laptop.page, 'laptop-demographics-review');
  await second.getByRole('button', { name: 'Accept imported details' }).click();
  await expect(second).toBeHidden();
  await expect(laptop.page.getByRole('region', { name: 'Patient', exact: true })).toContainText('Mar 4, 1971');
  await expect(laptop.page.getByRole('region', { name: 'Patient', exact: true })).toContainText('by Dr');
  await laptop.close();
});
