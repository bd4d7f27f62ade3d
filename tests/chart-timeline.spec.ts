import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { initChartDoc } from '../src/lib/chart/chart-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { docName } from '../src/lib/domain/doc-names';
import { seedTwentyYearPatient } from '../bench/twenty-year-chart';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journeys: a clinician opens a 20-year chart, reads the summary, and
 * scrolls and filters its whole timeline, which keeps only a screenful of
 * rows in the page however long the record; and, on a new patient, records
 * "no known allergies", a care team member and an ICD-10-CM coded problem,
 * then an allergy that ends the statement.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

/** A new patient with an empty chart, written server-side as an import would. */
async function seedEmptyPatient(family: string, given: string): Promise<string> {
  const user = clinic.db.prepare('SELECT id, clinic_id AS clinicId, name FROM users WHERE username = ?').get('dr.demo') as { id: string; clinicId: string; name: string };
  const id = crypto.randomUUID();
  const patient = new Y.Doc();
  initPatientDoc(patient, id, { family, given: [given], birthDate: '1984-09-30', gender: 'male' }, { id: user.id, name: user.name }, 'ZZTEST01X');
  const chart = new Y.Doc();
  initChartDoc(chart, id);
  await clinic.sync.applyServerUpdate(docName('patient', id), user.clinicId, Y.encodeStateAsUpdate(patient), user.id);
  await clinic.sync.applyServerUpdate(docName('chart', id), user.clinicId, Y.encodeStateAsUpdate(chart), user.id);
  return `${family}, ${given}`;
}

test('a 20-year chart: summary at a glance, and a timeline that keeps a bounded number of rows while scrolling and filtering', async ({ browser }) => {
  test.setTimeout(180_000);
  const big = await seedTwentyYearPatient(clinic);
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.openPatient(big.displayName);

  const summary = page.getByTestId('chart-summary');
  await expect(summary.getByTestId('summary-allergy').first()).toContainText('Penicillin G');
  await expect(summary.getByTestId('summary-vitals')).toContainText('mmHg');
  await expect(summary).toContainText('Type 2 diabetes mellitus without complications');
  await summary.screenshot({ path: '/tmp/summary-20y.png' });

  await page.getByRole('link', { name: 'Timeline' }).click();
  await expect(page.getByRole('heading', { name: 'Timeline' })).toBeVisible();
  const timeline = page.getByTestId('timeline');
  const rows = timeline.getByTestId('timeline-row');
  await expect(page.getByTestId('timeline-count')).toHaveText(/^(\d+) of \1 entries$/);
  const total = Number((await page.getByTestId('timeline-count').textContent())!.split(' ')[0]);
  expect(total).toBeGreaterThan(6000);
  const bound = 40;
  expect(await rows.count()).toBeLessThanOrEqual(bound);
  await expect(rows.first()).toContainText('2025');
  await page.screenshot({ path: '/tmp/timeline-20y.png', fullPage: true });

  // Scroll through the middle to the very end: rows are replaced, never accumulated.
  for (const share of [0.25, 0.5, 1]) {
    await timeline.evaluate((el, s) => (el.scrollTop = el.scrollHeight * s), share);
    await expect(async () => expect(await rows.count()).toBeLessThanOrEqual(bound)).toPass();
  }
  await expect(rows.last()).toContainText('2006');

  // Filters: kind, words, dates.
  await page.getByRole('button', { name: /^Allergies \d+/ }).click();
  await expect(page.getByTestId('timeline-count')).toHaveText(`3 of ${total} entries`);
  await page.getByLabel('Search').fill('penic');
  await expect(rows).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('button', { name: /^Visits \d+/ }).click();
  await page.getByLabel('From').fill('2024-01-01');
  await page.getByLabel('To').fill('2024-12-31');
  await expect(page.getByTestId('timeline-count')).toHaveText(/^2[4-8] of \d+ entries$/);
  await expect(rows.first()).toContainText('2024');
  await page.getByLabel('From').fill('2025-01-01');
  await expect(page.getByRole('alert')).toContainText('“From” is after “To”');
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('timeline-count')).toHaveText(`${total} of ${total} entries`);

  // A visit row leads to its note.
  await rows.filter({ hasText: 'signed' }).first().getByRole('link').click();
  await expect(page).toHaveURL(/\/visit\//);

  await page.setViewportSize({ width: 820, height: 1100 });
  await page.goBack();
  await expect(rows.first()).toBeVisible();
  await page.screenshot({ path: '/tmp/timeline-20y-tablet.png' });
  await device.close();
});

test('no known allergies is a dated statement that an allergy ends; care team and an ICD-10-CM coded problem on the summary', async ({ browser }) => {
  const name = await seedEmptyPatient('Quimby', 'Ezra');
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');
  await device.openPatient(name);
  const summary = page.getByTestId('chart-summary');
  const allergies = page.getByTestId('allergies');

  await expect(summary.getByTestId('summary-allergies-not-asked')).toHaveText('Not yet asked');
  await allergies.getByRole('button', { name: 'No known allergies' }).click();
  await expect(allergies.getByTestId('no-known-allergies')).toContainText(/No known allergies\s+stated by .+, \d/);
  await expect(summary.getByTestId('summary-nka')).toContainText('No known allergies');

  const team = summary.getByTestId('care-team');
  await expect(team).toContainText('No one assigned');
  await team.getByRole('button', { name: 'Add team member' }).click();
  await team.getByRole('button', { name: 'Add to team' }).click();
  await expect(team.getByTestId('care-team-member')).toContainText('Primary care physician');
  await team.getByRole('button', { name: 'Add team member' }).click();
  await team.getByLabel('Name').fill('Sam Rivera');
  await team.getByLabel('Role').selectOption('Care coordinator');
  await team.getByLabel('Since').fill('2024-02-10');
  await team.getByRole('button', { name: 'Add to team' }).click();
  await expect(team.getByTestId('care-team-member')).toHaveCount(2);

  const problems = page.getByTestId('problems');
  await problems.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Find a diagnosis (ICD-10-CM)').fill('diab');
  await expect(page.getByTestId('icd10-suggestions').getByRole('option').first()).toContainText('E11.9');
  await page.getByTestId('icd10-suggestions').getByRole('button', { name: /E11\.9/ }).click();
  await expect(page.getByLabel('Problem', { exact: true })).toHaveValue('Type 2 diabetes mellitus without complications');
  await expect(page.getByTestId('picked-icd10')).toContainText('E11.9');
  await problems.getByRole('button', { name: 'Save problem' }).click();
  await expect(problems.getByTestId('problem')).toContainText('E11.9');
  await expect(summary).toContainText('Type 2 diabetes mellitus without complications');
  await summary.screenshot({ path: '/tmp/summary-nka.png' });

  await allergies.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance').fill('Penicillin');
  await page.getByLabel('Reaction severity').selectOption('severe');
  await page.getByRole('button', { name: 'Save allergy' }).click();
  await expect(allergies.getByTestId('no-known-allergies')).toHaveCount(0);
  await expect(summary.getByTestId('summary-allergy')).toContainText('Penicillin');
  await expect(summary.getByTestId('summary-nka')).toHaveCount(0);

  await team.getByRole('button', { name: /Remove Sam Rivera/ }).click();
  await expect(team.getByTestId('care-team-member')).toHaveCount(1);
  await page.screenshot({ path: '/tmp/chart-nka-after.png', fullPage: true });
  await device.close();
});
