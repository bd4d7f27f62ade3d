import { expect, test } from '@playwright/test';
import { listEncounters, signedNote } from '../src/lib/chart/chart-doc';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: with no network, a doctor writes a visit note, finds it in the
 * unsigned-notes worklist, signs it and adds an addendum. The worklist no
 * longer lists it. When the network returns the server holds the signature,
 * the text as signed and the addendum.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

test('write and sign a note offline, add an addendum; the worklist follows and the server gets it all', async ({ browser }) => {
  const dr = await Device.open(browser, clinic);
  const { page } = dr;
  await dr.signIn('dr.demo');
  // Offline next: the worker must control the page, or a screen not yet loaded cannot be.
  await dr.waitForServiceWorker();
  const name = (await page.getByTestId('patient-link').first().textContent())!.trim();
  const chartPath = new URL(await dr.openPatient(name)).pathname;
  const patientId = chartPath.split('/patients/')[1];

  await dr.offline();
  await page.getByLabel('Reason for visit').fill('Ankle sprain');
  await page.getByRole('button', { name: 'Start visit' }).click();
  await page.getByLabel('Subjective').pressSequentially('Twisted left ankle yesterday.');
  await page.getByLabel('Plan').pressSequentially('Rest, ice, compression.');
  const visitPath = new URL(page.url()).pathname;
  const encounterId = visitPath.split('/visit/')[1];
  await expect(page.getByTestId('note-status')).toHaveText('Draft');

  // The draft is in the worklist on the home page.
  await page.getByRole('link', { name: 'Patients', exact: true }).click();
  const draft = page.getByTestId('unsigned-note').filter({ hasText: 'Ankle sprain' });
  await expect(draft).toContainText('Draft started');
  await expect(draft).toContainText('Yours');
  await page.getByTestId('unsigned-notes').screenshot({ path: '/tmp/unsigned-notes.png' });
  await draft.getByRole('link').click();
  await expect(page.getByLabel('Subjective')).toHaveValue('Twisted left ankle yesterday.');

  // Sign, still offline: the note locks and shows the text as signed.
  await page.getByRole('button', { name: 'Sign note…' }).click();
  await page.getByRole('button', { name: 'Sign note', exact: true }).click();
  await expect(page.getByTestId('note-status')).toContainText('Signed by Dr. Amara Okafor');
  await expect(page.getByLabel('Plan')).toHaveJSProperty('readOnly', true);
  await expect(page.getByLabel('Plan')).toHaveValue('Rest, ice, compression.');

  // An addendum after signing: its own text, author and time.
  await page.getByRole('button', { name: 'Add addendum…' }).click();
  await page.getByLabel('Addendum', { exact: true }).fill('X-ray reviewed: no fracture.');
  await page.getByRole('button', { name: 'Sign addendum' }).click();
  const addendum = page.getByTestId('addendum');
  await expect(addendum).toContainText('X-ray reviewed: no fracture.');
  await expect(addendum).toContainText('Addendum signed by Dr. Amara Okafor');
  await page.screenshot({ path: '/tmp/note-addendum-laptop.png', fullPage: true });
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.screenshot({ path: '/tmp/note-addendum-tablet.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });

  // The worklist no longer shows it.
  await page.getByRole('link', { name: 'Patients', exact: true }).click();
  await expect(page.getByTestId('unsigned-notes')).toBeVisible();
  await expect(page.getByTestId('unsigned-notes')).not.toContainText('Checking charts');
  await expect(page.getByTestId('unsigned-note').filter({ hasText: 'Ankle sprain' })).toHaveCount(0);

  // Nothing has reached the server yet; on reconnect the signature and addendum arrive.
  const early = await serverDoc(clinic, `chart:${patientId}`);
  expect(early && listEncounters(early).some((e) => e.id === encounterId)).toBeFalsy();
  await dr.online();
  await dr.waitSynced();
  const chart = await serverDoc(clinic, `chart:${patientId}`);
  const signed = signedNote(chart!, encounterId);
  expect(signed?.signature).toMatchObject({ by: 'Dr. Amara Okafor' });
  expect(signed?.record.subjective).toBe('Twisted left ankle yesterday.');
  expect(signed?.addenda.map((a) => [a.text, a.by])).toEqual([['X-ray reviewed: no fracture.', 'Dr. Amara Okafor']]);
  expect(signed?.lateEdits).toEqual([]);

  await dr.close();
});

test('text typed on a device that had not seen the signature is shown as late, not as the signed record', async ({ browser }) => {
  const dr = await Device.open(browser, clinic);
  const nurse = await Device.open(browser, clinic);
  await dr.signIn('dr.demo');
  await nurse.signIn('nurse.demo');
  const name = (await dr.page.getByTestId('patient-link').nth(1).textContent())!.trim();
  await dr.openPatient(name);
  await dr.page.getByLabel('Reason for visit').fill('Sore throat');
  await dr.page.getByRole('button', { name: 'Start visit' }).click();
  await dr.page.getByLabel('Subjective').pressSequentially('Sore throat for two days.');
  const visitPath = new URL(dr.page.url()).pathname;
  await dr.waitSynced();
  await nurse.visit(visitPath);
  await expect(nurse.page.getByLabel('Subjective')).toHaveValue('Sore throat for two days.');
  await nurse.waitSynced();

  // The nurse's laptop drops off and she keeps typing into what it still shows as a draft; the doctor signs meanwhile.
  await nurse.offline();
  await nurse.page.getByLabel('Objective').pressSequentially('Temp 38.4 C.');
  await dr.page.getByRole('button', { name: 'Sign note…' }).click();
  await dr.page.getByRole('button', { name: 'Sign note', exact: true }).click();
  await expect(dr.page.getByTestId('note-status')).toContainText('Signed by Dr. Amara Okafor');
  await dr.waitSynced();

  await nurse.online();
  await nurse.waitSynced();

  // The doctor's open note: the signed text is unchanged and the late text is flagged for review.
  const late = dr.page.getByTestId('late-edits');
  await expect(late).toContainText('Text arrived after signing');
  await expect(late).toContainText('Temp 38.4 C.');
  await expect(dr.page.getByLabel('Objective')).toHaveValue('');
  await dr.page.screenshot({ path: '/tmp/note-late-edits.png', fullPage: true });

  // It is on the doctor's worklist until dealt with: added as an addendum, then marked reviewed.
  await late.getByRole('button', { name: 'Add as addendum…' }).click();
  await expect(dr.page.getByLabel('Addendum', { exact: true })).toHaveValue(/Temp 38\.4 C\./);
  await dr.page.getByRole('button', { name: 'Sign addendum' }).click();
  await expect(dr.page.getByTestId('addendum')).toContainText('Temp 38.4 C.');
  await dr.page.getByRole('link', { name: 'Patients', exact: true }).click();
  await expect(dr.page.getByTestId('unsigned-note').filter({ hasText: 'Sore throat' })).toContainText('text arrived after signing');
  await dr.page.getByTestId('unsigned-note').filter({ hasText: 'Sore throat' }).getByRole('link').click();
  await dr.page.getByTestId('late-edits').getByRole('button', { name: 'Mark reviewed' }).click();
  await expect(dr.page.getByTestId('late-edits')).toHaveCount(0);
  await dr.page.getByRole('link', { name: 'Patients', exact: true }).click();
  await expect(dr.page.getByTestId('unsigned-notes')).not.toContainText('Checking charts');
  await expect(dr.page.getByTestId('unsigned-note').filter({ hasText: 'Sore throat' })).toHaveCount(0);

  await dr.close();
  await nurse.close();
});
