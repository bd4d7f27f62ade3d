import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { listLedger } from '../src/lib/chart/billing-doc';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the clinic's money at the front desk. An administrator sets the
 * currency and a price; the clinician has billed a visit (its ICD-10-CM
 * diagnosis on the bill). With the network down, the desk charges the
 * visit, takes a cash and a mobile-money payment, prints a receipt and
 * reverses the cash payment with a reason. A second desk (a phone) sees the
 * balance once the first one syncs, and both days' reports add up.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const money = (text: string) => new RegExp(`KES\\s${text.replace('.', '\\.')}`);

/** The visit the clinician billed (the visit screen's "Bill this visit"), written into the server's copy of the patient document. */
async function seedBilledVisit(patientId: string): Promise<void> {
  const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
  const dr = clinic.db.prepare("SELECT id FROM users WHERE username = 'dr.demo'").get() as { id: string };
  const name = `patient:${patientId}`;
  const doc = (await serverDoc(clinic, name)) ?? new Y.Doc();
  const sv = Y.encodeStateVector(doc);
  const bill = new Y.Map<unknown>();
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const fields = { id: 'b0000000-0000-4000-8000-000000000001', visitDate: at.slice(0, 10), encounterId: '', diagnoses: [{ code: 'B50.9', display: 'Plasmodium falciparum malaria, unspecified' }], createdAt: at, createdBy: 'Dr. Amara Okafor', createdById: dr.id };
  for (const [k, v] of Object.entries(fields)) bill.set(k, v);
  doc.getMap('superbills').set(fields.id, bill);
  await clinic.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc, sv), dr.id, 'seed');
}

