import { expect, test, type Locator, type Page } from '@playwright/test';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey by keyboard only, after signing in: the skip link is the first
 * stop and lands on the main content; opening a chart from the patient list
 * with Tab and Enter puts focus on the chart's heading (the patient's name)
 * and the page title is announced; the header's Schedule link does the same
 * for the schedule.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

/** Presses Tab until `target` has focus; fails after `max` presses. */
async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target, `not reached with ${max} presses of Tab`).toBeFocused({ timeout: 1 });
}

test('skip link first, then a chart and the schedule opened by keyboard take focus to their heading', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await device.signIn('dr.demo');

  // The first Tab after signing in reaches the skip link, which shows itself.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  const box = await skip.boundingBox();
  expect(box && box.y >= 0 && box.height > 0, `skip link on screen when focused: ${JSON.stringify(box)}`).toBe(true);

  await page.keyboard.press('Enter');
  const main = page.getByRole('main');
  await expect(main).toBeFocused();
  await expect(main).toHaveAttribute('id', 'main');
  // Positive control for "Enter moved focus": the skip link no longer has it.
  await expect(skip).not.toBeFocused();

  // From the main content, Tab reaches the search; a name narrows the list; Tab reaches the patient's link.
  await tabTo(page, page.getByLabel('Search patients'));
  await page.keyboard.type('Hermiston');
  const link = page.getByTestId('patient-link').filter({ hasText: 'Hermiston, Asa' }).first();
  await expect(link).toBeVisible();
  await tabTo(page, link);
  await page.keyboard.press('Enter');

  const heading = page.getByRole('heading', { level: 1, name: 'Hermiston, Asa' });
  await expect(page.getByTestId('patient-name')).toHaveText('Hermiston, Asa');
  // The chart itself (not the stored summary painted first) is on screen, and its heading has focus.
  await expect(page.getByTestId('allergy-strip')).toBeVisible();
  await expect(heading).toBeFocused();
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('patient-name');
  await expect(page.getByTestId('page-announcer')).toHaveText('Chart · Outpost');

  // The header's Schedule link, by keyboard: focus goes to the schedule's heading.
  await page.getByRole('navigation').getByRole('link', { name: 'Schedule' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: /Schedule/ })).toBeFocused();
  await expect(page.getByTestId('page-announcer')).toHaveText('Schedule · Outpost');
  await device.close();
});
