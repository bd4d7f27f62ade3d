import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician in Mombasa and another in Dakar read the same chart,
 * each in their own language. The chart's headings, labels and buttons, the
 * dates (month names, day-month order) and the measured numbers (decimal
 * comma) follow the language chosen in the header, at phone and desk widths,
 * and the screens stay accessible and inside the screen in every language.
 */
let clinic: Clinic;
const SHOTS = path.resolve('test-results/chart-languages');

test.beforeAll(async () => {
  clinic = await startClinic();
  fs.mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await clinic.stop();
});

const chooseLanguage = async (page: Page, code: string) => {
  await page.locator('#app-language').selectOption(code);
};

/** Nothing wider than the screen: a long word in a button or a heading would push the page sideways. */
async function expectNoSidewaysScroll(page: Page, screen: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `${screen}: the page is ${scroll}px wide on a ${client}px screen`).toBeLessThanOrEqual(client);
}

async function registerAndOpen(device: Device, family: string): Promise<void> {
  const { page } = device;
  await page.getByRole('link', { name: 'Patients', exact: true }).click();
  await page.getByRole('link', { name: 'Register patient', exact: true }).click();
  await page.getByLabel('Family name').fill(family);
  await page.getByLabel('Given names').fill('Amina');
  await page.getByLabel('Birth date').fill('1971-03-04');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByRole('link', { name: 'Open chart' }).click();
  await expect(page.getByTestId('patient-name')).toContainText(family);
}

for (const width of [1280, 390]) {
  test(`at ${width} px the chart speaks Swahili and French: headings, labels, dates and numbers`, async ({ browser }) => {
    const device = await Device.open(browser, clinic, { width, height: 860 });
    const { page } = device;
    await device.signIn('dr.demo');
    await registerAndOpen(device, `Wanjiru${width}`);

    // English first (the positive control the other languages are compared with).
    const banner = page.getByRole('region', { name: 'Patient', exact: true });
    await expect(banner).toContainText(/Mar 4, 1971 \(\d+ y\)/);
    await expect(page.getByRole('heading', { name: 'Allergies and intolerances', exact: true })).toBeVisible();

    await chooseLanguage(page, 'sw');
    await expect(page.locator('html')).toHaveAttribute('lang', 'sw');
    await expect(page.getByRole('heading', { name: 'Mzio na kutovumilia', exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Allergies and intolerances', exact: true })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Vipimo muhimu', exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Mahudhurio na maelezo', exact: true })).toBeVisible();
    await expect(page.getByTestId('chart-sections').getByRole('link', { name: 'Muhtasari' })).toBeVisible();
    const swBanner = page.getByRole('region', { name: 'Mgonjwa', exact: true });
    await expect(swBanner).toContainText(/4 Mac 1971 \(miaka \d+\)/);
    await expect(swBanner).toContainText('Mwanamke');
    await expect(page.getByTestId('allergy-strip-not-asked')).toHaveText('Bado hajaulizwa');
    // The medicines and reminders cards too (their texts live in messages/medicines and messages/reminders).
    const meds = page.getByTestId('medications');
    await expect(meds.getByRole('heading', { name: 'Orodha ya dawa', exact: true })).toBeVisible();
    await expect(meds.getByRole('link', { name: 'Andika dawa' })).toBeVisible();
    await expect(meds).toContainText('Hakuna dawa zinazotumika zilizorekodiwa.');
    const reminders = page.getByTestId('reminders');
    await expect(reminders.getByRole('heading', { name: 'Vikumbusho', exact: true })).toBeVisible();
    await expect(reminders.getByTestId('reminder-count')).toHaveText(/^\d+ vinadaiwa$/);
    await expect(reminders.getByText('Vikumbusho hivi vinakagua nini — si kamili')).toBeVisible();

    // Vitals recorded through the Swahili form, with the clinical units unchanged.
    const vitals = page.getByTestId('vitals');
    await vitals.getByRole('button', { name: 'Rekodi vipimo muhimu' }).click();
    await page.getByLabel('Joto (°C)').fill('38.4');
    await page.getByLabel('Uzito (kg)').fill('62.5');
    await page.getByRole('button', { name: 'Hifadhi vipimo muhimu' }).click();
    await expect(vitals.getByTestId('vital-temperature')).toContainText('38.4 °C');
    await expect(vitals.getByTestId('vital-temperature').getByTestId('flag')).toHaveText('Homa');
    await expectAccessible(page, `chart in Swahili at ${width}px`);
    await expectNoSidewaysScroll(page, `chart in Swahili at ${width}px`);

    await chooseLanguage(page, 'fr');
    await expect(page.getByRole('heading', { name: 'Allergies et intolérances', exact: true })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Patient', exact: true })).toContainText(/4 mars 1971 \(\d+ ans\)/);
    await expect(vitals.getByTestId('vital-temperature')).toContainText('38,4 °C');
    await expect(vitals.getByTestId('vital-weight')).toContainText('62,5 kg');
    await expect(vitals.getByTestId('vital-temperature').getByTestId('flag')).toHaveText('Fièvre');
    await expect(page.getByRole('heading', { name: 'Constantes vitales', exact: true })).toBeVisible();
    await expect(meds.getByRole('heading', { name: 'Médicaments', exact: true })).toBeVisible();
    await expect(reminders.getByTestId('reminder-count')).toHaveText(/^\d+ à faire$/);
    await expectAccessible(page, `chart in French at ${width}px`);

    // The timeline, in French: its heading, filters and count.
    await page.getByTestId('chart-sections').getByRole('link', { name: 'Chronologie' }).click();
    await expect(page.getByRole('heading', { name: 'Chronologie', level: 1 })).toBeVisible();
    await expect(page.getByTestId('timeline-count')).toHaveText(/^(\d+) sur \1 entrées$/);
    await expect(page.getByRole('group', { name: 'Types d’entrée' })).toBeVisible();
    await expectAccessible(page, `timeline in French at ${width}px`);
    await device.close();
  });
}

test('Spanish and Swahili screenshots at phone and desk widths, for a look at long words', async ({ browser }) => {
  for (const width of [390, 1280]) {
    const device = await Device.open(browser, clinic, { width, height: 860 });
    const { page } = device;
    await device.signIn('dr.demo');
    await registerAndOpen(device, `Otieno${width}`);
    for (const code of ['es', 'sw']) {
      await chooseLanguage(page, code);
      await expect(page.locator('html')).toHaveAttribute('lang', code);
      await expect(page.getByTestId('chart-sections')).toBeVisible();
      await expectNoSidewaysScroll(page, `chart in ${code} at ${width}px`);
      await page.screenshot({ path: path.join(SHOTS, `chart-${code}-${width}.png`), fullPage: true });
    }
    await device.close();
  }
});
