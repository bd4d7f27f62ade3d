import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { addAllergy } from '../chart/chart-doc';
import { openRecord } from '../services/chart.service';
import { nodeDevice, type NodeDevice } from './test-client';

/**
 * The chart-summary projection through sync, against the real server on
 * loopback: a change made on another device reaches this one by catch-up,
 * the stale copy stops counting at once and is rebuilt shortly after.
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

test('a chart changed elsewhere loses its stored summary at catch-up and gets it back, rebuilt, shortly after', async () => {
  const a = await nodeDevice(app.url, 'dr.demo', DEMO_PASSWORD, { projectionDelayMs: 20 });
  const b = await nodeDevice(app.url, 'dr.demo', DEMO_PASSWORD);
  devices.push(a, b);
  await a.engine.syncNow();
  const [patient] = await a.vault.patients.all();
  const pid = patient.id;

  // Opening and closing the chart leaves a current copy of its summary on the device.
  (await openRecord(pid, a)).close();
  await expect.poll(async () => (await a.vault.chartSummaries.getCurrent(pid)) !== null).toBe(true);
  const before = (await a.vault.chartSummaries.get(pid))!.summary.allergies.map((x) => x.code.text);
  expect(before).not.toContain('Chlorhexidine');

  // Another device adds an allergy and pushes it.
  await b.engine.syncNow();
  const there = await openRecord(pid, b);
  addAllergy(there.chartDoc!, { substance: 'Chlorhexidine', category: 'medication', reaction: 'Urticaria' }, { id: b.user.id, name: b.user.name });
  there.close();
  await expect.poll(async () => (await b.vault.docs.pendingDocs()).includes(`chart:${pid}`)).toBe(true);
  await b.engine.flushNow();
  expect(b.engine.lastError).toBeNull();
  expect(await b.vault.docs.pendingDocs()).toEqual([]);

  await a.engine.syncNow();
  expect(await a.vault.chartSummaries.getCurrent(pid)).toBeNull();
  await expect
    .poll(async () => (await a.vault.chartSummaries.getCurrent(pid))?.summary.allergies.map((x) => x.code.text) ?? [], { timeout: 5_000 })
    .toContain('Chlorhexidine');
});

test('after the first catch-up every chart of the panel has a stored summary, also the ones never opened here', async () => {
  const c = await nodeDevice(app.url, 'nurse.demo', DEMO_PASSWORD, { projectionDelayMs: 20 });
  devices.push(c);
  await c.engine.syncNow();
  const patients = await c.vault.patients.all();
  expect(patients.length).toBeGreaterThanOrEqual(25);
  await expect
    .poll(async () => (await Promise.all(patients.map(async (p) => (await c.vault.chartSummaries.getCurrent(p.id)) !== null))).every(Boolean), { timeout: 20_000 })
    .toBe(true);
});