test('desk charges a visit offline, takes cash and mobile money, prints a receipt, reverses with a reason; a second desk sees it after sync', async ({ browser }) => {
  test.setTimeout(120_000);
  const patient = clinic.db.prepare("SELECT id FROM patients WHERE family = 'Hermiston' AND given LIKE '%Asa%'").get() as { id: string };
  await seedBilledVisit(patient.id);

  // The administrator sets the currency and the consultation's price.
  const admin = await Device.open(browser, clinic);
  await admin.signIn('admin.demo');
  await admin.page.getByRole('link', { name: 'Administration' }).click();
  await admin.page.getByRole('link', { name: 'Fee schedule' }).click();
  await admin.page.getByLabel('Currency').fill('KES');
  await admin.page.getByRole('button', { name: 'Set currency' }).click();
  await expect(admin.page.getByTestId('fees-notice')).toHaveText('The currency is now KES.');
  await admin.page.getByRole('button', { name: 'Add service' }).click();
  const form = admin.page.getByTestId('fee-form');
  await form.getByLabel('Code').fill('CONSULT');
  await form.getByLabel('Service').fill('Consultation');
  await form.getByLabel(/Price/).fill('1500.5.0');
  await form.getByRole('button', { name: 'Save service' }).click();
  await expect(form.getByRole('alert')).toHaveText('Enter a price such as 150 or 150.50 (0 for a free service).');
  await form.getByLabel(/Price/).fill('1500');
  await form.getByRole('button', { name: 'Save service' }).click();
  await expect(admin.page.getByTestId('fee-service')).toHaveText(/CONSULT\s+Consultation\s+KES\s1,500\.00/);
  await expectAccessible(admin.page, 'fee schedule');
  await admin.page.screenshot({ path: '/tmp/billing-fees-1280.png', fullPage: true });
  await admin.page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(admin.page, 'fee schedule, phone');
  await admin.page.screenshot({ path: '/tmp/billing-fees-390.png', fullPage: true });
  await admin.waitSynced();
  await admin.close();

  // Desk A, at the counter: the record and prices are on the laptop, then the link drops.
  const a = await Device.open(browser, clinic);
  await a.signIn('desk.demo');
  await a.waitForServiceWorker();
  await a.openPatient('Hermiston, Asa');
  await a.page.getByTestId('billing-link').click();
  const bill = a.page.getByTestId('superbill');
  await expect(bill).toContainText('B50.9 Plasmodium falciparum malaria, unspecified');
  await expect(bill.getByLabel('Service to charge').locator('option')).toHaveCount(2);
  await a.offline();

  await bill.getByLabel('Service to charge').selectOption({ index: 1 });
  await bill.getByRole('button', { name: 'Charge' }).click();
  await expect(bill.getByTestId('bill-total')).toHaveText(money('1,500.00'));
  await expect(a.page.getByTestId('balance-due')).toHaveText(money('1,500.00'));

  // Nothing typed that is not an amount is taken.
  await a.page.getByLabel(/Amount received/).fill('5OO');
  await a.page.getByRole('button', { name: 'Take payment' }).click();
  await expect(a.page.getByTestId('billing-error')).toContainText('Enter the amount received, such as 150 or 150.50');
  await expect(a.page.getByTestId('ledger-entry')).toHaveCount(1);
  await a.page.getByLabel(/Amount received/).fill('500');
  await a.page.getByRole('button', { name: 'Take payment' }).click();
  await expect(a.page.getByTestId('billing-notice')).toHaveText('Payment of 500 recorded.');
  await a.page.getByLabel('Mobile money').check();
  await a.page.getByLabel(/Amount received/).fill('300');
  await a.page.getByLabel('Transaction reference').fill('QK7H2XLP9');
  await a.page.getByRole('button', { name: 'Take payment' }).click();
  await expect(a.page.getByTestId('billing-notice')).toHaveText('Payment of 300 recorded.');
  await expect(a.page.getByTestId('balance-due')).toHaveText(money('700.00'));

  const download = a.page.waitForEvent('download');
  await a.page.getByRole('button', { name: /^Print receipt for KES.300\.00$/ }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^receipt-[0-9A-F]{10}\.pdf$/);
  const text = execFileSync('/usr/bin/pdftotext', ['-layout', await file.path(), '-'], { encoding: 'utf8' });
  for (const s of ['Payment receipt', 'Asa', 'Hermiston', 'Mobile money', 'QK7H2XLP9', 'Priya Shah']) expect(text).toContain(s);
  expect(text).toMatch(/Amount paid\s+KES 300\.00/);
  expect(text).toMatch(/Balance after this payment\s+KES 700\.00/);
  expect(readFileSync(await file.path()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

  // The cash payment was keyed on the wrong patient: reversed, with the reason, never deleted.
  await a.page.getByRole('button', { name: /^Reverse Payment: Cash KES.500\.00$/ }).click();
  await a.page.getByRole('button', { name: 'Reverse entry' }).click();
  await expect(a.page.getByTestId('ledger-entry')).toHaveCount(3); // the empty reason was not accepted
  await a.page.getByLabel('Reason for the reversal').fill('Keyed on the wrong patient');
  await a.page.getByRole('button', { name: 'Reverse entry' }).click();
  await expect(a.page.getByTestId('billing-notice')).toHaveText('Reversed. The original entry stays on record.');
  await expect(a.page.getByTestId('ledger-entry')).toHaveCount(4);
  await expect(a.page.getByTestId('ledger-entry').first()).toContainText('Reversal: Keyed on the wrong patient');
  await expect(a.page.getByTestId('ledger-entry').filter({ hasText: 'Payment: Cash' })).toContainText('Reversed');
  await expect(a.page.getByTestId('balance-due')).toHaveText(money('1,200.00'));
  await expectAccessible(a.page, 'patient account');
  await a.page.screenshot({ path: '/tmp/billing-account-1280.png', fullPage: true });

  // Desk B, on a phone, opens the same account: it sees the bill, not yet the offline desk's money.
  const b = await Device.open(browser, clinic, { width: 390, height: 844 });
  await b.signIn('desk.demo');
  await b.openPatient('Hermiston, Asa');
  await b.page.getByTestId('billing-link').click();
  await expect(b.page.getByTestId('superbill')).toContainText('B50.9');
  await expect(b.page.getByTestId('balance-due')).toHaveText(money('0.00'));

  await a.online();
  await a.waitSynced();
  await expect(b.page.getByTestId('balance-due')).toHaveText(money('1,200.00'), { timeout: 20_000 });
  await expect(b.page.getByTestId('ledger-entry')).toHaveCount(4);
  await expectAccessible(b.page, 'patient account, phone');
  await b.page.screenshot({ path: '/tmp/billing-account-390.png', fullPage: true });

  // The server holds the four entries, the reversal pointing at the cash payment.
  const stored = listLedger((await serverDoc(clinic, `patient:${patient.id}`))!);
  expect(stored.map((e) => [e.kind, e.amount, e.method ?? null])).toEqual([
    ['charge', 150000, null],
    ['payment', 50000, 'cash'],
    ['payment', 30000, 'mobile-money'],
    ['reversal', 50000, null]
  ]);
  expect(stored[3].reverses).toBe(stored[1].id);

  // The day's cash report on the phone: 500 cash taken and handed back, 300 by mobile money.
  await b.visit('/cash-report');
  await expect(b.page.getByTestId('cash-total')).toHaveText(money('300.00'));
  const byMethod = b.page.getByTestId('cash-by-method').locator('tbody tr');
  await expect(byMethod).toHaveText([/Cash\s*1\s*KES\s500\.00\s*KES\s500\.00\s*KES\s0\.00/, /Mobile money\s*1\s*KES\s300\.00\s*KES\s0\.00\s*KES\s300\.00/]);
  await expect(b.page.getByTestId('cash-by-user').locator('tbody tr')).toHaveText([/Priya Shah\s*2\s*KES\s800\.00\s*KES\s500\.00\s*KES\s300\.00/]);
  await expectAccessible(b.page, 'cash report, phone');
  await b.page.screenshot({ path: '/tmp/billing-cash-390.png', fullPage: true });
  await b.page.setViewportSize({ width: 1280, height: 860 });
  await b.page.screenshot({ path: '/tmp/billing-cash-1280.png', fullPage: true });
  const report = b.page.waitForEvent('download');
  await b.page.getByRole('button', { name: 'Print report' }).click();
  const reportText = execFileSync('/usr/bin/pdftotext', ['-layout', await (await report).path(), '-'], { encoding: 'utf8' });
  expect(reportText).toMatch(/Drawer total\s+KES 300\.00/);
  await a.close();
  await b.close();
});
