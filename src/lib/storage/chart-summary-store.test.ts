import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import Dexie from 'dexie';
import * as Y from 'yjs';
import { addAllergy, addCondition, initChartDoc } from '../chart/chart-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { recordVitals } from '../chart/vitals-doc';
import { ApiClient } from '../services/api-client';
import { LiveRecord } from '../services/open-record.svelte';
import { projectChart, rebuildChartProjections, storeChartProjection } from '../sync/chart-projection-refresh';
import { SyncEngine } from '../sync/sync-engine';
import { covers } from './chart-summary-covers';
import { CHART_SUMMARY_FORMAT } from './chart-summary-store';
import { dumpIndexedDb, rawText } from './raw-indexeddb-dump';
import { testVault } from './test-vault';
import { UserDatabase, userDatabaseName } from './user-database';
import type { UserVault } from './user-vault';

const dr = { id: 'u1', name: 'Dr. Test' };
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function vault(): Promise<UserVault> {
  const v = await testVault();
  cleanup.push(() => v.close());
  return v;
}

function chart(pid: string): Y.Doc {
  const doc = new Y.Doc();
  initChartDoc(doc, pid);
  addAllergy(doc, { substance: 'Sulfamethoxazole', category: 'medication', reaction: 'Hives', severity: 'severe' }, dr);
  addCondition(doc, { text: 'Qworbian hypertension', clinicalStatus: 'active' }, dr);
  recordVitals(doc, { systolic: 152, diastolic: 96, heartRate: 80 }, dr, '2026-11-30T09:00:00.000Z');
  return doc;
}

async function storeDoc(v: UserVault, pid: string, doc: Y.Doc): Promise<void> {
  await v.docs.append(`chart:${pid}`, Y.encodeStateAsUpdate(doc), { pending: false, stateVector: Y.encodeStateVector(doc) });
}

