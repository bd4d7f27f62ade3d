import { expect, test, type Page } from '@playwright/test';
import { conflictsOf, listAllergies } from '../src/lib/chart/chart-doc';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: a doctor and a nurse on two laptops both change the same
 * allergy's reaction and severity while offline, differently. When they
 * reconnect nothing is silently overwritten: both see the entry flagged
 * "Needs review" with both values, who entered each and when. The doctor
 * keeps one value per field and the flag clears on both laptops.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const SUBSTANCE = 'Cefaclor';

function allergyRow(page: Page) {
  return page.getByTestId('allergy').filter({ hasText: SUBSTANCE });
}

async function editAllergy(page: Page, reaction: string, severity: string): Promise<void> {
  const row = allergyRow(page);
  await row.getByRole('button', { name: 'Edit', exact: true }).click();
  await row.getByLabel('Reaction').fill(reaction);
  await row.getByLabel('Severity').selectOption(severity);
  await row.getByRole('button', { name: 'Save changes' }).click();
  await expect(row).toContainText(`Reaction: ${reaction}`);
}

test('the same allergy changed on two offline devices is flagged with both values until a clinician resolves it', async ({ browser }) => {
  const dr = await Device.open(browser, clinic);
  const nurse = await Device.open(browser, clinic);
  await dr.signIn('dr.demo');
  await nurse.signIn('nurse.demo');

  // The doctor records an allergy online; the nurse has the chart open with it.
  const name = (await dr.page.getByTestId('patient-link').first().textContent())!.trim();
  const chartPath = new URL(await dr.openPatient(name)).pathname;
  const patientId = chartPath.split('/patients/')[1];
  await dr.page.getByRole('button', { name: 'Add allergy' }).click();
  await dr.page.getByLabel('Substance').fill(SUBSTANCE);
  await dr.page.getByLabel('Reaction', { exact: true }).fill('Hives');
  await dr.page.getByRole('button', { name: 'Save allergy' }).click();
  await expect(allergyRow(dr.page)).toBeVisible();
  await dr.waitSynced();
  await nurse.visit(chartPath);
  await expect(allergyRow(nurse.page)).toContainText('Reaction: Hives');
  await nurse.waitSynced();

  // Both lose the network and change the same fields differently.
  await dr.offline();
  await nurse.offline();
  await editAllergy(dr.page, 'Anaphylaxis', 'severe');
  await editAllergy(nurse.page, 'Rash on trunk', 'moderate');
  await expect(dr.page.getByTestId('needs-review')).toHaveCount(0);

  await dr.online();
  await nurse.online();
  await dr.waitSynced();
  await nurse.waitSynced();

  // Both see the flag, both values, who and when.
  for (const device of [dr, nurse]) {
    await device.visit(chartPath);
    const row = allergyRow(device.page);
    await expect(row.getByTestId('needs-review')).toBeVisible();
    // One of the disputed severities is severe: the entry is red whichever value is shown for now.
    await expect(row).toHaveClass(/severe/);
    const reaction = row.locator('[data-field="reaction"]');
    await expect(reaction.getByTestId('conflict-value').filter({ hasText: 'Anaphylaxis' })).toContainText('Dr. Amara Okafor');
    await expect(reaction.getByTestId('conflict-value').filter({ hasText: 'Rash on trunk' })).toContainText('Nurse Tomás Reyes');
    const severity = row.locator('[data-field="severity"]');
    await expect(severity.getByTestId('conflict-value')).toHaveCount(2);
    await expect(device.page.getByTestId('review-notice')).toContainText(`${SUBSTANCE} allergy`);
  }
  await dr.page.getByTestId('allergies').screenshot({ path: '/tmp/allergy-conflict-laptop.png' });
  await dr.page.getByTestId('review-notice').screenshot({ path: '/tmp/allergy-conflict-notice.png' });
  await nurse.page.setViewportSize({ width: 820, height: 1180 });
  await allergyRow(nurse.page).screenshot({ path: '/tmp/allergy-conflict-tablet.png' });

  // The server holds both values too: nothing was overwritten.
  const before = await serverDoc(clinic, `chart:${patientId}`);
  const id = listAllergies(before!).find((a) => a.code.text === SUBSTANCE)!.id;
  expect(conflictsOf(before!, 'allergies', id).map((c) => c.field).sort()).toEqual(['reaction', 'severity']);

  // The doctor keeps the anaphylaxis history and the severe grading.
  const row = allergyRow(dr.page);
  await row.getByRole('button', { name: 'Keep “Anaphylaxis”' }).click();
  await row.getByRole('button', { name: 'Keep “Severe”' }).click();
  await expect(row.getByTestId('needs-review')).toHaveCount(0);
  await expect(row).toContainText('Reaction: Anaphylaxis');
  await expect(dr.page.getByTestId('review-notice')).toHaveCount(0);
  await dr.waitSynced();

  // The nurse's open chart clears live.
  const nurseRow = allergyRow(nurse.page);
  await expect(nurseRow.getByTestId('needs-review')).toHaveCount(0);
  await expect(nurseRow).toContainText('Reaction: Anaphylaxis');
  await expect(nurseRow).toContainText('Severe');

  const after = await serverDoc(clinic, `chart:${patientId}`);
  expect(conflictsOf(after!, 'allergies', id)).toEqual([]);
  expect(listAllergies(after!).find((a) => a.id === id)).toMatchObject({ reaction: 'Anaphylaxis', severity: 'severe' });

  await dr.close();
  await nurse.close();
});
