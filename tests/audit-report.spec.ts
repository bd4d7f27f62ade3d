import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician opens a chart with no network; when the device is
 * back online the read is uploaded, and the clinic's administrator finds it
 * in the patient's access report, marked as recorded offline, and in the
 * CSV download. At a phone's and a laptop's width, axe-clean.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

function offlineReads(userId: string, patientId: string): number {
  return (
    clinic.db
      .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'record.view' AND user_id = ? AND target = ? AND json_extract(detail, '$.offline') = 1")
      .get(userId, `chart:${patientId}`) as { n: number }
  ).n;
}

const userId = (username: string) => (clinic.db.prepare('SELECT id FROM users WHERE username = ?').get(username) as { id: string }).id;

for (const size of [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 860 }
]) {
  test(`a chart read offline is in the administrator's access report (${size.width}px)`, async ({ browser }, testInfo) => {
    test.setTimeout(120_000);
    const dr = await Device.open(browser, clinic, size);
    await dr.signIn('dr.demo');
    await dr.waitForServiceWorker();
    const drId = userId('dr.demo');

    // Offline: the chart opens from the device.
    await dr.offline();
    const link = dr.page.getByTestId('patient-link').nth(size.width === 390 ? 0 : 1);
    const name = (await link.textContent())!.trim();
    await link.click();
    await expect(dr.page.getByTestId('patient-name')).toHaveText(name);
    const patientId = dr.page.url().split('/patients/')[1];
    const before = offlineReads(drId, patientId);

    // Back online: the next sync round uploads the read.
    await dr.online();
    await dr.waitSynced();
    await expect.poll(() => offlineReads(drId, patientId), { timeout: 30_000 }).toBe(before + 1);
    await dr.close();

    const admin = await Device.open(browser, clinic, size);
    const { page } = admin;
    await admin.signIn('admin.demo');
    // The audit reports are a tab of the administration console.
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Audit reports' })).toBeVisible();
    await expect(page.getByLabel('Patient')).toContainText(name.split(',')[0]);
    await page.getByLabel('Patient').selectOption(patientId);
    await page.getByRole('button', { name: 'Show report' }).click();
    await expect(page.getByTestId('audit-chain')).toContainText('Audit log intact');
    const offlineRow = page.getByTestId('audit-row').filter({ has: page.getByTestId('audit-offline') });
    await expect(offlineRow).toHaveCount(before + 1);
    await expect(offlineRow.first()).toContainText('Viewed the record');
    await expect(offlineRow.first()).toContainText('Dr. Amara Okafor');
    await expect(offlineRow.first().getByTestId('audit-offline')).toContainText('Recorded offline at');
    // The count shown is the log's.
    const accessCount = (
      clinic.db
        .prepare(
          `SELECT count(*) AS n FROM audit_log WHERE action IN ('doc.open','doc.batch','fhir.read','fhir.export','attachment.read','transfer.send','transfer.download','record.view','record.print')
           AND (target IN (?, ?) OR (action = 'doc.batch' AND EXISTS (SELECT 1 FROM json_each(detail, '$.served') WHERE value IN (?, ?))))`
        )
        .get(`patient:${patientId}`, `chart:${patientId}`, `patient:${patientId}`, `chart:${patientId}`) as { n: number }
    ).n;
    await expect(page.getByTestId('audit-total')).toHaveText(`${accessCount} entries`);

    await expectAccessible(page, `audit report ${size.width}px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the audit screen overflows horizontally').toBeLessThanOrEqual(0);
    await page.screenshot({ path: testInfo.outputPath(`audit-${size.width}.png`), fullPage: true });

    // The CSV holds the same entries, the offline read with its recording time.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-csv').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,time,user,username,action,outcome,target,recorded_offline_at,ip,detail');
    expect(lines).toHaveLength(accessCount + 1);
    const offlineLines = lines.filter((l) => l.includes(',dr.demo,record.view,success,chart:' + patientId + ','));
    expect(offlineLines).toHaveLength(before + 1);
    expect(offlineLines[0]).toMatch(/,\d{4}-\d{2}-\d{2}T[\d:.]+Z,/);
    expect(download.suggestedFilename()).toMatch(/^audit-patient-access-\d{4}-\d{2}-\d{2}\.csv$/);
    // Running the report and downloading it were themselves audited.
    const adminId = userId('admin.demo');
    expect((clinic.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action IN ('audit.report', 'audit.export') AND user_id = ? AND target = ?").get(adminId, `patient:${patientId}`) as { n: number }).n).toBe(2);
    await admin.close();
  });
}
