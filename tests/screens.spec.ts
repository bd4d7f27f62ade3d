import { expect, test } from '@playwright/test';
import { expectAccessible, seriousViolations } from './support/axe';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * The main screens at laptop, tablet and phone widths: saved as screenshots under
 * test-results/screens/ for a person to look at, and checked for what a machine
 * can see — content wider than the screen, and serious or critical WCAG 2.1 A/AA
 * violations found by axe-core (reported per screen; every screen is checked
 * before the test fails).
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const widths = [
  { name: 'laptop', width: 1280, height: 860 },
  { name: 'tablet', width: 820, height: 1180 },
  { name: 'phone', width: 390, height: 844 },
  { name: 'small-phone', width: 360, height: 740 }
];

for (const size of widths) {
  test(`screens fit a ${size.name} (${size.width}px)`, async ({ browser }) => {
    const device = await Device.open(browser, clinic, { width: size.width, height: size.height });
    const { page } = device;
    const shot = async (name: string) => {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      // The innermost elements that stick out past the right edge, named so a failure says where to look.
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}${e.className ? '.' + String(e.className).split(' ').join('.') : ''} (${Math.round(e.getBoundingClientRect().right)}px)`)
      );
      expect(overflow, `${name} overflows horizontally: ${wide.join(', ')}`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/screens/${size.name}-${name}.png`, fullPage: true });
      await expectAccessible(page, `${name} at ${size.width}px`);
    };

    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await shot('sign-in');

    await device.signIn('dr.demo');
    await shot('patients');

    // A Synthea patient with allergies and problems.
    await device.openPatient('Hermiston, Asa');
    await expect(page.getByTestId('allergy').first()).toBeVisible();
    // The allergies are in the banner, above everything else on the chart.
    await expect(page.getByTestId('allergy-strip-item').first()).toBeVisible();
    await shot('chart');

    await page.getByTestId('chart-prescribe').click();
    await expect(page.getByRole('heading', { name: 'New prescription' })).toBeVisible();
    await expect(page.getByTestId('allergy-strip-item').first()).toBeVisible();
    await shot('prescribe');
    await page.goBack();

    await page.getByTestId('visit').first().getByRole('link').click();
    await expect(page.getByLabel('Subjective')).toBeVisible();
    await expect(page.getByTestId('visit-context').getByTestId('allergy-strip-item').first()).toBeVisible();
    await shot('visit');

    await page.getByRole('navigation').getByRole('link', { name: 'Schedule' }).click();
    await expect(page.getByRole('heading', { name: /Schedule/ })).toBeVisible();
    await shot('schedule');

    await page.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('heading', { name: 'Outpost is locked' })).toBeVisible();
    await shot('locked');
    await device.close();
  });
}

for (const size of [widths[0], widths[3]]) {
  test(`more screens pass the accessibility check at ${size.width}px: sign-in error, register patient, timeline, unlock error`, async ({ browser }) => {
    const device = await Device.open(browser, clinic, { width: size.width, height: size.height });
    const { page } = device;
    await page.goto('/');
    await page.getByLabel('Username').fill('dr.demo');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expectAccessible(page, `sign-in error at ${size.width}px`);

    await device.signIn('dr.demo');
    await page.getByRole('link', { name: 'Register patient' }).click();
    await expect(page.getByRole('heading', { name: 'Register a patient' })).toBeVisible();
    await expectAccessible(page, `register patient at ${size.width}px`);

    await device.openPatient('Hermiston, Asa');
    await page.getByRole('link', { name: 'Timeline' }).first().click();
    await expect(page.getByRole('heading', { name: 'Timeline' })).toBeVisible();
    await expect(page.getByTestId('timeline')).toBeVisible();
    await expectAccessible(page, `timeline at ${size.width}px`);

    await page.getByRole('button', { name: 'Lock' }).click();
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expectAccessible(page, `unlock error at ${size.width}px`);
    await device.close();
  });
}

test('control: the accessibility check finds violations planted in a screen, under the real CSP', async ({ browser }) => {
  const device = await Device.open(browser, clinic);
  const { page } = device;
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  // A field without a label, light grey text on white, an image without a text alternative.
  await page.evaluate(() => {
    const box = document.createElement('div');
    box.innerHTML = '<input type="text"><p style="color:#bbbbbb;background:#ffffff">faint</p><img src="/icons/favicon.svg">';
    document.querySelector('main')!.append(box);
  });
  const ids = (await seriousViolations(page)).map((v) => v.id).sort();
  expect(ids).toEqual(['color-contrast', 'image-alt', 'label']);
  await device.close();
});
