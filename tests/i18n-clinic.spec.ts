import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * The clinic screens in Portuguese and Swahili: a clinician switches the
 * app's language in the header, and the schedule (headings, buttons, the
 * day written out in that language) and the prescribe screen (headings,
 * labels, coded choices such as the frequency) follow at once. Screenshots
 * at phone and laptop widths go to test-results/i18n-clinic/ for a person
 * to look at; the pages must not be wider than the screen and pass axe.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const LANGUAGES = {
  pt: {
    schedule: 'Agenda',
    book: 'Agendar consulta',
    bookTitle: 'Agendar uma consulta',
    today: 'Hoje',
    booked: 'Agendada',
    settings: 'Configurações da agenda',
    workingHours: 'Horário de trabalho',
    day: 'segunda-feira, 7 de dezembro de 2026',
    nextDay: 'Dia seguinte',
    prescribe: 'Nova prescrição',
    drug: 'Medicamento',
    frequency: 'Frequência',
    threeTimes: 'três vezes ao dia',
    sign: 'Assinar prescrição',
    coverage: 'O que as verificações cobrem'
  },
  sw: {
    schedule: 'Ratiba',
    book: 'Weka miadi',
    bookTitle: 'Weka miadi',
    today: 'Leo',
    booked: 'Imewekwa',
    settings: 'Mipangilio ya ratiba',
    workingHours: 'Saa za kazi',
    day: 'Jumatatu, 7 Desemba 2026',
    nextDay: 'Siku inayofuata',
    prescribe: 'Agizo jipya la dawa',
    drug: 'Dawa',
    frequency: 'Mara ngapi',
    threeTimes: 'mara tatu kwa siku',
    sign: 'Tia sahihi agizo la dawa',
    coverage: 'Ukaguzi unashughulikia nini'
  }
} as const;

async function look(page: Page, name: string, width: number): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').join('.')} (${Math.round(e.getBoundingClientRect().right)}px)`)
  );
  expect(overflow, `${name} at ${width}px overflows: ${wide.join(', ')}`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `test-results/i18n-clinic/${width}-${name}.png`, fullPage: true });
  await expectAccessible(page, `${name} at ${width}px`);
}

for (const width of [390, 1280]) {
  test(`schedule and prescribe screens in Portuguese and Swahili at ${width}px`, async ({ browser }) => {
    // Eight screens, each checked by axe: longer than one journey.
    test.setTimeout(240_000);
    const device = await Device.open(browser, clinic, { width, height: width < 600 ? 844 : 860 });
    const { page } = device;
    await device.signIn('dr.demo');

    // Positive control: English by default.
    await page.locator('nav a[href="/schedule"]').click();
    await expect(page.getByRole('heading', { level: 1, name: 'Schedule' })).toBeVisible();
    await page.locator('#schedule-day').fill('2026-12-07');
    await expect(page.getByTestId('schedule-day')).toHaveText('Monday, December 7, 2026');

    for (const [code, t] of Object.entries(LANGUAGES)) {
      await page.locator('#app-language').selectOption(code);
      await expect(page.locator('html')).toHaveAttribute('lang', code);

      // The schedule, the day written in the language, without a reload.
      await expect(page.getByRole('heading', { level: 1, name: t.schedule, exact: true })).toBeVisible();
      await expect(page.getByTestId('schedule-day')).toHaveText(t.day);
      await expect(page.getByRole('button', { name: t.nextDay })).toBeVisible();
      // A day with appointments (the demo books the coming working days): their cards in the language too.
      await page.getByRole('button', { name: t.today, exact: true }).click();
      for (let i = 0; i < 7 && !(await page.getByTestId('appointment').first().isVisible()); i++) {
        await page.getByRole('button', { name: t.nextDay }).click();
      }
      await expect(page.getByTestId('appointment-status').first()).toHaveText(t.booked);
      await look(page, `schedule-${code}`, width);
      await page.getByRole('button', { name: t.settings, exact: true }).click();
      await expect(page.getByTestId('schedule-settings').getByRole('heading', { level: 3, name: t.workingHours })).toBeVisible();
      await look(page, `settings-${code}`, width);
      await page.getByRole('button', { name: t.book, exact: true }).first().click();
      await expect(page.getByRole('heading', { level: 2, name: t.bookTitle, exact: true })).toBeVisible();
      await look(page, `booking-${code}`, width);

      // The prescribe screen of the first patient.
      await page.locator('nav a[href="/"]').click();
      const first = page.getByTestId('patient-link').first();
      await first.click();
      await page.getByTestId('chart-prescribe').click();
      await expect(page.getByRole('heading', { level: 1, name: t.prescribe })).toBeVisible();
      await expect(page.getByRole('heading', { name: t.coverage })).toBeVisible();
      await page.getByLabel(t.drug, { exact: true }).fill('amoxi');
      await page.getByRole('button', { name: /^amoxicillin/ }).first().click();
      // Coded choices are shown in the language; the stored value stays the code.
      const frequency = page.getByLabel(t.frequency, { exact: true });
      await frequency.selectOption({ label: t.threeTimes });
      await expect(frequency).toHaveValue('three-times-daily');
      await expect(page.getByRole('button', { name: t.sign })).toBeVisible();
      await look(page, `prescribe-${code}`, width);

      await page.locator('nav a[href="/schedule"]').click();
      await page.locator('#schedule-day').fill('2026-12-07');
    }

    // Back to English for whoever uses this device next.
    await page.locator('#app-language').selectOption('en');
    await expect(page.getByRole('heading', { level: 1, name: 'Schedule' })).toBeVisible();
    await device.close();
  });
}
