import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startDhis2StandIn, type Dhis2StandIn } from '../server/reporting/dhis2-stand-in';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the administrator maps two counting rules to DHIS2 data
 * elements, previews last month (the counts are the server's, from the demo
 * clinic's charts), sends it to DHIS2 and reads DHIS2's import summary. The
 * DHIS2 here is a local HTTP server standing in for it
 * (server/reporting/dhis2-stand-in.ts): a real DHIS2 cannot run on these
 * machines. Then a clinician opens the dashboard: plots drawn, each with its
 * table. At 390 and 1280 px, axe-checked and photographed.
 */
let clinic: Clinic;
let dhis2: Dhis2StandIn;
const SHOTS = process.env.REPORTING_SHOTS_DIR ?? 'test-results/reporting';
const MEASLES = 'f7n9E0hX8qk';
const OPD = 'Ix2HsbDMLea';
const COC = 'HllvX50cXC0';

test.beforeAll(async () => {
  clinic = await startClinic();
  dhis2 = await startDhis2StandIn({ username: 'outpost.reporter', password: 'standin-password-1', knownDataElements: [MEASLES, OPD] });
});
test.afterAll(async () => {
  await clinic?.stop();
  await dhis2?.close();
});

async function expectNoSideScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
}

test('the administrator maps two rules, previews last month and sends it to DHIS2', async ({ browser }) => {
  const admin = await Device.open(browser, clinic, { width: 1280, height: 900 });
  const a = admin.page;
  await admin.signIn('admin.demo');
  await a.getByRole('link', { name: 'Administration' }).click();
  await a.getByRole('link', { name: 'Reporting' }).click();
  await expect(a.getByRole('heading', { name: 'National reporting (DHIS2)' })).toBeVisible();

  await a.getByLabel('DHIS2 address').fill(dhis2.url);
  await a.getByLabel('DHIS2 user name').fill('outpost.reporter');
  await a.getByLabel('DHIS2 password').fill('standin-password-1');
  await a.getByLabel('Organisation unit id (this clinic)').fill('DiszpKrYNg8');
  await a.getByLabel('Data set id').fill('pBOMPrpg1QX');
  await a.locator('#map-rule-0').selectOption({ label: 'Outpatient visits (in person, video, home)' });
  await a.locator('#map-de-0').fill(OPD);
  await a.locator('#map-coc-0').fill(COC);
  await a.getByRole('button', { name: 'Add a rule' }).click();
  await a.locator('#map-rule-1').selectOption({ label: 'Measles vaccine doses given under 1 year' });
  // A typo in an id: refused with the field named, nothing saved.
  await a.locator('#map-de-1').fill('f7n9E0hX8q');
  await a.locator('#map-coc-1').fill(COC);
  await a.getByRole('button', { name: 'Save' }).click();
  await expect(a.getByText('The data element must be a DHIS2 id: 11 letters or digits, starting with a letter').first()).toBeVisible();
  await a.locator('#map-de-1').fill(MEASLES);
  await a.getByRole('button', { name: 'Save' }).click();
  await expect(a.getByTestId('reporting-saved')).toHaveText('Saved.');
  // The password is not shown again: the field is empty and says one is stored.
  await expect(a.getByLabel('DHIS2 password')).toHaveValue('');
  await expect(a.getByText('One is stored on the clinic server. Leave this empty to keep it.')).toBeVisible();

  await a.getByRole('button', { name: 'Preview' }).click();
  const table = a.getByTestId('preview-table');
  await expect(table.getByRole('row')).toHaveCount(3);
  await expect(table.getByRole('row').nth(1).getByRole('rowheader')).toHaveText('Outpatient visits (in person, video, home)');
  await expect(table.getByRole('row').nth(2).getByRole('rowheader')).toHaveText('Measles vaccine doses given under 1 year');
  const shown = await table.locator('td.num').allTextContents();
  expect(shown).toHaveLength(2);
  await expectAccessible(a, 'reporting preview 1280');
  await a.screenshot({ path: `${SHOTS}/reporting-preview-1280.png`, fullPage: true });

  // Saved as a file to send later: the same data value set as a JSON file named for the org unit and period.
  const [download] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Save as a file to send later' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^dhis2-DiszpKrYNg8-\d{6}\.json$/);
  const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as { dataValues: { dataElement: string; value: string }[] };
  expect(saved.dataValues.map((v) => [v.dataElement, v.value])).toEqual([
    [OPD, shown[0].trim()],
    [MEASLES, shown[1].trim()]
  ]);

  expect(dhis2.received).toHaveLength(0);
  await a.getByRole('button', { name: 'Send to DHIS2' }).click();
  const outcome = a.getByTestId('send-outcome');
  await expect(outcome).toContainText('DHIS2 accepted the report.');
  await expect(outcome.getByTestId('import-summary')).toContainText('Imported2');
  await expect(outcome.getByTestId('import-summary')).toContainText('Updated0');
  // What DHIS2 received is what the table showed, for the data elements mapped.
  expect(dhis2.received).toHaveLength(1);
  const sent = dhis2.received[0].body;
  expect(sent.orgUnit).toBe('DiszpKrYNg8');
  expect(sent.dataValues.map((v) => [v.dataElement, v.categoryOptionCombo, v.value])).toEqual([
    [OPD, COC, shown[0].trim()],
    [MEASLES, COC, shown[1].trim()]
  ]);
  expect(dhis2.received[0].authorization).toBe(`Basic ${Buffer.from('outpost.reporter:standin-password-1').toString('base64')}`);
  await expectAccessible(a, 'reporting sent 1280');
  await a.screenshot({ path: `${SHOTS}/reporting-sent-1280.png`, fullPage: true });

  // At a phone's width: the same screen fits, and DHIS2 refusing a data element is shown readably.
  dhis2.knownDataElements.delete(MEASLES);
  await a.setViewportSize({ width: 390, height: 860 });
  await a.getByRole('button', { name: 'Send to DHIS2' }).click();
  await expect(outcome).toContainText('DHIS2 did not accept everything. One more conflicts encountered, please check import summary.');
  await expect(outcome).toContainText(`${MEASLES}: Data element not found or not accessible`);
  await expect(outcome.getByTestId('import-summary')).toContainText('Ignored1');
  await expectNoSideScroll(a);
  await expectAccessible(a, 'reporting refused 390');
  await a.screenshot({ path: `${SHOTS}/reporting-refused-390.png`, fullPage: true });
  await admin.close();
});

