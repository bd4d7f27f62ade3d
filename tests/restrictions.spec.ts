import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { hashPassword } from '../server/auth/password';
import { createUser, listClinics } from '../server/store/users';
import { addCondition, initChartDoc, listConditions, listEncounters, noteText } from '../src/lib/chart/chart-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { newMrn } from '../src/lib/domain/patient';
import { expectAccessible } from './support/axe';
import { DEMO_PASSWORD, Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a patient asks that her mental-health care be seen only by her
 * own clinician. Dr Okafor records the restriction (naming herself) and
 * writes a restricted note. Dr Mwangi, of the same clinic but not named,
 * opens the chart: the note is not there, only a plain "part of this record
 * is restricted" marker with the way to emergency access; after breaking
 * the glass with a reason, he reads it, and the access is audited. When
 * the patient withdraws the request, Dr Okafor lifts it with a reason.
 */
const NOTE = 'Low mood for three months after bereavement; started counselling, review in two weeks.';

let clinic: Clinic;
let patientId: string;

test.beforeAll(async () => {
  clinic = await startClinic();
  const demo = listClinics(clinic.db)[0];
  const hash = await hashPassword(DEMO_PASSWORD);
  createUser(clinic.db, { clinicId: demo.id, username: 'dr.mwangi', name: 'Dr Ben Mwangi', roles: ['clinician'], passwordHash: hash });
  const author = { id: 'seed', name: 'Dr Seed' };
  patientId = crypto.randomUUID();
  const p = new Y.Doc();
  initPatientDoc(p, patientId, { family: 'Wanjiru', given: ['Grace'], birthDate: '1988-06-14', gender: 'female' }, author, newMrn());
  await clinic.sync.applyServerUpdate(`patient:${patientId}`, demo.id, Y.encodeStateAsUpdate(p), 'seed', 'seed');
  const chart = new Y.Doc();
  initChartDoc(chart, patientId);
  addCondition(chart, { text: 'Essential hypertension', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] }, author);
  await clinic.sync.applyServerUpdate(`chart:${patientId}`, demo.id, Y.encodeStateAsUpdate(chart), 'seed', 'seed');
});
test.afterAll(async () => {
  await clinic.stop();
});

/** The signed note texts the server holds in the patient's restricted part. */
async function serverRestrictedNotes(): Promise<string[]> {
  const doc = await serverDoc(clinic, `restricted:${patientId}`);
  if (!doc) return [];
  return listEncounters(doc).map((e) => noteText(doc, e.id).assessment);
}

