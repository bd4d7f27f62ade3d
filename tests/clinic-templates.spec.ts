import { expect, test } from '@playwright/test';
import { noteText } from '../src/lib/chart/chart-doc';
import { listClinicTemplates } from '../src/lib/chart/templates-doc';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a clinician defines the clinic's own visit template on the
 * templates screen, then uses it in a visit: it fills only the sections
 * still empty, beside the built-in templates. Retired, it is no longer
 * offered. Everything reaches the server's clinic-wide document.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

for (const size of [
  { name: 'laptop', width: 1280, height: 860 },
  { name: 'phone', width: 390, height: 844 }
]) {
  test(`clinic template (${size.name}): defined on the templates screen, used in a visit without overwriting typed text`, async ({ browser }) => {
    const dr = await Device.open(browser, clinic, { width: size.width, height: size.height });
    const { page } = dr;
    await dr.signIn('dr.demo');
    const name = `Malaria follow-up ${size.name}`;

    await page.locator('header.bar').getByText('More', { exact: true }).click();
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Visit templates' })).toBeVisible();
    await page.getByRole('button', { name: 'New template' }).click();
    const form = page.getByTestId('template-form');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Visit type (optional)').fill('Follow-up');
    // Nothing to fill yet: said plainly, nothing saved.
    await form.getByRole('button', { name: 'Save template' }).click();
    await expect(form.getByRole('alert')).toHaveText('The template is not valid: Write the text of at least one section');
    await form.getByLabel('Objective').fill('Temperature: \nSpleen: ');
    await form.getByLabel('Plan').fill('Antimalarial and dose: \nNext review: ');
    await form.getByLabel('Subjective').fill('Fever since last visit: ');
    await expectAccessible(page, `templates screen, form (${size.name})`);
    await page.screenshot({ path: `test-results/clinic-templates-form-${size.name}.png`, fullPage: true });
    await form.getByRole('button', { name: 'Save template' }).click();
    await expect(page.getByTestId('templates-notice')).toHaveText(`Template “${name}” saved; it is offered in visits now.`);
    const item = page.getByTestId('clinic-template').filter({ hasText: name });
    await expect(item).toContainText('Follow-up');
    await expect(item).toContainText('Last changed by Dr. Amara Okafor');
    await expectAccessible(page, `templates screen, list (${size.name})`);
    await page.screenshot({ path: `test-results/clinic-templates-list-${size.name}.png`, fullPage: true });

    await dr.openPatient('Hermiston, Asa');
    await page.getByLabel('Reason for visit').fill(`Fever review ${size.name}`);
    await page.getByRole('button', { name: 'Start visit' }).click();
    await page.waitForURL(/\/visit\/[0-9a-f-]{36}$/);
    const patientId = new URL(page.url()).pathname.split('/')[2];
    const encounterId = new URL(page.url()).pathname.split('/visit/')[1];
    await page.getByLabel('Subjective', { exact: true }).fill('No fever for two days.');
    const picker = page.getByLabel('Visit template');
    await expect(picker.locator('optgroup[label="This clinic\'s templates"] option')).toContainText([name]);
    await expect(picker.locator('optgroup[label="Built-in"] option')).toHaveCount(5);
    await picker.selectOption({ label: `${name} (Follow-up)` });
    await page.getByRole('button', { name: 'Fill empty sections' }).click();
    await expect(page.getByTestId('visit-work-notice')).toHaveText('Template added to: Objective, Plan.');
    await expect(page.getByLabel('Subjective', { exact: true })).toHaveValue('No fever for two days.');
    await expect(page.getByLabel('Objective', { exact: true })).toHaveValue('Temperature: \nSpleen: ');
    await expect(page.getByLabel('Plan', { exact: true })).toHaveValue('Antimalarial and dose: \nNext review: ');
    await expect(page.getByLabel('Assessment', { exact: true })).toHaveValue('');
    await page.screenshot({ path: `test-results/clinic-templates-visit-${size.name}.png`, fullPage: true });

    await dr.waitSynced();
    const chart = (await serverDoc(clinic, `chart:${patientId}`))!;
    expect(noteText(chart, encounterId)).toEqual({ subjective: 'No fever for two days.', objective: 'Temperature: \nSpleen: ', assessment: '', plan: 'Antimalarial and dose: \nNext review: ' });
    const clinicId = (clinic.db.prepare('SELECT id FROM clinics LIMIT 1').get() as { id: string }).id;
    const templates = listClinicTemplates((await serverDoc(clinic, `templates:${clinicId}`))!);
    expect(templates.find((t) => t.name === name)).toMatchObject({ visitType: 'Follow-up', status: 'active', updatedBy: 'Dr. Amara Okafor' });

    // Retired: listed as such, no longer offered in a visit.
    await page.getByTestId('manage-templates').click();
    await page.getByRole('button', { name: `Retire ${name}` }).click();
    await expect(page.getByTestId('templates-notice')).toHaveText(`Template “${name}” retired: no longer offered in visits. Notes already written keep their text.`);
    await expect(page.getByTestId('clinic-template').filter({ hasText: name })).toContainText('Retired');
    await expect(page.getByRole('button', { name: `Offer ${name} again` })).toBeVisible();
    await page.goBack();
    await expect(page.getByLabel('Visit template')).toBeVisible();
    await expect(page.getByLabel('Visit template').locator('option', { hasText: name })).toHaveCount(0);
    await expect(page.getByLabel('Visit template').locator('option', { hasText: 'Hypertension review' })).toHaveCount(1);
    await dr.close();
  });
}
