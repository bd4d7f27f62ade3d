import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { addCondition, initChartDoc } from '../src/lib/chart/chart-doc';
import { addObservation } from '../src/lib/chart/clinical-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { listTasks } from '../src/lib/chart/tasks-doc';
import { listRegistries } from '../src/lib/chart/registries-doc';
import { docName } from '../src/lib/domain/doc-names';
import { expectAccessible } from './support/axe';
import { Device, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * Journey: the diabetes registry lists a patient whose last HbA1c is 9.4%;
 * the clinician filters to HbA1c over 9%, creates a task for the nurses from
 * the row; on another device the nurse finds it in My tasks on Today,
 * completes it offline while the clinician adds a second task, and both
 * merge on the server once the nurse's device reconnects.
 */
let clinic: Clinic;
let clinicId = '';
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

/** A diabetic patient with one HbA1c result, written server-side as an import would. */
async function seedDiabetic(family: string, given: string, hba1c: number): Promise<string> {
  const user = clinic.db.prepare('SELECT id, clinic_id AS clinicId, name FROM users WHERE username = ?').get('dr.demo') as { id: string; clinicId: string; name: string };
  clinicId = user.clinicId;
  const actor = { id: user.id, name: user.name };
  const id = crypto.randomUUID();
  const patient = new Y.Doc();
  initPatientDoc(patient, id, { family, given: [given], birthDate: '1968-03-02', gender: 'female' }, actor, `ZZDM${Math.round(hba1c * 10)}`);
  const chart = new Y.Doc();
  initChartDoc(chart, id);
  addCondition(chart, { text: 'Type 2 diabetes mellitus', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] }, actor);
  addObservation(chart, { category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: new Date(Date.now() - 20 * 86_400_000).toISOString(), valueQuantity: { value: hba1c, unit: '%' } }, actor);
  await clinic.sync.applyServerUpdate(docName('patient', id), user.clinicId, Y.encodeStateAsUpdate(patient), user.id);
  await clinic.sync.applyServerUpdate(docName('chart', id), user.clinicId, Y.encodeStateAsUpdate(chart), user.id);
  return `${family}, ${given}`;
}

test('diabetes registry: filter to HbA1c over 9%, task from the row, completed offline on another device, merged', async ({ browser }) => {
  test.setTimeout(120_000);
  const high = await seedDiabetic('Wanjiru', 'Rosa', 9.4);
  const controlled = await seedDiabetic('Otieno', 'Grace', 6.9);

  const dr = await Device.open(browser, clinic, { width: 1280, height: 860 });
  await dr.signIn('dr.demo');
  await dr.page.getByRole('link', { name: 'Population health' }).click();
  await dr.page.getByRole('navigation', { name: 'Population health views' }).getByRole('link', { name: 'Registries', exact: true }).click();
  await dr.page.getByTestId('registry-link').filter({ hasText: 'Diabetes' }).click();
  const rows = dr.page.getByTestId('registry-row');
  const rosa = rows.filter({ hasText: high });
  await expect(rosa.getByTestId('key-result')).toContainText('9.4 %');
  // Positive control: the controlled patient is listed before the filter.
  await expect(rows.filter({ hasText: controlled }).getByTestId('key-result')).toContainText('6.9 %');
  await dr.page.getByLabel('Last HbA1c over 9%').check();
  await expect(rows.filter({ hasText: controlled })).toHaveCount(0);
  await expect(rosa).toHaveCount(1);
  await expect(rosa.getByRole('link', { name: `Book: ${high}` })).toHaveAttribute('href', /^\/schedule\?book=[0-9a-f-]{36}$/);
  await dr.page.getByRole('combobox', { name: 'Sort by' }).selectOption('keyValue');
  await dr.page.getByRole('combobox', { name: 'Order' }).selectOption('desc');
  await expect(rows.first()).toContainText(high);
  await expectAccessible(dr.page, 'diabetes registry, filtered (1280)');
  await dr.page.screenshot({ path: '/tmp/registries-worklist-1280.png', fullPage: true });

  await rosa.getByRole('button', { name: `Create task: ${high}` }).click();
  const form = rosa.getByTestId('task-form');
  await expect(form.getByLabel('What is to be done')).toHaveValue(/^Review Diabetes: HbA1c 9\.4 %/);
  await form.getByLabel('What is to be done').fill('Call Rosa back for an HbA1c review visit');
  await form.getByLabel('For').selectOption('role:nurse');
  await form.getByRole('button', { name: 'Save task' }).click();
  await expect(dr.page.getByTestId('registry-notice')).toHaveText(`Task saved for ${high}.`);
  await dr.waitSynced();

  // The nurse's phone: the task is in My tasks on Today.
  const nurse = await Device.open(browser, clinic, { width: 390, height: 844 });
  await nurse.signIn('nurse.demo');
  const mine = nurse.page.getByTestId('my-tasks');
  const task = mine.getByTestId('my-task').filter({ hasText: 'Call Rosa back for an HbA1c review visit' });
  await expect(task).toContainText(high);
  await expect(task).toContainText('for Any nurse');
  await expect(task).toContainText('From: Diabetes');
  await expectAccessible(nurse.page, 'Today with My tasks (390)');
  await mine.scrollIntoViewIfNeeded();
  await nurse.page.screenshot({ path: '/tmp/registries-today-390.png' });

  // Completed offline; meanwhile the clinician adds a second task for the nurses.
  await nurse.offline();
  await task.getByRole('button', { name: /^Complete/ }).click();
  await expect(mine.getByRole('status')).toHaveText('Task completed.');
  await expect(task).toHaveCount(0);
  await dr.page.getByTestId('registry-row').filter({ hasText: high }).getByRole('button', { name: `Create task: ${high}` }).click();
  await dr.page.getByTestId('task-form').getByLabel('What is to be done').fill('Book a foot check');
  await dr.page.getByTestId('task-form').getByLabel('For').selectOption('role:nurse');
  await dr.page.getByTestId('task-form').getByRole('button', { name: 'Save task' }).click();
  await dr.waitSynced();
  await nurse.online();
  await expect(mine.getByTestId('my-task').filter({ hasText: 'Book a foot check' })).toBeVisible({ timeout: 30_000 });
  await nurse.waitSynced();

  const tasks = listTasks((await serverDoc(clinic, `tasks:${clinicId}`))!);
  expect(tasks.map((t) => [t.description, t.status, t.completedBy]).sort()).toEqual([
    ['Book a foot check', 'requested', ''],
    ['Call Rosa back for an HbA1c review visit', 'completed', 'Nurse Tomás Reyes']
  ]);

  // The registry at phone width.
  await nurse.page.getByRole('link', { name: 'Population health' }).click();
  await nurse.page.getByRole('navigation', { name: 'Population health views' }).getByRole('link', { name: 'Registries', exact: true }).click();
  await nurse.page.getByTestId('registry-link').filter({ hasText: 'Diabetes' }).click();
  await expect(nurse.page.getByTestId('registry-row').filter({ hasText: high })).toBeVisible();
  await expectAccessible(nurse.page, 'diabetes registry (390)');
  await nurse.page.screenshot({ path: '/tmp/registries-worklist-390.png', fullPage: true });
  await nurse.close();
  await dr.close();
});

