import { expect, test } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';
import { dumpIndexedDb, plantDumpControl, removeDumpControl, splitControl, storesHolding } from './support/indexeddb-dump';
import { MARKS, seedPortalPatient } from '../server/portal/portal-test-support';

/**
 * Journey: the front desk invites a patient to their record; the patient
 * sets up the account on a phone (390 px), reads the record in plain
 * language, reloads it with no network, and is refused when trying another
 * patient's record or a staff screen.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const PATIENT_PASSWORD = 'a long walk to the well';

test('desk invites, patient activates on a phone, reads the record online and offline, and is refused elsewhere', async ({ browser }) => {
  test.setTimeout(90_000);
  // A patient whose chart holds what a patient may see and what they must not (a draft note, a staff comment, a preliminary result).
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const own = { id: 'c5d6e7f8-0000-4000-8000-000000000001', family: 'Wanjiru', given: 'Neema', birthDate: '1988-09-17' };
  await seedPortalPatient(clinic, clinicId, own.id, own);
  const other = clinic.db.prepare('SELECT id, family FROM patients WHERE id != ? ORDER BY family LIMIT 1').get(own.id) as { id: string; family: string };

  // The desk opens the patient's chart and issues an invitation.
  const desk = await Device.open(browser, clinic);
  await desk.signIn('desk.demo');
  await desk.visit(`/patients/${own.id}`);
  const card = desk.page.getByTestId('portal-access');
  await card.getByRole('heading', { name: 'Patient account' }).click();
  await expect(card).toContainText('No one reads this record online yet.');
  await card.getByTestId('portal-invite-self').click();
  const slip = desk.page.getByTestId('portal-invitation-slip');
  await expect(slip.getByRole('img', { name: 'QR code of the invitation link' })).toBeVisible();
  await expect(card).toContainText('invitation not used yet');
  const link = new URL((await slip.getByTestId('portal-invitation-link').getAttribute('href'))!);
  expect(link.pathname).toBe('/activate');
  await slip.scrollIntoViewIfNeeded();
  await desk.page.screenshot({ path: '/tmp/portal-invite-1280.png' });
  await expectAccessible(desk.page, 'chart with the patient-account card');
  await desk.page.setViewportSize({ width: 390, height: 844 });
  await slip.scrollIntoViewIfNeeded();
  await card.screenshot({ path: '/tmp/portal-invite-390.png' });
  expect(await desk.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // The patient opens the link on a phone (its own device and network).
  const phone = await Device.open(browser, clinic, { width: 390, height: 844 });
  const { page } = phone;
  await page.goto(`${link.pathname}${link.hash}`);
  await expect(page.getByRole('heading', { name: 'Set up your health record account' })).toBeVisible();
  // The secret leaves the address bar once read.
  expect(new URL(page.url()).hash).toBe('');
  await page.getByLabel('Date of birth of the patient').fill('1901-01-01');
  await page.getByLabel('Choose a username').fill('my.record');
  await page.getByLabel('Choose a password').fill(PATIENT_PASSWORD);
  await page.getByLabel('Type the password again').fill(PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Set up my account' }).click();
  await expect(page.getByTestId('activate-error')).toHaveText('That date of birth does not match our records. 4 tries left.');
  await page.getByLabel('Date of birth of the patient').fill(own.birthDate);
  await page.getByRole('button', { name: 'Set up my account' }).click();
  await expect(page.getByTestId('activate-done')).toContainText('my.record');
  await expectAccessible(page, 'activation');
  await page.screenshot({ path: '/tmp/portal-activate-390.png', fullPage: true });

  // Signs in and reads the record.
  await page.getByRole('link', { name: 'Sign in to my record' }).click();
  await page.getByLabel('Username').fill('my.record');
  await page.getByLabel('Password').fill(PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'My health record', level: 1 })).toBeVisible();
  const record = page.getByTestId('my-record');
  await expect(record).toContainText(`${own.given} ${own.family}`);
  await expect(page.getByTestId('my-allergies').getByRole('heading', { name: 'Allergies' })).toBeVisible();
  await expect(page.getByTestId('my-allergies')).toContainText('Penicillin');
  await expect(page.getByTestId('my-results')).toContainText('Haemoglobin');
  await expect(page.getByTestId('my-results')).toContainText('Below the usual range');
  await expect(page.getByTestId('my-results')).toContainText('Usual range: 12–15.5');
  await expect(page.getByTestId('my-notes')).toContainText(MARKS.signedNote);
  // What the chart holds but a patient is not shown (the signed note above proves the notes are there to see).
  for (const hidden of [MARKS.draftNote, MARKS.staffComment, MARKS.preliminary]) await expect(record).not.toContainText(hidden);
  await expect(page.getByRole('link', { name: 'Patients', exact: true })).toHaveCount(0);
  await expectAccessible(page, 'my health record, phone');
  await page.screenshot({ path: '/tmp/portal-record-390.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.screenshot({ path: '/tmp/portal-record-1280.png', fullPage: true });
  await expectAccessible(page, 'my health record, desk width');
  await page.setViewportSize({ width: 390, height: 844 });
  await phone.waitForServiceWorker();

  // No network: a reload still shows the record, from the sealed copy on the phone.
  await phone.offline();
  await page.goto('/my');
  await phone.unlock(PATIENT_PASSWORD);
  await expect(page.getByTestId('my-record-offline')).toContainText('You are offline.');
  await expect(page.getByTestId('my-record')).toContainText(`${own.given} ${own.family}`);
  await page.screenshot({ path: '/tmp/portal-offline-390.png', fullPage: true });
  // The copy on the phone is sealed: a raw dump of IndexedDB holds neither the name nor the note
  // (positive control: the same dump finds the name planted in the clear).
  const planted = await plantDumpControl(page, own.family);
  const { control, app: stored } = splitControl(await dumpIndexedDb(page));
  await removeDumpControl(page);
  expect(storesHolding(control, own.family)).toEqual(planted);
  expect(stored.length).toBeGreaterThan(0);
  for (const secret of [own.family, 'ankle sprain', 'Penicillin']) expect(storesHolding(stored, secret)).toEqual([]);
  await phone.online();

  // Another patient's record, the patient list and the staff FHIR API: all refused by the server.
  const answers = await page.evaluate(async ([mine, theirs]) => {
    const status = async (path: string) => (await fetch(path, { credentials: 'same-origin' })).status;
    return {
      ownRecord: await status(`/api/portal/records/${mine}`),
      otherRecord: await status(`/api/portal/records/${theirs}`),
      patientList: await status('/api/patients'),
      fhir: await status(`/fhir/R4/Patient/${mine}/$everything`)
    };
  }, [own.id, other.id]);
  expect(answers).toEqual({ ownRecord: 200, otherRecord: 403, patientList: 403, fhir: 403 });

  // A staff screen's address sends the patient back to their own record.
  await page.goto(`/patients/${other.id}`);
  await phone.unlock(PATIENT_PASSWORD);
  await expect(page).toHaveURL(/\/my$/);
  await expect(page.getByTestId('my-record')).toContainText(`${own.given} ${own.family}`);
  await expect(page.getByTestId('my-record')).not.toContainText(other.family);

  await phone.close();
  await desk.close();
});
