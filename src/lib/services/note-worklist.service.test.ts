import 'fake-indexeddb/auto';
import { expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { addEncounter, initChartDoc, signNote } from '../chart/chart-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { testVault } from '../storage/test-vault';
import { cachedNoteWorklist, rebuildNoteWorklist } from './note-worklist.service';
import type { Workspace } from './workspace';

const dr = { id: 'u1', name: 'Dr. Test' };

async function store(ws: Workspace, name: string, doc: Y.Doc): Promise<void> {
  await ws.vault.docs.append(name, Y.encodeStateAsUpdate(doc), { pending: true, stateVector: Y.encodeStateVector(doc) });
}

test('the worklist is rebuilt from the charts on the device, sealed, and follows signing', async () => {
  const vault = await testVault();
  // Only the vault is read; the rest of a workspace is not needed here.
  const ws = { vault } as unknown as Workspace;
  const p1 = crypto.randomUUID();
  const p2 = crypto.randomUUID();
  const c1 = new Y.Doc();
  initChartDoc(c1, p1);
  const draft = addEncounter(c1, { reason: 'Cough' }, dr);
  const c2 = new Y.Doc();
  initChartDoc(c2, p2);
  const done = addEncounter(c2, { reason: 'Rash' }, dr);
  signNote(c2, done, dr);
  const patient = new Y.Doc();
  initPatientDoc(patient, p1, { family: 'Doe', given: ['Jo'], birthDate: '1980-01-01', gender: 'female' }, dr, 'MRN000001');
  await store(ws, `chart:${p1}`, c1);
  await store(ws, `chart:${p2}`, c2);
  await store(ws, `patient:${p1}`, patient);

  expect(await cachedNoteWorklist(ws)).toEqual([]);
  const rows = await rebuildNoteWorklist(ws);
  expect(rows.map((r) => [r.patientId, r.encounterId, r.kind])).toEqual([[p1, draft, 'draft']]);
  expect(await cachedNoteWorklist(ws)).toEqual(rows);

  signNote(c1, draft, dr);
  await store(ws, `chart:${p1}`, c1);
  expect(await rebuildNoteWorklist(ws)).toEqual([]);
  vault.close();
});

test('the cached list at rest holds no note reason in the clear', async () => {
  const vault = await testVault();
  const ws = { vault } as unknown as Workspace;
  const c = new Y.Doc();
  initChartDoc(c, crypto.randomUUID());
  addEncounter(c, { reason: 'Distinctive-reason-xyz' }, dr);
  await store(ws, `chart:${crypto.randomUUID()}`, c);
  await rebuildNoteWorklist(ws);
  const raw = JSON.stringify(await vault.db.meta.toArray(), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v));
  expect(raw).not.toContain('Distinctive-reason-xyz');
  vault.close();
});

test('a rebuild opens only the charts that changed since the last one', async () => {
  const vault = await testVault();
  const ws = { vault } as unknown as Workspace;
  const charts = Array.from({ length: 5 }, () => {
    const doc = new Y.Doc();
    const id = crypto.randomUUID();
    initChartDoc(doc, id);
    addEncounter(doc, { reason: 'Visit' }, dr);
    return { id, doc };
  });
  for (const c of charts) await store(ws, `chart:${c.id}`, c.doc);
  const loads = vi.spyOn(vault.docs, 'loadInto');
  expect(await rebuildNoteWorklist(ws)).toHaveLength(5);
  expect(loads).toHaveBeenCalledTimes(5);
  loads.mockClear();
  addEncounter(charts[2].doc, { reason: 'Second visit' }, dr);
  await store(ws, `chart:${charts[2].id}`, charts[2].doc);
  expect(await rebuildNoteWorklist(ws)).toHaveLength(6);
  expect(loads).toHaveBeenCalledTimes(1);
  vault.close();
});
