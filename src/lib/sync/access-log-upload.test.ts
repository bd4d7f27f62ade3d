import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { noteAccess, noteOfflineView } from '../services/access-log.service';
import { loadRecord } from '../services/record-loader';
import { dumpIndexedDb } from '../storage/raw-indexeddb-dump';
import { nodeDevice, type NodeDevice } from './test-client';

/**
 * Reads and prints recorded on a device and uploaded at the next sync,
 * against the real server (demo clinic, real HTTP, fake IndexedDB).
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

function logRows(eventId: string): { action: string; user_id: string; target: string; detail: string }[] {
  return app.db.prepare('SELECT action, user_id, target, detail FROM audit_log WHERE detail LIKE ?').all(`%${eventId}%`) as never;
}

describe('offline access auditing', () => {
  test('a chart opened offline is queued sealed, uploaded at the next sync and audited once', async () => {
    const dr = await nodeDevice(app.url, 'dr.demo', DEMO_PASSWORD);
    devices.push(dr);
    await dr.engine.syncNow();
    const patientId = (await dr.vault.patients.all())[0].id;

    // Offline: the device opens the chart from its store.
    dr.api.setBase('http://127.0.0.1:9');
    expect(await noteOfflineView(dr.vault, dr.user.id, 'chart', patientId, true)).toBe(true);
    // An open made online is audited by the server's websocket and is not queued.
    expect(await noteOfflineView(dr.vault, dr.user.id, 'chart', patientId, false)).toBe(false);
    const [queued] = await dr.vault.accessLog.list();
    expect(queued).toMatchObject({ action: 'record.view', target: `chart:${patientId}`, userId: dr.user.id, offline: true });
    expect(await dr.vault.accessLog.count()).toBe(1);
    // The queue is sealed: neither the patient's id nor the action is readable in the raw database.
    const stored = (await dumpIndexedDb()).split('\n').filter((l) => l.includes('/accessEvents:'));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain(queued.id);
    expect(stored[0]).not.toContain(patientId);
    expect(stored[0]).not.toContain('record.view');

    // A sync round while offline keeps the event.
    await dr.engine.syncNow();
    expect(await dr.vault.accessLog.count()).toBe(1);
    expect(logRows(queued.id)).toHaveLength(0);

    dr.api.setBase(app.url);
    await dr.engine.syncNow();
    expect(await dr.vault.accessLog.count()).toBe(0);
    const rows = logRows(queued.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'record.view', user_id: dr.user.id, target: `chart:${patientId}` });
    expect(JSON.parse(rows[0].detail)).toMatchObject({ offline: true, recordedAt: queued.at, via: 'device', what: 'chart' });
  });

  test('a print is queued online too, and loadRecord queues nothing when online', async () => {
    const dr = await nodeDevice(app.url, 'dr.demo', DEMO_PASSWORD);
    devices.push(dr);
    await dr.engine.syncNow();
    const patientId = (await dr.vault.patients.all())[1].id;
    const rec = await loadRecord(dr, patientId);
    expect(await dr.vault.accessLog.count()).toBe(0);
    await dr.engine.release(rec.patient);
    if (rec.chart) await dr.engine.release(rec.chart);
    const printed = await noteAccess(dr.vault, dr.user.id, { action: 'record.print', kind: 'chart', patientId, what: 'prescription' }, false);
    await dr.engine.flushNow();
    expect(await dr.vault.accessLog.count()).toBe(0);
    expect(JSON.parse(logRows(printed.id)[0].detail)).toMatchObject({ offline: false, what: 'prescription' });
  });
});
