import { expect, test, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as Y from 'yjs';
import { prescribe, type PrescriptionInput } from '../src/lib/chart/medication-doc';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician with no network prescribes ibuprofen to a patient on
 * warfarin and prednisone, overrides the serious interaction with a reason,
 * signs, and sends it to a pharmacy: the send waits in the outbox. Meanwhile
 * a nurse on another device records an aspirin allergy. When the first
 * device reconnects, the send is checked again against the chart as it now
 * stands and held with the new allergy alert; the clinician overrides it
 * with a reason and the pharmacy confirms delivery. The server's audit log
 * holds the signature, both overrides (rule, severity, reason) and the send.
 * The prescription prints as a PDF with its QR code.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const oral = (text: string, sig: string, frequency: number): PrescriptionInput => ({
  medicationCodeableConcept: { text },
  dosage: { text: sig, route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency, period: 1, periodUnit: 'd' }, asNeeded: false },
  dispense: { quantity: { value: 30, unit: 'tablet' }, numberOfRepeatsAllowed: 2 },
  detectedIssues: []
});

/** The patient's standing medications, as signed earlier by the clinician on another visit (written on the server). */
async function recordStandingMedications(patientId: string): Promise<void> {
  const name = `chart:${patientId}`;
  const doc = (await serverDoc(clinic, name)) ?? new Y.Doc();
  const before = Y.encodeStateVector(doc);
  const dr = clinic.db.prepare("SELECT id, name, clinic_id FROM users WHERE username = 'dr.demo'").get() as { id: string; name: string; clinic_id: string };
  prescribe(doc, oral('warfarin 5 MG Oral Tablet', 'Take 1 tablet by mouth once daily', 1), dr);
  prescribe(doc, oral('prednisone 10 MG Oral Tablet', 'Take 1 tablet by mouth once daily', 1), dr);
  await clinic.sync.applyServerUpdate(name, dr.clinic_id, Y.encodeStateAsUpdate(doc, before), dr.id);
}

async function openFirstPatient(page: Page): Promise<string> {
  const first = page.getByTestId('patient-link').first();
  const name = (await first.textContent())!.trim();
  await first.click();
  await expect(page.getByTestId('patient-name')).toHaveText(name);
  return page.url().split('/patients/')[1];
}

interface AuditRow {
  action: string;
  outcome: string;
  user_id: string;
  detail: string;
}
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const auditOf = (action: string) =>
  (clinic.db.prepare('SELECT action, outcome, user_id, detail FROM audit_log WHERE action = ? ORDER BY seq').all(action) as AuditRow[]).map((r) => ({ ...r, detail: JSON.parse(r.detail) }));

