import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { panelOf } from '../sync/panel-policy';
import { nodeDevice, type NodeDevice } from '../sync/test-client';
import { openRecord } from './chart.service';
import { createPatient } from './patient-registration';
import { panelFactsOnDevice, panelSource } from './panel-facts';
import { searchServerPatients } from './server-patient-search';

/**
 * The clinic's "keep the panel" setting on a device against the real
 * server (demo clinic, fake IndexedDB): the administrator sets it, a
 * clinician's device receives it at sign-in, keeps only the panel's records
 * (as read from the clinic schedule and the charts), finds a patient outside
 * the panel through the server search, opens the record online, and keeps it.
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

const PANEL = { mode: 'panel', seenMonths: 1, scheduledDays: 2, openedDays: 30 } as const;
const heldPatients = async (d: NodeDevice) => [...new Set((await d.vault.docs.docNames()).filter((n) => n.startsWith('patient:') || n.startsWith('chart:')).map((n) => n.slice(n.indexOf(':') + 1)))].sort();

async function signedInDevice(username: string, withPanel: boolean): Promise<NodeDevice> {
  let dev: NodeDevice | null = null;
  const panel = { kinds: ['patient', 'chart'] as const, facts: () => panelFactsOnDevice(dev!) };
  dev = await nodeDevice(app.url, username, DEMO_PASSWORD, withPanel ? { panel: { ...panel, policy: { seenMonths: 1, scheduledDays: 2, openedDays: 30 } } } : {});
  devices.push(dev);
  return dev;
}

describe('keeping the clinic panel on a device', () => {
  test('the setting reaches the device; only the panel is kept; a patient outside it is found on the server, opened online and kept', async () => {
    const admin = await nodeDevice(app.url, 'admin.demo', DEMO_PASSWORD);
    devices.push(admin);
    await admin.api.request('/api/admin/clinic/device-panel', { method: 'POST', body: PANEL });

    const dr = await signedInDevice('dr.demo', true);
    expect(dr.user.clinicSettings?.devicePanel).toEqual(PANEL);
    expect(panelSource(dr, dr.user.clinicSettings?.devicePanel)).toMatchObject({ policy: { seenMonths: 1, scheduledDays: 2, openedDays: 30 }, kinds: ['patient', 'chart'] });
    expect(panelSource(dr, { mode: 'all' })).toBeUndefined();

    // The demo clinic's 30 patients were all seen this month and are booked in the next days; two more are registered, never seen nor booked.
    const full = await signedInDevice('nurse.demo', false);
    await full.engine.syncNow();
    const demo = await heldPatients(full);
    expect(demo).toHaveLength(30);
    const outside = [
      await createPatient(full, { family: 'Faraway', given: ['Olu'], birthDate: '1970-02-03', gender: 'male', mrn: 'OUT-001' }),
      await createPatient(full, { family: 'Faraway', given: ['Ines'], birthDate: '1975-06-07', gender: 'female', mrn: 'OUT-002' })
    ];
    await full.engine.syncNow();
    expect(await full.vault.docs.pendingCount()).toBe(0);
    // The panel as the device reads it from the same schedule and charts: the demo patients, not the two.
    const expected = [...panelOf(await panelFactsOnDevice(full), new Date(), PANEL)].sort();
    expect(expected).toEqual(demo);

    await dr.engine.syncNow();
    expect(dr.engine.lastError).toBeNull();
    expect(await heldPatients(dr)).toEqual(expected);
    expect((await dr.vault.patients.all()).map((p) => p.id).sort()).toEqual(expected);

    // A patient outside the panel: found through the server search, not on the device.
    const outsider = outside[0];
    expect(await dr.vault.docs.has(`patient:${outsider.id}`)).toBe(false);
    const found = await searchServerPatients('faraway', new Set(expected), dr.api);
    expect(found.map((p) => p.mrn).sort()).toEqual(['OUT-001', 'OUT-002']);
    expect(await searchServerPatients(outsider.mrn, new Set([...expected, outsider.id]), dr.api, Date.now() + 120_000)).toEqual([]);

    // Opened online, closed, and still kept after the next round (opened on this device).
    const record = await openRecord(outsider.id, dr);
    expect(await dr.vault.docs.has(`patient:${outsider.id}`)).toBe(true);
    record.close();
    await dr.engine.syncNow();
    expect(dr.engine.lastError).toBeNull();
    expect(await heldPatients(dr)).toEqual([...expected, outsider.id].sort());
  });
});
