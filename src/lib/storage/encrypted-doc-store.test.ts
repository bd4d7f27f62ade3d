import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, addEncounter, initChartDoc, listAllergies, noteSection } from '../chart/chart-doc';
import { testVault } from './test-vault';

const dr = { id: 'u1', name: 'Dr. Test' };
const pid = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
const name = `chart:${pid}`;

/** A chart whose every local transaction is appended to the store, as an open record does. */
function recordingChart() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  return { doc, updates };
}

async function reload(vault: Awaited<ReturnType<typeof testVault>>, doc = name): Promise<Y.Doc> {
  const out = new Y.Doc();
  expect(await vault.docs.loadInto(doc, out, 'store')).toBe(true);
  return out;
}

describe('encrypted document store', () => {
  test('updates round-trip into an equal document; an unknown document loads as nothing', async () => {
    const vault = await testVault();
    const { doc, updates } = recordingChart();
    initChartDoc(doc, pid);
    addAllergy(doc, { substance: 'Penicillin', category: 'medication' }, dr);
    for (const u of updates) await vault.docs.append(name, u, { pending: true });
    const loaded = await reload(vault);
    expect(listAllergies(loaded)).toEqual(listAllergies(doc));
    expect(await vault.docs.load(`chart:${crypto.randomUUID()}`)).toBeNull();
    vault.close();
  });

  test('pending until confirmed; edits made during a flush stay pending', async () => {
    const vault = await testVault();
    const { doc, updates } = recordingChart();
    initChartDoc(doc, pid);
    await vault.docs.append(name, updates[0], { pending: true });
    await vault.docs.append('patient:' + pid, Y.encodeStateAsUpdate(new Y.Doc()), { pending: false });
    expect(await vault.docs.pendingDocs()).toEqual([name]);
    const pending = await vault.docs.pendingUpdate(name);
    expect(pending?.seqs.length).toBe(1);
    addAllergy(doc, { substance: 'Latex', category: 'environment' }, dr);
    await vault.docs.append(name, updates[1], { pending: true });
    await vault.docs.markConfirmed(name, pending!.seqs);
    expect(await vault.docs.pendingCount()).toBe(1);
    const rest = await vault.docs.pendingUpdate(name);
    await vault.docs.markConfirmed(name, rest!.seqs);
    expect(await vault.docs.pendingCount()).toBe(0);
    expect(await vault.docs.pendingUpdate(name)).toBeNull();
    vault.close();
  });

  test('the stored state vector tracks what the device holds', async () => {
    const vault = await testVault();
    const { doc, updates } = recordingChart();
    initChartDoc(doc, pid);
    addAllergy(doc, { substance: 'Penicillin', category: 'medication' }, dr);
    const replica = new Y.Doc();
    for (const u of updates) {
      Y.applyUpdate(replica, u);
      await vault.docs.append(name, u, { pending: false, stateVector: Y.encodeStateVector(replica) });
    }
    expect(Y.decodeStateVector(await vault.docs.stateVector(name))).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)));
    vault.close();
  });

  // An over-reported vector would make catch-up skip edits the device never received.
  test('without the live document, the state vector may lag but never runs ahead', async () => {
    const vault = await testVault();
    const { doc, updates } = recordingChart();
    initChartDoc(doc, pid);
    addAllergy(doc, { substance: 'Penicillin', category: 'medication' }, dr);
    await vault.docs.append(name, updates[1], { pending: false });
    expect(Y.decodeStateVector(await vault.docs.stateVector(name)).size).toBe(0);
    await vault.docs.append(name, updates[0], { pending: false });
    const sv = Y.decodeStateVector(await vault.docs.stateVector(name));
    expect(sv.get(doc.clientID)! <= Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID)!).toBe(true);
    vault.close();
  });

  test('compaction keeps every edit, confirmed and pending apart, and stays under the row limit', async () => {
    const vault = await testVault(undefined, undefined, { compactAfterRows: 10 });
    const { doc, updates } = recordingChart();
    initChartDoc(doc, pid);
    const enc = addEncounter(doc, { reason: 'Cough' }, dr);
    const text = noteSection(doc, enc, 'subjective');
    for (const ch of 'Dry cough for three days') text.insert(text.length, ch);
    let i = 0;
    for (const u of updates) await vault.docs.append(name, u, { pending: i++ < 15 ? false : true });
    const rows = await vault.db.updates.where('doc').equals(name).toArray();
    expect(rows.length).toBeLessThan(10);
    expect(rows.some((r) => r.kind === 'snapshot' && r.pending === 0)).toBe(true);
    const loaded = await reload(vault);
    expect(noteSection(loaded, enc, 'subjective').toString()).toBe('Dry cough for three days');
    const pending = await vault.docs.pendingUpdate(name);
    expect(pending).not.toBeNull();
    vault.close();
  });

  // Guards against a row's ciphertext being swapped with another document's row and shown as that patient's chart.
  test('a ciphertext moved to another document is detected, not shown', async () => {
    const vault = await testVault();
    const other = `chart:${crypto.randomUUID()}`;
    const a = new Y.Doc();
    initChartDoc(a, pid);
    const b = new Y.Doc();
    initChartDoc(b, other.slice(6));
    await vault.docs.append(name, Y.encodeStateAsUpdate(a), { pending: false });
    await vault.docs.append(other, Y.encodeStateAsUpdate(b), { pending: false });
    const [ra, rb] = await Promise.all([
      vault.db.updates.where('doc').equals(name).first(),
      vault.db.updates.where('doc').equals(other).first()
    ]);
    await vault.db.updates.update(ra!.seq!, { iv: rb!.iv, data: rb!.data });
    await expect(vault.docs.load(name)).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/damaged/) });
    vault.close();
  });

  test('a row from an older or broken version gives a clear error, never an empty chart', async () => {
    const vault = await testVault();
    await vault.docs.append(name, Y.encodeStateAsUpdate(new Y.Doc()), { pending: false });
    const row = await vault.db.updates.where('doc').equals(name).first();
    await vault.db.updates.put({ ...row!, data: 'not bytes' as unknown as Uint8Array });
    await expect(vault.docs.load(name)).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/chart data .* damaged/) });
    vault.close();
  });
});
