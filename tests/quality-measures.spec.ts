import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { addCondition, addEncounter, initChartDoc } from '../src/lib/chart/chart-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { recordVitals } from '../src/lib/chart/vitals-doc';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician opens Quality measures, reads the not-certified
 * notice, picks 2025 and one provider, sees CMS165's rate, opens the
 * numerator's patient list and from it the patient's chart; downloads the
 * rates as CSV; and, with the network gone, gets the same rate computed on
 * the device from the synced charts. At a phone's and a laptop's width,
 * axe-clean, with screenshots.
 *
 * Three patients are added to the demo clinic, each seen in 2025 by a
 * provider no demo record names, so the provider filter isolates them:
 * controlled (128/78), uncontrolled (150/95), and one excluded for
 * end-stage renal disease.
 */
const PROVIDER = 'Dr. Zawadi Njeri';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const PATIENTS = [
  { id: '5a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c01', family: 'Wanjiru', given: 'Imani', bp: [128, 78], esrd: false },
  { id: '5a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c02', family: 'Otieno', given: 'Baraka', bp: [150, 95], esrd: false },
  { id: '5a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c03', family: 'Achieng', given: 'Neema', bp: null, esrd: true }
] as const;

let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const actor = { id: 'seed', name: PROVIDER };
  for (const [i, p] of PATIENTS.entries()) {
    const patient = new Y.Doc();
    initPatientDoc(patient, p.id, { family: p.family, given: [p.given], birthDate: '1962-03-0' + (i + 1), gender: i === 1 ? 'male' : 'female' }, actor, `MQ-${i + 1}`);
    const chart = new Y.Doc();
    initChartDoc(chart, p.id);
    addCondition(chart, { text: 'Essential hypertension', coding: [{ system: ICD10, code: 'I10' }], onsetDate: '2019-01-01' }, actor);
    if (p.esrd) addCondition(chart, { text: 'End stage renal disease', coding: [{ system: ICD10, code: 'N18.6' }], onsetDate: '2022-01-01' }, actor);
    addEncounter(chart, { type: 'Office visit', start: `2025-0${i + 3}-10T09:00:00.000Z` }, actor);
    if (p.bp) recordVitals(chart, { systolic: p.bp[0], diastolic: p.bp[1] }, actor, `2025-0${i + 3}-10T09:05:00.000Z`);
    await clinic.sync.applyServerUpdate(`patient:${p.id}`, clinicId, Y.encodeStateAsUpdate(patient), 'seed', 'seed');
    await clinic.sync.applyServerUpdate(`chart:${p.id}`, clinicId, Y.encodeStateAsUpdate(chart), 'seed', 'seed');
  }
});
test.afterAll(async () => {
  await clinic.stop();
});

for (const size of [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 860 }
]) {
  test(`quality measures: rate, drill-down to the chart, CSV, offline (${size.width}px)`, async ({ browser }, testInfo) => {
    test.setTimeout(90_000);
    const dr = await Device.open(browser, clinic, size);
    const { page } = dr;
    await dr.signIn('dr.demo');
    if (size.width === 390) await page.goto('/measures').then(() => dr.unlock());
    else {
      // One header entry for the views across patients; the page's tabs lead to each.
      await page.getByRole('link', { name: 'Population health' }).click();
      await page.getByRole('navigation', { name: 'Population health views' }).getByRole('link', { name: 'Quality measures' }).click();
    }
    await expect(page.getByRole('heading', { name: 'Quality measures', level: 1 })).toBeVisible();
    await expect(page.getByTestId('measures-not-certified')).toContainText('Not certified eCQM results');
    await expect(page.getByTestId('measures-not-certified')).toContainText('Not evaluated: denominator exceptions');

    await page.getByLabel('Year', { exact: true }).selectOption('2025');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page.getByLabel('Provider', { exact: true })).toContainText(PROVIDER);
    await page.getByLabel('Provider', { exact: true }).selectOption(PROVIDER);
    await page.getByRole('button', { name: 'Show' }).click();

    await expect(page.getByTestId('rate-CMS165-main')).toHaveText('50.0%');
    await expect(page.getByTestId('pop-CMS165-main-initialPopulation')).toContainText('3');
    await expect(page.getByTestId('pop-CMS165-main-denominatorExclusion')).toContainText('1');
    // CMS138 needs two visits (or a preventive one): one office visit each, so nobody.
    await expect(page.getByTestId('rate-CMS138-screened')).toHaveText('No patients to count');

    await page.getByTestId('pop-CMS165-main-denominatorExclusion').click();
    await expect(page.getByTestId('measures-patient')).toHaveCount(1);
    await expect(page.getByTestId('measures-patient')).toContainText('Neema Achieng');
    await page.getByTestId('pop-CMS165-main-numerator').click();
    await expect(page.getByTestId('measures-list').getByRole('heading')).toHaveText('CMS165 · Numerator');
    await expect(page.getByTestId('measures-patient')).toHaveCount(1);
    await expect(page.getByTestId('measures-patient')).toContainText('Imani Wanjiru');
    await expect(page.getByTestId('measures-patient')).toContainText('MQ-1');

    await expectAccessible(page, `quality measures ${size.width}px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the measures screen overflows horizontally').toBeLessThanOrEqual(0);
    await page.screenshot({ path: `/tmp/measures-${size.width}.png`, fullPage: true });
    await page.screenshot({ path: testInfo.outputPath(`measures-${size.width}.png`), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('measures-csv').click()]);
    const lines = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(lines[0]).toMatch(/^"# Not certified eCQM results/);
    expect(lines).toContain(`CMS165,CMS165v13,Blood pressure < 140/90,2025-01-01,2025-12-31,${PROVIDER},3,3,1,1,50.0`);
    expect(download.suggestedFilename()).toBe('quality-measures-summary-2025-01-01-2025-12-31.csv');

    // No network: the same numbers from the charts synced to this device, and the page says so.
    await dr.offline();
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page.getByTestId('measures-device')).toContainText('computed on this device');
    await expect(page.getByTestId('rate-CMS165-main')).toHaveText('50.0%');
    await expect(page.getByTestId('pop-CMS165-main-numerator')).toContainText('1');
    if (size.width === 390) await page.screenshot({ path: '/tmp/measures-offline-390.png', fullPage: true });
    await dr.online();

    // From the list to the chart.
    await page.getByTestId('pop-CMS165-main-numerator').click();
    await page.getByTestId('measures-patient').getByRole('link').click();
    await expect(page.getByTestId('patient-name')).toHaveText('Wanjiru, Imani');
    await dr.close();
  });
}
