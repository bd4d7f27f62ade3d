import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { addAllergy, listAllergies, listEncounters, noteSection } from '../chart/chart-doc';
import { readPatient, updatePatient } from '../chart/patient-doc';
import { deviceMonths, docName } from '../domain/doc-names';
import { createPatient } from '../services/patient-registration';
import { openRecord } from '../services/chart.service';
import { nodeDevice, type NodeDevice } from './test-client';

/**
 * The client data layer against the real server on loopback: demo clinic,
 * real HTTP, real websockets, fake IndexedDB and Node's WebCrypto.
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

async function device(username: string, opts: Parameters<typeof nodeDevice>[3] = {}): Promise<NodeDevice> {
  const d = await nodeDevice(app.url, username, DEMO_PASSWORD, opts);
  devices.push(d);
  return d;
}

async function serverPatients(d: NodeDevice): Promise<{ id: string }[]> {
  return (await d.api.request<{ patients: { id: string }[] }>('/api/patients')).patients;
}

async function serverDoc(name: string, clinicId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicId);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

/** Points a device at a port nothing listens on: the network is gone. */
function goOffline(d: NodeDevice): void {
  d.api.setBase('http://127.0.0.1:9');
}
function goOnline(d: NodeDevice): void {
  d.api.setBase(app.url);
}

describe('catch-up', () => {
  test('brings the whole demo panel onto the device, with progress, and builds the patient list', async () => {
    const dr = await device('dr.demo', { live: true });
    const patients = await serverPatients(dr);
    expect(patients.length).toBeGreaterThanOrEqual(30);
    await dr.engine.syncNow();
    expect(dr.engine.lastError).toBeNull();
    // A panel catches up over HTTP batches, not a websocket per chart.
    expect(app.sync.stats().connections).toBe(0);
    const names = new Set(await dr.vault.docs.docNames());
    for (const p of patients) {
      expect(names.has(docName('patient', p.id))).toBe(true);
      expect(names.has(docName('chart', p.id))).toBe(true);
    }
    // Two documents per patient, and the clinic's appointment book: its settings and the months a device keeps that hold appointments.
    const book = bookNames([...names]);
    const last = dr.status.progress.at(-1)!;
    expect(last).toMatchObject({ running: false, done: patients.length * 2 + book.length, total: patients.length * 2 + book.length });
    expect(dr.status.snapshot.lastSyncedAt).not.toBeNull();
    expect((await dr.vault.patients.all()).map((p) => p.id).sort()).toEqual(patients.map((p) => p.id).sort());

    // The next catch-up starts from the cursor: nothing changed, nothing to fetch.
    dr.status.progress.length = 0;
    await dr.engine.syncNow();
    expect(dr.status.progress.at(-1)).toMatchObject({ done: 0, total: 0 });
  });

  test('the front desk catches up demographics and the schedule only (no chart documents)', async () => {
    const desk = await device('desk.demo');
    await desk.engine.syncNow();
    expect(desk.engine.lastError).toBeNull();
    const names = await desk.vault.docs.docNames();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('patient:') || n.startsWith('schedule:'))).toBe(true);
    expect(bookNames(names).length).toBeGreaterThanOrEqual(1);
  });
});

/** The appointment book's documents on a device: exactly one settings document (`schedule:<clinicId>`), and months only from the device's window. */
function bookNames(names: string[]): string[] {
  const book = names.filter((n) => n.startsWith('schedule:'));
  expect(book.filter((n) => n.split(':').length === 2)).toHaveLength(1);
  const window = deviceMonths();
  for (const n of book.filter((x) => x.split(':').length === 3)) expect(window).toContain(n.split(':')[2]);
  return book;
}

