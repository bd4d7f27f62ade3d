import * as Y from 'yjs';
import { expect, test } from '@playwright/test';
import { addMedication } from '../src/lib/chart/clinical-doc';
import { listIntakeResponses } from '../src/lib/chart/intake-doc';
import { listAllergies } from '../src/lib/chart/chart-doc';
import { expectAccessible } from './support/axe';
import { DEMO_PASSWORD, Device, serverDoc, startClinic, type Clinic } from './support/clinic';
import { seedPortalPatient } from '../server/portal/portal-test-support';
import { sessionCookieFor } from '../server/http/test-app';

/**
 * Journey: a patient fills the pre-visit form on a phone (360 px): the
 * reason, their medicines and allergies checked (one stopped, one allergy
 * added), the mood questions going on from PHQ-2 to PHQ-9 with the
 * self-harm item answered, the worry questions skipped. The clinician opens
 * the chart, sees the form as patient-reported with the urgent flag and the
 * scores, and adds the stated allergy: it is in the chart's allergies.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const PASSWORD = 'rain over the valley';

test('patient fills the pre-visit form; the clinician sees it, flagged, and adds the stated allergy to the chart', async ({ browser }) => {
  test.setTimeout(120_000);
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const own = { id: 'e7f8a9b0-0000-4000-8000-000000000001', family: 'Chebet', given: 'Amani', birthDate: '1986-11-30' };
  await seedPortalPatient(clinic, clinicId, own.id, own);
  // A medicine on the record for the patient to check.
  const chart = (await serverDoc(clinic, `chart:${own.id}`))!;
  const sv = Y.encodeStateVector(chart);
  addMedication(chart, { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: 'Metformin 500 mg' }, dosageText: 'Twice a day' }, { id: 'seed', name: 'Dr Seed' });
  await clinic.sync.applyServerUpdate(`chart:${own.id}`, clinicId, Y.encodeStateAsUpdate(chart, sv), 'seed', 'seed');
  const desk = await sessionCookieFor(clinic.url, 'desk.demo', DEMO_PASSWORD);
  const inv = await fetch(`${clinic.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: desk }, body: JSON.stringify({ relation: 'self', patientId: own.id }) });
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${clinic.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: own.birthDate, username: 'amani', password: PASSWORD }) });
  expect(act.status).toBe(201);

  // ── The patient, on a small phone ──
  const phone = await Device.open(browser, clinic, { width: 360, height: 780 });
  const { page } = phone;
  await page.goto('/');
  await page.getByLabel('Username').fill('amani');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const intake = page.getByTestId('intake');
  await expect(intake.getByRole('heading', { name: 'Before your visit' })).toBeVisible();
  await intake.getByTestId('intake-start').click();
  const step = intake.getByTestId('intake-step');
  await expect(step).toHaveText('Step 1 of 6');
  await expect(intake.getByRole('heading', { name: 'Why you are coming' })).toBeFocused();
  await intake.getByLabel('What would you like to talk about at your visit?').fill('Cough for two weeks');
  await intake.getByTestId('intake-next').click();

  await expect(step).toHaveText('Step 2 of 6');
  const metformin = intake.getByRole('group', { name: /Metformin 500 mg/ });
  await metformin.getByLabel('I stopped taking it').check();
  await expectAccessible(page, 'pre-visit form, medicines, phone');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await intake.screenshot({ path: '/tmp/intake-meds-360.png' });
  await intake.getByTestId('intake-next').click();

  await expect(step).toHaveText('Step 3 of 6');
  await intake.getByRole('group', { name: /Penicillin/ }).getByLabel('Yes, I still have it').check();
  await intake.getByTestId('intake-add-allergy').click();
  await intake.getByLabel('What are you allergic to?').fill('Sulfa drugs');
  await intake.getByLabel('What happens? (if you know)').fill('Rash');
  await intake.getByTestId('intake-next').click();

  await expect(step).toHaveText('Step 4 of 6');
  // PHQ-2: two questions only, until they add up to 3 or more.
  await expect(intake.getByRole('group')).toHaveCount(2);
  const answer = (n: RegExp, choice: string) => intake.getByRole('group', { name: n }).getByLabel(choice, { exact: true }).check();
  await answer(/^1\. Little interest/, 'More than half the days');
  await intake.getByTestId('intake-next').click();
  await expect(intake.getByTestId('intake-error')).toHaveText('Please answer each question, or choose not to answer this part.');
  await answer(/^2\. Feeling down/, 'Several days');
  await expect(intake.getByRole('group')).toHaveCount(9);
  for (const [q, choice] of [
    [/^3\. Trouble falling/, 'Several days'],
    [/^4\. Feeling tired/, 'More than half the days'],
    [/^5\. Poor appetite/, 'Not at all'],
    [/^6\. Feeling bad/, 'Several days'],
    [/^7\. Trouble concentrating/, 'Not at all'],
    [/^8\. Moving or speaking/, 'Not at all']
  ] as const) await answer(q, choice);
  await expect(intake.getByTestId('intake-crisis')).toHaveCount(0);
  await answer(/^9\. Thoughts that you would be better off dead/, 'Several days');
  await expect(intake.getByTestId('intake-crisis')).toContainText('If you are thinking about hurting yourself, please get help now');
  await expectAccessible(page, 'pre-visit form, mood, phone');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.screenshot({ path: '/tmp/intake-mood-360.png', fullPage: true });
  await intake.getByTestId('intake-next').click();

  await expect(step).toHaveText('Step 5 of 6');
  await intake.getByLabel('I prefer not to answer these questions').check();
  await intake.getByTestId('intake-next').click();
  await expect(step).toHaveText('Step 6 of 6');
  await expectAccessible(page, 'pre-visit form, review, phone');
  await intake.screenshot({ path: '/tmp/intake-review-360.png' });
  await intake.getByTestId('intake-send').click();
  await expect(intake.getByTestId('intake-sent')).toHaveText('Thank you. Your form was sent to the clinic.');

  // Kept in the chart with the server's scores: 2+1+1+2+0+1+0+0+1 = 8, mild; item 9 flagged.
  const kept = listIntakeResponses((await serverDoc(clinic, `chart:${own.id}`))!);
  expect(kept).toHaveLength(1);
  expect(kept[0]).toMatchObject({ reason: 'Cough for two weeks', phq: { phq2: 3, phq9: 8, phq9Band: 'mild', selfHarm: true }, gad7: null, flags: ['self-harm'] });

  // Offline: the form opens from the copy sealed on the phone, waits in the outbox, and goes when the network is back.
  await phone.waitForServiceWorker();
  // The questions load when Start is pressed: that code, like every script this page loaded, is in the service worker's precache.
  const precache = await page.evaluate(async () => {
    const scripts = [...new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/_app/') && p.endsWith('.js')))];
    const missing: string[] = [];
    for (const p of scripts) if (!(await caches.match(p, { ignoreSearch: true }))) missing.push(p);
    return { scripts: scripts.length, missing };
  });
  expect(precache.missing).toEqual([]);
  expect(precache.scripts).toBeGreaterThan(10);
  await phone.offline();
  // A new page load with no network: the record opens from the phone, and so does the form.
  await page.goto('/my');
  await phone.unlock(PASSWORD);
  await expect(page.getByTestId('my-record-offline')).toContainText('You are offline.');
  await intake.getByTestId('intake-start').click();
  await expect(intake).toContainText('You are offline. You can fill in the form now; it will be sent when you are online.');
  await intake.getByLabel('What would you like to talk about at your visit?').fill('Also my knee');
  await intake.getByTestId('intake-next').click();
  await expect(intake.getByRole('group', { name: /Metformin 500 mg/ })).toBeVisible();
  await intake.getByTestId('intake-next').click();
  await intake.getByTestId('intake-next').click();
  await intake.getByLabel('I prefer not to answer these questions').check();
  await intake.getByTestId('intake-next').click();
  await intake.getByLabel('I prefer not to answer these questions').check();
  await intake.getByTestId('intake-next').click();
  await intake.getByTestId('intake-send').click();
  await expect(intake.getByTestId('intake-waiting')).toHaveText('Your form will be sent when you are online.');
  expect(listIntakeResponses((await serverDoc(clinic, `chart:${own.id}`))!)).toHaveLength(1);
  await phone.online();
  await expect(intake.getByTestId('intake-waiting')).toHaveCount(0);
  await expect.poll(async () => listIntakeResponses((await serverDoc(clinic, `chart:${own.id}`))!).map((r) => r.reason)).toEqual(['Also my knee', 'Cough for two weeks']);
  await phone.close();

  // ── The clinician, at a desk ──
  const desktop = await Device.open(browser, clinic);
  await desktop.signIn('dr.demo');
  await desktop.visit(`/patients/${own.id}`);
  const card = desktop.page.getByTestId('intake-card');
  await expect(card.getByRole('heading', { name: 'Pre-visit form' })).toBeVisible();
  await expect(card).toContainText('Patient-reported');
  // The newest form (sent offline) is shown; the earlier form's self-harm answer stays flagged at the top.
  await expect(card.getByTestId('intake-reason-shown')).toHaveText('Also my knee');
  const urgent = card.getByTestId('intake-urgent');
  await expect(urgent).toContainText('Urgent — review today: in the form sent');
  await expect(urgent).toContainText('the patient answered PHQ-9 item 9 (thoughts of being better off dead or of self-harm) with “Several days”. Assess suicide risk.');
  await urgent.getByRole('button', { name: 'Show this form' }).click();
  await expect(card.getByTestId('intake-scores')).toContainText('3 of 6 · positive screen');
  await expect(card.getByTestId('intake-scores')).toContainText('8 of 27 · mild');
  await expect(card.getByTestId('intake-scores')).toContainText('Not answered (patient chose to skip)');
  await expect(card.getByTestId('intake-reason-shown')).toHaveText('Cough for two weeks');
  await expect(card.getByTestId('intake-med-statement')).toContainText('Metformin 500 mg · says stopped');
  // Nothing enters the chart on its own.
  await expect(desktop.page.getByTestId('allergies')).not.toContainText('Sulfa drugs');
  await expectAccessible(desktop.page, 'chart with the pre-visit form');
  await card.screenshot({ path: '/tmp/intake-card-1280.png' });

  await card.getByTestId('intake-new-allergy').getByTestId('intake-accept-allergy').click();
  await expect(card.getByTestId('intake-new-allergy').getByTestId('intake-decision')).toContainText('Added by Dr. Amara Okafor');
  await expect(desktop.page.getByTestId('allergies')).toContainText('Sulfa drugs');
  await desktop.waitSynced();
  const allergies = listAllergies((await serverDoc(clinic, `chart:${own.id}`))!);
  expect(allergies.find((a) => a.code.text === 'Sulfa drugs')).toMatchObject({ category: 'medication', verificationStatus: 'unconfirmed', reaction: 'Rash', createdBy: 'Dr. Amara Okafor' });
  await desktop.page.screenshot({ path: '/tmp/intake-chart-1280.png', fullPage: false });
  await desktop.close();
});
