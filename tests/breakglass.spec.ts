import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { hashPassword } from '../server/auth/password';
import { createClinic, createUser, listClinics } from '../server/store/users';
import { addCondition, initChartDoc } from '../src/lib/chart/chart-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { newMrn } from '../src/lib/domain/patient';
import { expectAccessible } from './support/axe';
import { DEMO_PASSWORD, Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician of another clinic on the same server opens a patient
 * of the demo clinic with emergency access. Without a reason nothing opens;
 * with one the record shows under a banner with the time left; the
 * clinician's administrator sees it in the review list and marks it reviewed.
 */
let clinic: Clinic;
let patientId: string;

test.beforeAll(async () => {
  clinic = await startClinic();
  const demoClinic = listClinics(clinic.db)[0];
  // Password-only sign-in in this clinic (the second factor has journeys of its own).
  const hillside = createClinic(clinic.db, { name: 'Hillside Clinic', secondFactorRoles: [] });
  const hash = await hashPassword(DEMO_PASSWORD);
  createUser(clinic.db, { clinicId: hillside.id, username: 'dr.hill', name: 'Dr Hill', roles: ['clinician'], passwordHash: hash });
  createUser(clinic.db, { clinicId: hillside.id, username: 'admin.hill', name: 'Admin Hill', roles: ['admin'], passwordHash: hash });
  const author = createUser(clinic.db, { clinicId: demoClinic.id, username: 'dr.seed', name: 'Dr Seed', roles: ['clinician'], passwordHash: hash });
  patientId = crypto.randomUUID();
  const p = new Y.Doc();
  initPatientDoc(p, patientId, { family: 'Okafor', given: ['Ada'], birthDate: '1980-02-03', gender: 'female' }, { id: author.id, name: 'Dr Seed' }, newMrn());
  await clinic.sync.applyServerUpdate(`patient:${patientId}`, demoClinic.id, Y.encodeStateAsUpdate(p), author.id);
  const chart = new Y.Doc();
  initChartDoc(chart, patientId);
  addCondition(chart, { text: 'Type 1 diabetes mellitus', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E10.9' }] }, { id: author.id, name: 'Dr Seed' });
  await clinic.sync.applyServerUpdate(`chart:${patientId}`, demoClinic.id, Y.encodeStateAsUpdate(chart), author.id);
});
test.afterAll(async () => {
  await clinic.stop();
});

for (const viewport of [
  { width: 1280, height: 860 },
  { width: 390, height: 844 }
]) {
  test(`emergency access needs a reason, then opens the record under a banner (${viewport.width} px)`, async ({ browser }) => {
    const dr = await Device.open(browser, clinic, viewport);
    await dr.signIn('dr.hill');
    await dr.visit('/emergency-access');
    const { page } = dr;
    await expect(page.getByRole('heading', { name: 'Emergency access', level: 1 })).toBeVisible();
    await expectAccessible(page, 'emergency access');
    await page.getByLabel('Patient record ID').fill(patientId);
    await page.getByLabel('Reason for emergency access').fill('urgent');
    await page.getByRole('button', { name: 'Open with emergency access' }).click();
    await expect(page.getByRole('alert')).toHaveText('State why you need emergency access (at least 20 characters).');
    await expect(page.getByTestId('breakglass-banner')).toHaveCount(0);
    await expect(page.getByTestId('breakglass-record')).toHaveCount(0);

    await page.getByLabel('Reason for emergency access').fill('Found unconscious in our waiting room; needs her diabetes history');
    await page.getByRole('button', { name: 'Open with emergency access' }).click();
    await expect(page.getByTestId('breakglass-banner')).toContainText(/Emergency access: (60|59) min left/);
    const record = page.getByTestId('breakglass-record');
    await expect(record.getByRole('heading', { name: 'Okafor, Ada' })).toBeVisible();
    await expect(record).toContainText('Type 1 diabetes mellitus');
    await expectAccessible(page, 'emergency access open');
    await page.screenshot({ path: `test-results/screens/breakglass-open-${viewport.width}.png`, fullPage: true });
    await dr.close();
  });
}

test('the administrator of the clinician\'s clinic reviews the emergency access', async ({ browser }) => {
  const admin = await Device.open(browser, clinic, { width: 390, height: 844 });
  await admin.signIn('admin.hill');
  await admin.visit('/emergency-access/reviews');
  const { page } = admin;
  const items = page.getByTestId('breakglass-review');
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText('Dr Hill');
  await expect(items.first()).toContainText('Found unconscious in our waiting room; needs her diabetes history');
  await expectAccessible(page, 'emergency access reviews');
  await items.first().getByRole('button', { name: 'Mark reviewed' }).click();
  await expect(items.first()).toContainText('Reviewed by Admin Hill');
  await page.screenshot({ path: 'test-results/screens/breakglass-reviews-390.png', fullPage: true });
  await admin.close();
});