test('a clinician defines the clinic’s own registry: a bad rule is said plainly, a good one is saved, listed and worked out', async ({ browser }) => {
  const high = await seedDiabetic('Kiprono', 'Faith', 10.2);
  for (const size of [
    { name: '1280', width: 1280, height: 860 },
    { name: '390', width: 390, height: 844 }
  ]) {
    const dr = await Device.open(browser, clinic, { width: size.width, height: size.height });
    await dr.signIn('dr.demo');
    await dr.page.getByRole('link', { name: 'Population health' }).click();
    await dr.page.getByRole('navigation', { name: 'Population health views' }).getByRole('link', { name: 'Registries', exact: true }).click();
    const form = dr.page.getByTestId('registry-form');
    const name = `Diabetic women, HbA1c over 10 (${size.name})`;
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Codes or first characters, separated by commas').fill('diabetes');
    await form.getByRole('button', { name: 'Save registry' }).click();
    await expect(form.getByRole('alert')).toHaveText('The registry is not valid: Use an ICD-10-CM code or its first characters, e.g. E11');
    await form.getByLabel('Codes or first characters, separated by commas').fill('E11');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await form.getByLabel('Rule 2').selectOption('result');
    await form.getByLabel('LOINC code', { exact: true }).fill('4548-4');
    await form.getByRole('combobox', { name: /^Test/ }).selectOption('gt');
    await form.getByLabel('Value').fill('10');
    await form.getByLabel('Unit').fill('%');
    await expectAccessible(dr.page, `registry form (${size.name})`);
    await dr.page.screenshot({ path: `/tmp/registries-form-${size.name}.png`, fullPage: true });
    await form.getByRole('button', { name: 'Save registry' }).click();
    await expect(dr.page.getByTestId('registries-notice')).toHaveText(`Registry “${name}” saved; it is on every device of the clinic once they sync.`);
    const item = dr.page.getByTestId('custom-registry').filter({ hasText: name });
    await expect(item).toContainText('Rules: problem E11; latest 4548-4 > 10 %');
    await item.getByTestId('registry-link').click();
    await expect(dr.page.getByTestId('registry-row').filter({ hasText: high })).toBeVisible();
    await expect(dr.page.getByTestId('registry-row').filter({ hasText: 'Wanjiru, Rosa' })).toHaveCount(0);
    await dr.waitSynced();
    await dr.close();
  }
  const registries = listRegistries((await serverDoc(clinic, `registries:${clinicId}`))!);
  expect(registries.map((r) => r.name).sort()).toEqual(['Diabetic women, HbA1c over 10 (1280)', 'Diabetic women, HbA1c over 10 (390)']);
});
