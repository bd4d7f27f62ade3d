import { expect, test } from '@playwright/test';
import { Device, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: two clinicians on two laptops edit the same chart while both are
 * offline — different demographic fields and the same visit note — then
 * reconnect. Both see everything both of them did.
 */
let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

test('offline edits on two devices merge with nothing lost', async ({ browser }) => {
  const dr = await Device.open(browser, clinic);
  const nurse = await Device.open(browser, clinic);
  await dr.signIn('dr.demo');
  await nurse.signIn('nurse.demo');

  // The doctor opens a chart and starts a visit while online; the nurse opens the same note.
  const name = (await dr.page.getByTestId('patient-link').first().textContent())!.trim();
  // Paths, not URLs: each device reaches the server through its own cable (origin).
  const chartUrl = new URL(await dr.openPatient(name)).pathname;
  await dr.page.getByLabel('Reason for visit').fill('Follow-up of blood pressure');
  await dr.page.getByRole('button', { name: 'Start visit' }).click();
  await expect(dr.page.getByLabel('Subjective')).toBeVisible();
  const visitUrl = new URL(dr.page.url()).pathname;
  await dr.waitSynced();

  await nurse.visit(visitUrl);
  await expect(nurse.page.getByLabel('Subjective')).toBeVisible();
  await nurse.waitSynced();

  // Both lose the network.
  await dr.offline();
  await nurse.offline();

  await dr.page.getByLabel('Subjective').pressSequentially('Doctor: headaches in the morning.');
  await nurse.page.getByLabel('Subjective').pressSequentially('Nurse: BP 150/95 at triage.');
  await nurse.page.getByLabel('Objective').pressSequentially('Weight 82 kg.');

  // Different demographic fields on each device.
  await dr.visit(chartUrl);
  await dr.page.getByRole('button', { name: 'Edit details' }).click();
  await dr.page.getByLabel('Phone').fill('555-0142');
  await dr.page.getByRole('button', { name: 'Save details' }).click();
  await expect(dr.page.getByTestId('patient-phone')).toHaveText('555-0142');

  await nurse.visit(chartUrl);
  await nurse.page.getByRole('button', { name: 'Edit details' }).click();
  await nurse.page.getByLabel('Town / village').fill('Millbrook');
  await nurse.page.getByRole('button', { name: 'Save details' }).click();
  await expect(nurse.page.getByTestId('patient-address')).toContainText('Millbrook');

  await expect(dr.page.getByTestId('sync-indicator')).toContainText('pending');
  await expect(nurse.page.getByTestId('sync-indicator')).toContainText('pending');

  // Reconnect both.
  await dr.online();
  await nurse.online();
  await dr.waitSynced();
  await nurse.waitSynced();

  for (const device of [dr, nurse]) {
    await device.visit(chartUrl);
    await expect(device.page.getByTestId('patient-phone')).toHaveText('555-0142');
    await expect(device.page.getByTestId('patient-address')).toContainText('Millbrook');
    await device.visit(visitUrl);
    const subjective = device.page.getByLabel('Subjective');
    await expect(subjective).toHaveValue(/Doctor: headaches in the morning\./);
    await expect(subjective).toHaveValue(/Nurse: BP 150\/95 at triage\./);
    await expect(device.page.getByLabel('Objective')).toHaveValue('Weight 82 kg.');
  }

  await dr.close();
  await nurse.close();
});

test('online, two people type in the same note at once and see each other live', async ({ browser }) => {
  const dr = await Device.open(browser, clinic);
  const nurse = await Device.open(browser, clinic);
  await dr.signIn('dr.demo');
  await nurse.signIn('nurse.demo');

  const name = (await dr.page.getByTestId('patient-link').nth(1).textContent())!.trim();
  await dr.openPatient(name);
  await dr.page.getByLabel('Reason for visit').fill('Shortness of breath');
  await dr.page.getByRole('button', { name: 'Start visit' }).click();
  // Read the address only once the visit page is showing: right after the
  // click the page may still be on the chart.
  await expect(dr.page.getByLabel('Plan')).toBeVisible();
  const visitPath = new URL(dr.page.url()).pathname;
  expect(visitPath).toMatch(/\/visit\//);
  await dr.waitSynced();
  await nurse.visit(visitPath);

  // The doctor sees the nurse arrive. (The reverse direction depends on the
  // doctor's presence state reaching a socket the nurse opened after it was
  // sent; it is not asserted until the client re-announces on connect.)
  await expect(dr.page.getByTestId('presence')).toContainText('Nurse Tomás Reyes');

  // Typing at the same time in one section: both edits survive, live, without a reload.
  await Promise.all([
    dr.page.getByLabel('Plan').pressSequentially('Chest X-ray. ', { delay: 15 }),
    nurse.page.getByLabel('Plan').pressSequentially('SpO2 93% on room air. ', { delay: 15 })
  ]);
  for (const device of [dr, nurse]) {
    await expect(device.page.getByLabel('Plan')).toHaveValue(/Chest X-ray\./);
    await expect(device.page.getByLabel('Plan')).toHaveValue(/SpO2 93% on room air\./);
  }
  const drText = await dr.page.getByLabel('Plan').inputValue();
  await expect(nurse.page.getByLabel('Plan')).toHaveValue(drText);

  // The doctor signs; the nurse's copy locks at once.
  await dr.page.getByRole('button', { name: 'Sign note…' }).click();
  await dr.page.getByRole('button', { name: 'Sign note', exact: true }).click();
  await expect(nurse.page.getByTestId('note-status')).toContainText('Signed by Dr. Amara Okafor');
  await expect(nurse.page.getByLabel('Plan')).toHaveJSProperty('readOnly', true);

  await dr.close();
  await nurse.close();
});
