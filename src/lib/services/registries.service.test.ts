import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { addCondition, initChartDoc } from '../chart/chart-doc';
import { addObservation } from '../chart/clinical-doc';
import { initTasksDoc, listTasks } from '../chart/tasks-doc';
import { queueTransfer, updateTransfer } from '../chart/transfer-outbox-doc';
import { builtInRegistry } from '../domain/registries/built-in-registries';
import type { PatientSummary } from '../domain/patient';
import { testVault } from '../storage/test-vault';
import type { LiveDoc } from '../sync/live-doc';
import { LiveClinicTasks } from './clinic-tasks.svelte';
import { raiseReferralTasks } from './referral-tasks';
import { registryWorklist } from './registries.service.svelte';
import type { Workspace } from './workspace';

const dr = { id: 'u-doc', name: 'Dr. Test' };
const NOW = '2026-12-01T10:00:00.000Z';

async function store(ws: Workspace, name: string, doc: Y.Doc): Promise<void> {
  await ws.vault.docs.append(name, Y.encodeStateAsUpdate(doc), { pending: true, stateVector: Y.encodeStateVector(doc) });
}
const summary = (id: string, family: string): PatientSummary => ({ id, name: { family, given: ['A'] }, birthDate: '1970-01-01', gender: 'female', mrn: family.toUpperCase(), updatedAt: '' });

test('a registry is worked out from the charts on the device, and follows a chart that changes', async () => {
  const vault = await testVault();
  const ws = { vault, user: { id: dr.id, name: dr.name, roles: ['clinician'], clinicId: 'c1' } } as unknown as Workspace;
  const [p1, p2] = [crypto.randomUUID(), crypto.randomUUID()];
  const c1 = new Y.Doc();
  initChartDoc(c1, p1);
  addCondition(c1, { text: 'Type 2 diabetes', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] }, dr);
  addObservation(c1, { category: 'laboratory', code: { text: 'HbA1c', coding: [{ code: '4548-4' }] }, effectiveDateTime: '2026-10-01', valueQuantity: { value: 9.4, unit: '%' } }, dr);
  const c2 = new Y.Doc();
  initChartDoc(c2, p2);
  await store(ws, `chart:${p1}`, c1);
  await store(ws, `chart:${p2}`, c2);
  const patients = [summary(p1, 'Achieng'), summary(p2, 'Baraka'), summary(crypto.randomUUID(), 'NoChartHere')];

  const diabetes = builtInRegistry('diabetes')!;
  const first = await registryWorklist(diabetes, patients, NOW, ws);
  expect(first.members.map((r) => [r.name, r.keyResult?.value, r.filters])).toEqual([['Achieng, A', 9.4, ['hba1c-over-9']]]);

  addCondition(c2, { text: 'Diabetes', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E10.9' }] }, dr);
  await store(ws, `chart:${p2}`, c2);
  const second = await registryWorklist(diabetes, patients, NOW, ws);
  expect(second.members.map((r) => [r.name, r.filters])).toEqual([['Achieng, A', ['hba1c-over-9']], ['Baraka, A', ['hba1c-stale']]]);
  vault.close();
});

test('a referral open past its due date raises one task for the clinicians, once', async () => {
  const vault = await testVault();
  const ws = { vault, user: { id: dr.id, name: dr.name, roles: ['clinician'], clinicId: 'c1' } } as unknown as Workspace;
  const p1 = crypto.randomUUID();
  const chart = new Y.Doc();
  initChartDoc(chart, p1);
  const referral = queueTransfer(chart, { destinationId: 'hill', destinationName: 'Hill Clinic', reason: 'Eye review', noteIds: [] }, dr);
  updateTransfer(chart, referral, { state: 'delivered', sentAt: '2026-10-01T09:00:00.000Z' }, dr);
  await store(ws, `chart:${p1}`, chart);
  const tasksDoc = new Y.Doc();
  initTasksDoc(tasksDoc, 'c1');
  const tasks = new LiveClinicTasks({ doc: tasksDoc } as unknown as LiveDoc, 'write', { ...dr, roles: ['clinician'] }, async () => {});
  const describe = (r: { destinationName: string }) => `Referral to ${r.destinationName} has had no reply`;

  // Positive control: not yet due on 29 October, so nothing is raised.
  expect(await raiseReferralTasks(tasks, describe, '2026-10-29', ws)).toBe(0);
  expect(await raiseReferralTasks(tasks, describe, '2026-12-01', ws)).toBe(1);
  expect(await raiseReferralTasks(tasks, describe, '2026-12-01', ws)).toBe(0);
  expect(listTasks(tasksDoc)).toMatchObject([
    { id: `referral-${referral}`, patientId: p1, description: 'Referral to Hill Clinic has had no reply', owner: { kind: 'role', role: 'clinician' }, dueDate: '2026-10-29', category: 'clinical', focus: { kind: 'referral', ref: referral, label: 'Hill Clinic' }, status: 'requested' }
  ]);
  tasks.close();
  vault.close();
});
