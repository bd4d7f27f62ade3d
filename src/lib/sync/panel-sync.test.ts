import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { deviceMonths } from '../domain/doc-names';
import { openRecord } from '../services/chart.service';
import { testVault } from '../storage/test-vault';
import type { PatientFacts } from './panel-policy';
import { nodeDevice, type NodeDevice } from './test-client';

/**
 * The panel policy on a device against the real server (demo clinic, real
 * HTTP, fake IndexedDB): only the panel's patients come onto the device,
 * panel members it lacks are fetched, the rest is evicted, never while open.
 */
let app: TestApp;
const devices: NodeDevice[] = [];
beforeAll(async () => {
  app = await startTestApp({ demo: true });
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await app.stop();
});

const patientDocs = async (d: NodeDevice) => (await d.vault.docs.docNames()).filter((n) => n.startsWith('patient:') || n.startsWith('chart:')).sort();

describe('panel policy on the device', () => {
  test('keeps the panel, fetches members it lacks, evicts those who left it, and keeps an open record', async () => {
    let facts: PatientFacts[] = [];
    const now = new Date();
    const soon = new Date(now.getTime() + 86_400_000).toISOString();
    const dr = await nodeDevice(app.url, 'dr.demo', DEMO_PASSWORD, { panel: { facts: async () => facts, kinds: ['patient', 'chart'] } });
    devices.push(dr);
    const patients = (await dr.api.request<{ patients: { id: string }[] }>('/api/patients')).patients.map((p) => p.id);
    expect(patients.length).toBeGreaterThanOrEqual(30);
    const [a, b, c] = patients;
    facts = [
      { patientId: a, nextAppointmentAt: soon },
      { patientId: b, onMyList: true },
      { patientId: c, lastSeenAt: '2001-01-01T00:00:00.000Z' }
    ];
    await dr.engine.syncNow();
    expect(dr.engine.lastError).toBeNull();
    expect(await patientDocs(dr)).toEqual([`chart:${a}`, `chart:${b}`, `patient:${a}`, `patient:${b}`].sort());
    // The clinic's appointment book comes too (its settings, and the months a device keeps that hold appointments); the other patients stay on the server.
    const book = (await dr.vault.docs.docNames()).filter((n) => n.startsWith('schedule:'));
    expect(book.filter((n) => n.split(':').length === 2)).toHaveLength(1);
    for (const n of book.filter((x) => x.split(':').length === 3)) expect(deviceMonths()).toContain(n.split(':')[2]);
    expect(dr.status.progress.at(-1)).toMatchObject({ running: false, done: 4 + book.length, total: 4 + book.length });

    // The chart summaries of the panel are built in the background.
    await expect.poll(async () => (await dr.vault.chartSummaries.get(b)) !== null).toBe(true);

    // b leaves the panel, c joins it (seen today); a's record is open.
    const record = await openRecord(a, dr);
    facts = [
      { patientId: b, onMyList: false },
      { patientId: c, lastSeenAt: now.toISOString() }
    ];
    await dr.engine.syncNow();
    expect(dr.engine.lastError).toBeNull();
    expect(await patientDocs(dr)).toEqual([`chart:${a}`, `chart:${c}`, `patient:${a}`, `patient:${c}`].sort());
    const doc = new Y.Doc();
    expect(await dr.vault.docs.loadInto(`patient:${c}`, doc, null)).toBe(true);
    // Nothing projected from b's record stays on the device either.
    expect((await dr.vault.patients.all()).map((p) => p.id).sort()).toEqual([a, c].sort());
    expect(await dr.vault.chartSummaries.get(b)).toBeNull();

    // Closed, a is evicted at the next round.
    record.close();
    await expect.poll(async () => (await dr.engine.syncNow(), await patientDocs(dr))).toEqual([`chart:${c}`, `patient:${c}`]);
  });
});

describe('evict', () => {
  test('removes a confirmed document and never one with an unconfirmed edit', async () => {
    const vault = await testVault();
    const src = new Y.Doc();
    const up = () => {
      const sv = Y.encodeStateVector(src);
      src.getText('t').insert(0, 'x');
      return Y.encodeStateAsUpdate(src, sv);
    };
    await vault.docs.append('chart:11111111-1111-4111-8111-111111111111', up(), { pending: false });
    await vault.docs.append('chart:22222222-2222-4222-8222-222222222222', up(), { pending: true });
    expect(await vault.docs.evict(['chart:11111111-1111-4111-8111-111111111111', 'chart:22222222-2222-4222-8222-222222222222'])).toEqual([
      'chart:11111111-1111-4111-8111-111111111111'
    ]);
    expect(await vault.docs.docNames()).toEqual(['chart:22222222-2222-4222-8222-222222222222']);
    expect(await vault.docs.has('chart:11111111-1111-4111-8111-111111111111')).toBe(false);
    vault.close();
  });
});