describe('chart-summary projection on the device', () => {
  test('is stored sealed: a raw dump holds no allergy, problem or vital, and it reads back what the summary shows', async () => {
    const v = await vault();
    const pid = crypto.randomUUID();
    const doc = chart(pid);
    await storeDoc(v, pid, doc);
    await storeChartProjection(v, pid, doc);

    const dump = await dumpIndexedDb();
    expect(dump).toContain('/chartSummaries: ');
    // The reading as plaintext JSON or as shown; a bare "152" also turns up by chance in ids, times and ciphertext.
    const secrets = ['Sulfamethoxazole', 'Hives', 'Qworbian', '"value":152'];
    for (const secret of [...secrets, '"systolic":152', '152/96']) expect(dump).not.toContain(secret);
    // Positive control: the same dump of the projection stored in the clear shows them.
    const plain = await rawText(projectChart(pid, doc));
    for (const secret of secrets) expect(plain).toContain(secret);

    const back = await v.chartSummaries.getCurrent(pid);
    expect(back?.summary.allergies.map((a) => a.code.text)).toEqual(['Sulfamethoxazole']);
    expect(back?.summary.problems.map((p) => p.code.text)).toEqual(['Qworbian hypertension']);
    expect(back?.summary.latestVitals.find((r) => r.kind === 'bloodPressure')).toMatchObject({ value: 152, diastolic: 96 });
    expect(back?.summary).toEqual(JSON.parse(JSON.stringify(projectChart(pid, doc).summary)));
  });

  test('counts as current only while the stored chart holds nothing it has not seen', async () => {
    const v = await vault();
    const pid = crypto.randomUUID();
    expect(await v.chartSummaries.getCurrent(pid)).toBeNull();
    const doc = chart(pid);
    await storeChartProjection(v, pid, doc);
    expect(await v.chartSummaries.getCurrent(pid)).toBeNull(); // the chart itself is not on the device

    await storeDoc(v, pid, doc);
    expect(await v.chartSummaries.getCurrent(pid)).not.toBeNull();
    await v.docs.compact(`chart:${pid}`);
    expect(await v.chartSummaries.getCurrent(pid)).not.toBeNull();

    // A change from elsewhere reaches the store (sync): the copy is stale, and stays stored but is not current.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    const before = Y.encodeStateVector(other);
    addAllergy(other, { substance: 'Latex', category: 'environment' }, { id: 'u2', name: 'Nurse Other' });
    await v.docs.append(`chart:${pid}`, Y.encodeStateAsUpdate(other, before), { pending: false });
    expect(await v.chartSummaries.getCurrent(pid)).toBeNull();
    expect(await v.chartSummaries.get(pid)).not.toBeNull();

    // Rebuilt from the store, it is current again and has the new allergy.
    expect(await rebuildChartProjections(v, [pid])).toBe(1);
    const rebuilt = await v.chartSummaries.getCurrent(pid);
    expect(rebuilt?.summary.allergies.map((a) => a.code.text).sort()).toEqual(['Latex', 'Sulfamethoxazole']);

    await v.chartSummaries.invalidate([pid]);
    expect(await v.chartSummaries.get(pid)).toBeNull();
  });

  test('a device store from before the projection (v2) opens in place, its rows intact', async () => {
    const userId = crypto.randomUUID();
    const old = new Dexie(userDatabaseName(userId));
    old.version(1).stores({ keyring: '&id', updates: '++seq, doc, [doc+pending], pending', docs: '&name, pending', patients: '&id', meta: '&key' });
    old.version(2).stores({ attachments: '&id, doc, pending' });
    await old.table('meta').put({ key: 'cursor', value: '7' });
    await old.table('attachments').put({ id: 'a1', doc: 'chart:x', pending: 1 });
    old.close();
    const db = new UserDatabase(userId);
    expect(db.verno).toBe(5); // v3 chart summaries, v4 passkey unlock, v5 offline access events
    expect(await db.meta.get('cursor')).toEqual({ key: 'cursor', value: '7' });
    expect(await db.attachments.count()).toBe(1);
    expect(await db.chartSummaries.count()).toBe(0);
    db.close();
  });

  test('covers compares per replica, whatever order the vectors were encoded in', () => {
    const a = Y.encodeStateVector(new Map([[1, 5], [2, 3]]));
    const b = Y.encodeStateVector(new Map([[2, 3], [1, 5]]));
    expect(covers(a, b)).toBe(true);
    expect(covers(a, Y.encodeStateVector(new Map([[1, 6]])))).toBe(false);
    expect(covers(a, Y.encodeStateVector(new Map([[3, 1]])))).toBe(false);
    expect(covers(a, Y.encodeStateVector(new Map([[1, 2]])))).toBe(true);
  });

  test('a row moved to another patient or written by another format is never shown', async () => {
    const v = await vault();
    const [p1, p2] = [crypto.randomUUID(), crypto.randomUUID()];
    await storeChartProjection(v, p1, chart(p1));
    const row = await v.db.chartSummaries.get(p1);
    await v.db.chartSummaries.put({ ...row!, id: p2 });
    await expect(v.chartSummaries.get(p2)).rejects.toMatchObject({ code: 'internal' });

    const sealed = await v.keys.sealJson({ format: CHART_SUMMARY_FORMAT + 1, patientId: p1 }, `chart-summary:${p1}`);
    await v.db.chartSummaries.put({ id: p1, ...sealed });
    expect(await v.chartSummaries.get(p1)).toBeNull();
  });

  test('an open chart keeps it up to date: edits, then closing, store a current copy', async () => {
    const v = await vault();
    const engine = new SyncEngine({ vault: v, api: new ApiClient({ base: 'http://127.0.0.1:9' }), user: { name: 'Dr. Test', color: '#000' }, live: false, intervalMs: 3_600_000 });
    cleanup.push(() => engine.stop());
    const pid = crypto.randomUUID();
    const patientDoc = new Y.Doc();
    initPatientDoc(patientDoc, pid, { family: 'Zyx', given: ['Q'], birthDate: '1960-01-02', gender: 'female' }, dr, 'ABCDEFGH1');
    await engine.storeNew(`patient:${pid}`, patientDoc);
    await storeDoc(v, pid, chart(pid));

    const [patient, chartDoc] = await Promise.all([engine.acquire(`patient:${pid}`), engine.acquire(`chart:${pid}`)]);
    const record = new LiveRecord(pid, { patient, chart: chartDoc }, {
      release: (d) => engine.release(d),
      onPatientChange: () => undefined,
      chartSummary: {
        isCurrent: async () => (await v.chartSummaries.getCurrent(pid)) !== null,
        store: (doc) => storeChartProjection(v, pid, doc)
      }
    });
    addAllergy(chartDoc.doc, { substance: 'Penicillin', category: 'medication' }, dr);
    record.close();
    await chartDoc.persisted();
    // Closing stored the copy without waiting for the pause; let the sealed write land.
    await expect.poll(async () => (await v.chartSummaries.getCurrent(pid))?.summary.allergies.map((a) => a.code.text).sort()).toEqual(['Penicillin', 'Sulfamethoxazole']);
  });
});