for (const width of [390, 1280]) {
  test(`at ${width} px: the dashboard draws its plots, each with a table`, async ({ browser }) => {
    const doctor = await Device.open(browser, clinic, { width, height: 900 });
    const d = doctor.page;
    await doctor.signIn('dr.demo');
    await d.getByRole('link', { name: 'Population health' }).click();
    await expect(d.getByRole('navigation', { name: 'Population health views' }).getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
    await expect(d.getByRole('heading', { name: 'Clinic dashboard' })).toBeVisible();
    await expect(d.getByTestId('dashboard-source')).toContainText(/From the \d+ charts on this device/);
    for (const id of ['visits', 'no-show', 'waiting', 'diagnoses', 'panel-measure-trends', 'panel-registry-sizes']) {
      const figure = d.getByTestId(`figure-${id}`);
      await expect(figure.getByRole('img')).toBeVisible();
      // The canvas was drawn on (Chart.js sized it and painted pixels).
      await expect.poll(() => figure.locator('canvas').evaluate((c: HTMLCanvasElement) => {
        const ctx = c.getContext('2d');
        if (!ctx || c.width === 0) return 0;
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
        return painted;
      })).toBeGreaterThan(0);
      await figure.getByText('Show the numbers as a table').click();
      await expect(figure.getByRole('table')).toBeVisible();
      await figure.screenshot({ path: `${SHOTS}/dashboard-${width}-${id}.png` });
    }
    // Quality measures by month: one row per month of the last 12, one column per measure.
    const trends = d.getByTestId('table-panel-measure-trends');
    await expect(trends.locator('tbody tr')).toHaveCount(12);
    await expect(trends.locator('thead th')).toHaveText(['Period', 'CMS122 HbA1c over 9% (lower is better)', 'CMS165 Blood pressure controlled', 'CMS125 Breast cancer screening', 'CMS130 Colorectal cancer screening', 'CMS138 Tobacco screening and help', 'CMS2 Depression screening and follow-up']);
    const thisMonth = new Date().toISOString().slice(0, 7);
    await expect(trends.locator('tbody tr').last().getByRole('rowheader')).toHaveText(thisMonth);
    // Registry sizes: the five built-in registries, each with a count.
    const sizes = d.getByTestId('table-panel-registry-sizes');
    await expect(sizes.locator('tbody th')).toHaveText(['Diabetes', 'Hypertension', 'Pregnancy', 'Children due for vaccines', 'Overdue for follow-up']);
    await expect(sizes.locator('tbody tr').first().locator('td').first()).toHaveText(/^\d+$/);
    // The visits table has one row per day of the 30 days shown.
    await expect(d.getByTestId('table-visits').locator('tbody tr')).toHaveCount(30);
    const total = Number(await d.getByTestId('tile-visits').textContent());
    const perDay = await d.getByTestId('table-visits').locator('tbody td').allTextContents();
    expect(perDay.reduce((s, v) => s + Number(v), 0)).toBe(total);
    await expectNoSideScroll(d);
    await expectAccessible(d, `dashboard ${width}`);
    await d.screenshot({ path: `${SHOTS}/dashboard-${width}.png`, fullPage: true });
    await doctor.close();
  });
}