test('offline send waits in the outbox, is re-checked on reconnect, held for a new allergy, overridden and delivered', async ({ browser }) => {
  const a = await Device.open(browser, clinic);
  const { page } = a;
  await a.signIn('dr.demo');
  await a.waitForServiceWorker();
  await a.waitSynced();
  const patientId = await openFirstPatient(page);
  await expect(page.getByTestId('allergy').filter({ hasText: /aspirin|nsaid|ibuprofen/i })).toHaveCount(0);
  await recordStandingMedications(patientId);
  await a.visit(`/patients/${patientId}/prescribe`);
  await expect(page.getByTestId('medication').filter({ hasText: 'warfarin' })).toBeVisible();
  await a.waitSynced();

  // Offline: prescribe ibuprofen; the warfarin + NSAID rule fires as serious (a corticosteroid is on the list).
  await a.offline();
  await page.getByLabel('Drug', { exact: true }).fill('ibupro');
  await page.getByRole('button', { name: /^ibuprofen/ }).first().click();
  await page.getByLabel('Strength').fill('400 mg');
  await page.getByLabel('Dose', { exact: true }).fill('1');
  await page.getByLabel('Frequency').selectOption('three-times-daily');
  await page.getByLabel('Duration (days)').fill('5');
  await page.getByLabel('Quantity', { exact: true }).fill('15');
  const ddi = page.locator('[data-testid="check-alert"][data-kind="drug-drug"]').filter({ hasText: /warfarin/i });
  await expect(ddi).toHaveAttribute('data-severity', 'serious');
  await expect(ddi.getByTestId('alert-source')).toContainText(/PDDI|HL7/);
  const signReason = 'Short course with PPI cover; INR check in 3 days';
  for (const box of await page.getByLabel('Override reason (required to sign)').all()) await box.fill(signReason);
  await page.getByRole('button', { name: 'Sign prescription' }).click();
  await expect(page.getByTestId('signed-notice')).toContainText('ibuprofen');

  const ibuprofen = page.getByTestId('medication').filter({ hasText: 'ibuprofen 400 MG Oral Tablet' });
  await ibuprofen.getByRole('button', { name: 'Send to pharmacy…' }).click();
  await ibuprofen.getByLabel('Pharmacy').selectOption('riverside');
  await ibuprofen.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(ibuprofen.getByTestId('pharmacy-send')).toHaveAttribute('data-state', 'queued');
  await expect(page.getByTestId('pharmacy-outbox')).toContainText('1 queued · waiting for the network');
  await page.screenshot({ path: '/tmp/outbox-queued.png', fullPage: true });

  // Meanwhile, online, a nurse records an aspirin allergy on another device.
  const b = await Device.open(browser, clinic);
  await b.signIn('nurse.demo');
  await b.visit(`/patients/${patientId}`);
  await b.page.getByRole('button', { name: 'Add allergy' }).click();
  await b.page.getByLabel('Substance').fill('Aspirin');
  await b.page.getByLabel('Category').selectOption('medication');
  await b.page.getByLabel('Reaction', { exact: true }).fill('Wheeze');
  await b.page.getByRole('button', { name: 'Save allergy' }).click();
  await expect(b.page.getByTestId('allergy').filter({ hasText: 'Aspirin' })).toBeVisible();
  await b.waitSynced();
  await b.close();

  // Back online: the send is re-checked against the current chart and held with the new alert.
  await a.online();
  const send = ibuprofen.getByTestId('pharmacy-send');
  await expect(send).toHaveAttribute('data-state', 'held', { timeout: 30_000 });
  const held = send.getByTestId('held-alert');
  await expect(held).toHaveCount(1);
  await expect(held).toContainText(/aspirin|NSAID/i);
  await expect(held).toHaveAttribute('data-severity', 'serious');
  await page.screenshot({ path: '/tmp/outbox-held.png', fullPage: true });
  expect(clinic.db.prepare('SELECT count(*) AS n FROM pharmacy_receipts').get()).toEqual({ n: 0 });

  const sendReason = 'Aspirin reaction was mild wheeze years ago; patient informed';
  await held.getByLabel('Override reason').fill(sendReason);
  await send.getByRole('button', { name: 'Override and send' }).click();
  await expect(send).toHaveAttribute('data-state', 'delivered', { timeout: 30_000 });
  await expect(send).toContainText(/Riverside Community Pharmacy · ref RX-[0-9A-F]{8}/);
  await expect(send.getByTestId('send-override')).toContainText(sendReason);
  await page.screenshot({ path: '/tmp/outbox-delivered.png', fullPage: true });

  const ibuprofenId = (await ibuprofen.getAttribute('data-medication-id'))!;

  // Print: a PDF of the signed prescription.
  const download = page.waitForEvent('download');
  await ibuprofen.getByRole('button', { name: 'Print' }).click();
  const file = await (await download).path();
  expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');

  // Change the prednisone dose with a reason: the old request is stopped and linked, the new one is active.
  const prednisone = page.getByTestId('medication').filter({ hasText: 'prednisone 10 MG Oral Tablet' });
  await prednisone.getByRole('button', { name: 'Change…' }).click();
  const form = prednisone.getByTestId('change-form');
  await form.getByLabel('Dose (tablet)').fill('0.5');
  await form.getByLabel('New instructions').fill('Take half a tablet by mouth once daily');
  await expect(form.getByRole('button', { name: 'Sign change' })).toBeDisabled();
  await form.getByLabel('Reason for the change').fill('Tapering the steroid');
  for (const box of await form.getByLabel('Override reason (required to sign)').all()) await box.fill('Reviewed with the patient; monitoring');
  await form.getByRole('button', { name: 'Sign change' }).click();
  await expect(page.getByText('Changed prednisone 10 MG Oral Tablet.')).toBeVisible();
  await expect(page.getByTestId('medication').filter({ hasText: 'Take half a tablet by mouth once daily' })).toBeVisible();
  await page.getByText(/stopped, completed or in error/).click();
  await expect(page.getByTestId('medication-history').filter({ hasText: 'prednisone' })).toContainText('Stopped: Changed: Tapering the steroid');

  // The server's audit log: signature, both overrides with rule and the reason's length and hash (never its text), the delivery.
  await a.waitSynced();
  const dr = clinic.db.prepare("SELECT id FROM users WHERE username = 'dr.demo'").get() as { id: string };
  await expect.poll(() => auditOf('prescription.override').filter((r) => r.detail.context === 'send').length).toBe(1);
  const signs = auditOf('prescription.sign').filter((r) => r.detail.overridden > 0 && r.detail.medicationId === ibuprofenId);
  expect(signs).toMatchObject([{ outcome: 'success', user_id: dr.id }]);
  const medicationId = signs[0].detail.medicationId;
  const overrides = auditOf('prescription.override').filter((r) => r.detail.medicationId === medicationId);
  expect(overrides).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ outcome: 'success', user_id: dr.id, detail: expect.objectContaining({ context: 'sign', ruleId: 'pddi-warfarin-nsaid', severity: 'serious', reasonLength: signReason.length, reasonSha256: sha256(signReason) }) }),
      expect.objectContaining({ outcome: 'success', user_id: dr.id, detail: expect.objectContaining({ context: 'send', ruleId: 'allergy-nsaid', severity: 'serious', reasonLength: sendReason.length, reasonSha256: sha256(sendReason) }) })
    ])
  );
  for (const o of overrides) expect(JSON.stringify(o.detail)).not.toContain(o.detail.context === 'sign' ? signReason : sendReason);
  expect(auditOf('pharmacy.send')).toMatchObject([{ outcome: 'success', user_id: dr.id, detail: { requestId: medicationId, duplicate: false } }]);
  await a.close();
});