describe('offline edits', () => {
  test('a patient registered and a chart edited offline reach the server on the first flush', async () => {
    const dr = await device('dr.demo');
    await dr.engine.syncNow();
    const [first] = await dr.vault.patients.all();

    goOffline(dr);
    const created = await createPatient(dr, { family: 'Offlineton', given: ['Ada'], birthDate: '1990-04-02', gender: 'female' });
    const record = await openRecord(first.id, dr);
    addAllergy(record.chartDoc!, { substance: 'Amoxicillin', category: 'medication' }, { id: dr.user.id, name: dr.user.name });
    record.close();
    await waitFor(async () => (await dr.vault.docs.pendingCount()) === 3);
    await dr.engine.syncNow();
    expect(dr.status.snapshot.online).toBe(false);
    expect(await dr.vault.docs.pendingCount()).toBe(3);

    goOnline(dr);
    await dr.engine.syncNow();
    expect(dr.engine.lastError).toBeNull();
    expect(await dr.vault.docs.pendingCount()).toBe(0);
    expect(dr.status.snapshot).toMatchObject({ online: true, pending: 0, error: null });

    const clinicId = dr.user.clinicId;
    expect(readPatient(await serverDoc(docName('patient', created.id), clinicId))?.family).toBe('Offlineton');
    expect(listAllergies(await serverDoc(docName('chart', first.id), clinicId)).map((a) => a.code.text)).toContain('Amoxicillin');
    expect((await serverPatients(dr)).map((p) => p.id)).toContain(created.id);
  });

  test('two devices edit one record apart (different fields, the same note) and converge', async () => {
    const dr = await device('dr.demo');
    const nurse = await device('nurse.demo');
    await Promise.all([dr.engine.syncNow(), nurse.engine.syncNow()]);
    const chartName = (await dr.vault.docs.docNames()).find((n) => n.startsWith('chart:'))!;
    const pid = chartName.slice('chart:'.length);

    const a = await openRecord(pid, dr);
    const encounterId = listEncounters(a.chartDoc!)[0]?.id;
    expect(encounterId).toBeDefined();
    const b = await openRecord(pid, nurse);

    goOffline(dr);
    goOffline(nurse);
    updatePatient(a.patientDoc, { phone: '555-0101' }, { id: dr.user.id, name: dr.user.name });
    updatePatient(b.patientDoc, { city: 'Ridgeway' }, { id: nurse.user.id, name: nurse.user.name });
    noteSection(a.chartDoc!, encounterId!, 'plan').insert(0, 'Recheck in two weeks. ');
    noteSection(b.chartDoc!, encounterId!, 'plan').insert(0, 'Vitals stable. ');
    a.close();
    b.close();
    await waitFor(async () => (await dr.vault.docs.pendingCount()) === 2 && (await nurse.vault.docs.pendingCount()) === 2);
    await Promise.all([dr.engine.syncNow(), nurse.engine.syncNow()]);
    expect(await dr.vault.docs.pendingCount()).toBe(2);

    goOnline(dr);
    goOnline(nurse);
    await dr.engine.syncNow();
    await nurse.engine.syncNow();
    await dr.engine.syncNow();

    const docsOf = async (d: NodeDevice) => {
      const patient = new Y.Doc();
      const chart = new Y.Doc();
      await d.vault.docs.loadInto(docName('patient', pid), patient, null);
      await d.vault.docs.loadInto(chartName, chart, null);
      return { patient, chart };
    };
    const onDr = await docsOf(dr);
    const onNurse = await docsOf(nurse);
    expect(readPatient(onDr.patient)).toMatchObject({ phone: '555-0101', city: 'Ridgeway' });
    expect(readPatient(onNurse.patient)).toEqual(readPatient(onDr.patient));
    const plan = noteSection(onDr.chart, encounterId!, 'plan').toString();
    expect(plan).toContain('Recheck in two weeks.');
    expect(plan).toContain('Vitals stable.');
    expect(noteSection(onNurse.chart, encounterId!, 'plan').toString()).toBe(plan);
    // The patient list on both devices shows the merged record.
    expect(await dr.vault.docs.pendingCount()).toBe(0);
    expect(await nurse.vault.docs.pendingCount()).toBe(0);
  });
});

describe('live editing', () => {
  test('an open record goes live over the websocket and receives another device’s edit at once', async () => {
    const dr = await device('dr.demo', { live: true });
    const nurse = await device('nurse.demo');
    await Promise.all([dr.engine.syncNow(), nurse.engine.syncNow()]);
    const [p] = await dr.vault.patients.all();
    const record = await openRecord(p.id, dr);
    await waitFor(() => record.connection === 'live');

    const other = await openRecord(p.id, nurse);
    addAllergy(other.chartDoc!, { substance: 'Shellfish', category: 'food' }, { id: nurse.user.id, name: nurse.user.name });
    other.close();
    await nurse.engine.flushNow();
    expect(nurse.engine.lastError).toBeNull();

    await waitFor(() => listAllergies(record.chartDoc!).some((a) => a.code.text === 'Shellfish'));
    record.close();
    // What arrived live is stored on the device (encrypted) and not pending.
    await waitFor(async () => {
      const doc = new Y.Doc();
      await dr.vault.docs.loadInto(docName('chart', p.id), doc, null);
      return listAllergies(doc).some((a) => a.code.text === 'Shellfish');
    });
    expect(await dr.vault.docs.pendingCount()).toBe(0);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