test('a restricted note reaches only the named clinician, and the unnamed one through emergency access', async ({ browser }) => {
  test.setTimeout(90_000);
  const okafor = await Device.open(browser, clinic, { width: 1280, height: 860 });
  await okafor.signIn('dr.demo');
  await okafor.openPatient('Wanjiru, Grace');
  const a = okafor.page;
  const card = a.getByTestId('restrictions');
  await expect(card).toContainText('No restriction is in force.');

  await card.getByRole('button', { name: 'Record a restriction' }).click();
  const form = card.getByTestId('record-restriction');
  await form.getByLabel('Mental health').check();
  await expect(form.getByLabel('Dr. Amara Okafor (you)')).toBeChecked();
  await expect(form.getByLabel('Dr Ben Mwangi')).not.toBeChecked();
  await form.getByLabel('Note (optional)').fill('Asked that only her own clinician sees her counselling.');
  await expectAccessible(a, 'record a restriction');
  await card.screenshot({ path: '/tmp/restrict-record-1280.png' });
  await form.getByRole('button', { name: 'Save restriction' }).click();
  await expect(card.getByTestId('restriction')).toContainText('Mental health: restricted at the patient\'s request');
  await expect(card.getByTestId('restriction')).toContainText('May see it: Dr. Amara Okafor');

  const part = card.getByTestId('restricted-part');
  await part.getByRole('button', { name: 'Write a restricted note' }).click();
  await expect(part.getByLabel('Restricted (mental health)')).toBeChecked();
  await part.getByLabel('Note', { exact: true }).fill(NOTE);
  await part.getByRole('button', { name: 'Sign restricted note' }).click();
  await expect(part.getByTestId('restricted-note')).toContainText(NOTE);
  await expect(part.getByTestId('restricted-note')).toContainText('Restricted note: mental health · Signed by Dr. Amara Okafor');
  // Kept in the restricted part on the server, never in the chart everyone opens.
  await expect.poll(serverRestrictedNotes, { timeout: 15_000 }).toEqual([NOTE]);
  const chartDoc = (await serverDoc(clinic, `chart:${patientId}`))!;
  expect(listConditions(chartDoc).map((c) => c.code.text)).toEqual(['Essential hypertension']);
  expect(listEncounters(chartDoc)).toEqual([]);
  await expectAccessible(a, 'restriction in force, named clinician');
  await card.screenshot({ path: '/tmp/restrict-named-1280.png' });
  await a.setViewportSize({ width: 390, height: 844 });
  await card.getByRole('button', { name: 'Record a restriction' }).click();
  await expectAccessible(a, 'record a restriction, phone');
  await card.screenshot({ path: '/tmp/restrict-named-390.png' });

  // Offline, the check is shown as not done, and the named clinician still reads her note from this device.
  await okafor.offline();
  await okafor.openPatient('Wanjiru, Grace');
  await expect(card.getByTestId('restrictions-unchecked')).toHaveText('Restrictions were not checked: whether part of this record is restricted is not known.');
  await expect(card.getByTestId('restricted-note')).toContainText(NOTE);
  await okafor.online();
  await expect(card.getByTestId('restriction')).toContainText('Mental health: restricted at the patient\'s request');
  await expect(card.getByTestId('restrictions-unchecked')).toHaveCount(0);

  // Dr Mwangi is not named: the marker, not the note.
  const mwangi = await Device.open(browser, clinic, { width: 390, height: 844 });
  await mwangi.signIn('dr.mwangi');
  await mwangi.openPatient('Wanjiru, Grace');
  const b = mwangi.page;
  const marker = b.getByTestId('restricted-marker');
  await expect(marker).toContainText("Part of this record is restricted at the patient's request. You are not among the people the patient named.");
  // The chart itself is there (positive control for what he may see), the restricted part is not.
  await expect(b.getByTestId('problems')).toContainText('Essential hypertension');
  await expect(b.getByTestId('restricted-part')).toHaveCount(0);
  await expect(b.getByTestId('restrictions')).not.toContainText('Mental health');
  await expect(b.locator('body')).not.toContainText('bereavement');
  await expectAccessible(b, 'restricted marker');
  await b.getByTestId('restrictions').screenshot({ path: '/tmp/restrict-marker-390.png' });
  await b.setViewportSize({ width: 1280, height: 860 });
  await b.getByTestId('restrictions').screenshot({ path: '/tmp/restrict-marker-1280.png' });

  await marker.getByRole('link', { name: 'Open it with emergency access' }).click();
  await expect(b.getByRole('heading', { name: 'Emergency access', level: 1 })).toBeVisible();
  await expect(b.getByLabel('Patient record ID')).toHaveValue(patientId);
  await expect(b.getByLabel('Restricted part', { exact: true })).toBeChecked();
  await b.getByLabel('Reason for emergency access').fill('Patient in crisis at the clinic; need her mental-health history to treat safely');
  await b.getByRole('button', { name: 'Open with emergency access' }).click();
  await expect(b.getByTestId('breakglass-banner')).toContainText(/Emergency access: (60|59) min left/);
  await expect(b.getByTestId('breakglass-note')).toContainText(NOTE);
  await expectAccessible(b, 'restricted note through emergency access');
  await b.screenshot({ path: '/tmp/restrict-breakglass-1280.png' });
  await b.setViewportSize({ width: 390, height: 844 });
  await b.screenshot({ path: '/tmp/restrict-breakglass-390.png', fullPage: true });

  const granted = clinic.db.prepare(`SELECT target, detail FROM audit_log WHERE action = 'breakglass.grant'`).all() as { target: string; detail: string }[];
  expect(granted.map((g) => [g.target, JSON.parse(g.detail).restricted])).toEqual([[`chart:${patientId}`, true]]);
  const opened = clinic.db.prepare(`SELECT target FROM audit_log WHERE action = 'breakglass.open'`).all() as { target: string }[];
  expect(opened.map((o) => o.target)).toContain(`restricted:${patientId}`);

  // The patient withdraws the request: Dr Okafor lifts it, with a reason, and the lift is audited.
  const lift = a.getByTestId('restriction');
  await lift.getByRole('button', { name: 'Lift restriction' }).click();
  await lift.getByRole('button', { name: 'Lift it' }).click();
  await expect(lift.getByRole('alert')).toHaveText('State why the restriction is lifted (at least 10 characters).');
  await lift.getByLabel('Why is the restriction lifted?').fill('Patient withdrew the request at today\'s visit');
  await lift.getByRole('button', { name: 'Lift it' }).click();
  await expect(card).toContainText('Restriction lifted.');
  await expect(card).toContainText('No restriction is in force.');
  const ended = clinic.db.prepare(`SELECT detail FROM audit_log WHERE action = 'restriction.end'`).all() as { detail: string }[];
  expect(ended.map((e) => JSON.parse(e.detail).reason)).toEqual(["Patient withdrew the request at today's visit"]);
  await okafor.close();
  await mwangi.close();
});
