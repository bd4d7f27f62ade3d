import 'fake-indexeddb/auto';
import { expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { z } from 'zod';
import { MEASURE_FACTS_VERSION } from '../chart/measure-facts-reader';
import { addCondition, addEncounter, initChartDoc, signNote } from '../chart/chart-doc';
import { addObservation } from '../chart/clinical-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { initRegistriesDoc, saveRegistry } from '../chart/registries-doc';
import { testVault } from '../storage/test-vault';
import { measureTrendsOnDevice, registrySizesOnDevice } from './population-figures.service';
import type { Workspace } from './workspace';

const dr = { id: 'u-doc', name: 'Dr. Test' };
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

async function store(ws: Workspace, name: string, doc: Y.Doc): Promise<void> {
  await ws.vault.docs.append(name, Y.encodeStateAsUpdate(doc), { pending: true, stateVector: Y.encodeStateVector(doc) });
}

test('the dashboard panels are computed from the records on the device: measure rates by month, registry sizes', async () => {
  const vault = await testVault();
  const ws = { vault, user: { id: dr.id, name: dr.name, roles: ['clinician'], clinicId: 'c1' } } as unknown as Workspace;
  const id = crypto.randomUUID();
  const patient = new Y.Doc();
  initPatientDoc(patient, id, { family: 'Achieng', given: ['A'], birthDate: '1970-01-01', gender: 'female' }, dr, 'MRN1');
  const chart = new Y.Doc();
  initChartDoc(chart, id);
  addCondition(chart, { text: 'Type 2 diabetes', coding: [{ system: ICD10, code: 'E11.9' }], onsetDate: '2020-01-01' }, dr);
  signNote(chart, addEncounter(chart, { type: 'Office visit', start: '2026-09-03T09:00:00.000Z' }, dr), dr);
  addObservation(chart, { category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: '2026-09-03', valueQuantity: { value: 10.2, unit: '%' } }, dr);
  await store(ws, `patient:${id}`, patient);
  await store(ws, `chart:${id}`, chart);
  await vault.patients.put({ id, name: { family: 'Achieng', given: ['A'] }, birthDate: '1970-01-01', gender: 'female', mrn: 'MRN1', updatedAt: '' });

  const { months, trends, patients } = await measureTrendsOnDevice(ws, '2026-11-20');
  expect(patients).toBe(1);
  expect(months.map((x) => x.label).slice(-3)).toEqual(['2026-09', '2026-10', '2026-11']);
  // Seen in September with HbA1c 10.2%: poor control from September on, nobody before.
  expect(trends[0]).toEqual({ measureId: 'CMS122', groupId: 'main', rates: [null, null, null, null, null, null, null, null, null, 1, 1, 1] });
  // The provider filter: the visit's signer, and someone who saw nobody.
  expect((await measureTrendsOnDevice(ws, '2026-11-20', 'Dr. Test')).trends[0].rates.slice(-3)).toEqual([1, 1, 1]);
  expect((await measureTrendsOnDevice(ws, '2026-11-20', 'Dr. Nobody')).trends[0].rates.slice(-3)).toEqual([null, null, null]);

  const before = await registrySizesOnDevice(ws, '2026-11-20T10:00:00.000Z');
  expect(before.map((s) => [s.registry.id, s.members])).toEqual([['diabetes', 1], ['hypertension', 0], ['pregnancy', 0], ['child-vaccines', 0], ['follow-up', 0]]);
  // A clinic registry synced to the device is counted after the built-in ones.
  const registries = new Y.Doc();
  initRegistriesDoc(registries, 'c1');
  saveRegistry(registries, { name: 'HbA1c over 9', rules: [{ kind: 'result', loinc: '4548-4', comparator: 'gt', value: 9, unit: '%' }] }, dr);
  await store(ws, 'registries:c1', registries);
  const after = await registrySizesOnDevice(ws, '2026-11-20T10:00:00.000Z');
  expect(after.map((s) => [s.registry.name, s.members, s.notEvaluated]).at(-1)).toEqual(['HbA1c over 9', 1, 0]);
  vault.close();
});

test('measure facts are kept sealed with the documents’ state vectors: a fresh page reads no document until one changes', async () => {
  const vault = await testVault();
  const ws = { vault, user: { id: dr.id, name: dr.name, roles: ['clinician'], clinicId: 'c1' } } as unknown as Workspace;
  const id = crypto.randomUUID();
  const patient = new Y.Doc();
  initPatientDoc(patient, id, { family: 'Achieng', given: ['A'], birthDate: '1970-01-01', gender: 'female' }, dr, 'MRN1');
  const chart = new Y.Doc();
  initChartDoc(chart, id);
  addCondition(chart, { text: 'Type 2 diabetes', coding: [{ system: ICD10, code: 'E11.9' }], onsetDate: '2020-01-01' }, dr);
  signNote(chart, addEncounter(chart, { type: 'Office visit', start: '2026-09-03T09:00:00.000Z' }, dr), dr);
  addObservation(chart, { category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: '2026-09-03', valueQuantity: { value: 10.2, unit: '%' } }, dr);
  await store(ws, `patient:${id}`, patient);
  await store(ws, `chart:${id}`, chart);
  expect((await measureTrendsOnDevice(ws, '2026-11-20')).trends[0].rates.slice(-3)).toEqual([1, 1, 1]);
  // The sealed copy is written after the figures are handed back: wait for it.
  await vi.waitFor(async () => expect(await vault.meta.getSealed(`measures:facts:${MEASURE_FACTS_VERSION}`, z.any(), 'measures')).toBeTruthy());

  const reads = vi.spyOn(vault.docs, 'loadInto');
  vi.resetModules();
  const fresh = await import('./population-figures.service');
  expect((await fresh.measureTrendsOnDevice(ws, '2026-11-20')).trends[0].rates.slice(-3)).toEqual([1, 1, 1]);
  expect(reads).not.toHaveBeenCalled();
  // A new HbA1c of 6.5 % in November: that patient's documents are read again, and the rate follows.
  const sv = Y.encodeStateVector(chart);
  addObservation(chart, { category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: '2026-11-02', valueQuantity: { value: 6.5, unit: '%' } }, dr);
  await vault.docs.append(`chart:${id}`, Y.encodeStateAsUpdate(chart, sv), { pending: true, stateVector: Y.encodeStateVector(chart) });
  expect((await fresh.measureTrendsOnDevice(ws, '2026-11-20')).trends[0].rates.slice(-3)).toEqual([1, 1, 0]);
  expect(reads.mock.calls.map(([name]) => name)).toEqual([`patient:${id}`, `chart:${id}`]);
  vault.close();
});

test('a role without the charts gets a refusal, not empty figures', async () => {
  const vault = await testVault();
  const ws = { vault, user: { id: 'desk', name: 'Desk', roles: ['frontdesk'], clinicId: 'c1' } } as unknown as Workspace;
  await expect(measureTrendsOnDevice(ws, '2026-11-20')).rejects.toThrow('Quality measure trends on this device need access to the charts.');
  await expect(registrySizesOnDevice(ws)).rejects.toThrow('Registry sizes on this device need access to the charts.');
  vault.close();
});
