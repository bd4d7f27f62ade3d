import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import type { SyncServer } from '../../../server/sync/sync-service';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { addAllergy, addEncounter, listAllergies, listEncounters, noteSection } from '../chart/chart-doc';
import { docName } from '../domain/doc-names';
import { openRecord } from '../services/chart.service';
import { refusedDocs } from './batch-sync';
import { BATCH_MAX_UPDATE_BYTES } from './batch-protocol';
import { nodeDevice, type NodeDevice } from './test-client';

/**
 * Pending work that does not fit in one exchange, work the server refuses,
 * and work that builds on changes the server no longer has: the real server
 * on loopback, the real batch endpoint, a device store in fake IndexedDB.
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

async function device(username: string): Promise<NodeDevice> {
  const d = await nodeDevice(app.url, username, DEMO_PASSWORD);
  devices.push(d);
  return d;
}

async function serverDoc(name: string, clinicId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicId);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Closes a record and waits until its edits are in the device store. */
async function closed(record: { close(): unknown }, d: NodeDevice): Promise<void> {
  await record.close();
  await waitFor(async () => (await d.vault.docs.pendingCount()) > 0);
}

async function firstPatient(d: NodeDevice): Promise<string> {
  const { patients } = await d.api.request<{ patients: { id: string }[] }>('/api/patients');
  return patients[0].id;
}

describe('pending work of any size', () => {
  test('three MiB of notes typed offline in one chart reach the server, in parts under its 2 MiB limit', async () => {
    const dr = await device('dr.demo');
    await dr.engine.syncNow();
    const pid = await firstPatient(dr);
    dr.api.setBase('http://127.0.0.1:9'); // offline
    const record = await openRecord(pid, dr);
    const chart = record.chartDoc!;
    const paragraph = 'Reviewed home readings and diet; plan discussed with the patient. '.repeat(1_500); // ~100 KB
    for (let i = 0; i < 34; i++) {
      const v = addEncounter(chart, { class: 'home', type: 'Home visit', reason: `Visit ${i}` }, { id: dr.user.id, name: dr.user.name });
      noteSection(chart, v, 'subjective').insert(0, paragraph);
    }
    await closed(record, dr);
    const pendingBytes = async () => (await dr.vault.docs.pendingParts(docName('chart', pid), Number.MAX_SAFE_INTEGER)).reduce((n, p) => n + p.update.byteLength, 0);
    await waitFor(async () => (await pendingBytes()) > 3 * 1024 * 1024);

    dr.api.setBase(app.url);
    await dr.engine.flushNow();
    expect(dr.status.snapshot.error).toBeNull();
    expect(await dr.vault.docs.pendingCount()).toBe(0);
    const stored = await serverDoc(docName('chart', pid), dr.user.clinicId);
    const home = listEncounters(stored).filter((v) => v.type === 'Home visit');
    expect(home).toHaveLength(34);
    // Several parts were stored, none over the limit.
    const rows = app.db.prepare('SELECT length("update") AS n FROM doc_updates WHERE name = ? AND user_id = ?').all(docName('chart', pid), dr.user.id) as { n: number }[];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...rows.map((r) => r.n))).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});

describe('work the server refuses', () => {
  test('is set aside: reported with its rule, kept on the device, and not sent again', async () => {
    const nurse = await device('nurse.demo');
    await nurse.engine.syncNow();
    const pid = await firstPatient(nurse);
    const name = docName('chart', pid);
    nurse.api.setBase('http://127.0.0.1:9');
    const record = await openRecord(pid, nurse);
    const chart = record.chartDoc!;
    const visit = listEncounters(chart)[0];
    // A modified app deletes a visit (the real one marks it entered in error).
    chart.getMap('encounters').delete(visit.id);
    await closed(record, nurse);
    nurse.api.setBase(app.url);
    await nurse.engine.flushNow();
    expect(nurse.status.snapshot.error).toMatch(/could not be synced: The clinic server refused a change to this record: Recorded entries are never deleted/);
    expect((await refusedDocs(nurse.vault.meta))[name]).toMatchObject({ rules: ['record.no-delete'] });
    expect(listEncounters(await serverDoc(name, nurse.user.clinicId)).map((v) => v.id)).toContain(visit.id);
    expect(await nurse.vault.docs.pendingCount()).toBe(1);
    const refusals = () => (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'doc.update.refused' AND target = ?").get(name) as { n: number }).n;
    const before = refusals();
    const batches = () => (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'doc.batch'").get() as { n: number }).n;
    const batchesBefore = batches();
    await nurse.engine.flushNow();
    // Not sent again: no new exchange carried it, and the refusal is still reported.
    expect(refusals()).toBe(before);
    expect(batches()).toBe(batchesBefore);
    expect(nurse.status.snapshot.error).toMatch(/refused/);
  });
});

describe('work that builds on changes the server no longer has', () => {
  test('is sent again whole when the server was restored from an older copy', async () => {
    const dr = await device('dr.demo');
    await dr.engine.syncNow();
    const pid = await firstPatient(dr);
    const name = docName('chart', pid);
    const record = await openRecord(pid, dr);
    const chart = record.chartDoc!;
    const visit = addEncounter(chart, { class: 'ambulatory', type: 'Clinic visit', reason: 'Review' }, { id: dr.user.id, name: dr.user.name });
    await closed(record, dr);
    await dr.engine.flushNow();
    expect(await dr.vault.docs.pendingCount()).toBe(0);
    // The server loses that write (restored from a backup taken just before it).
    const lastSeq = (app.db.prepare('SELECT max(seq) AS s FROM doc_updates WHERE name = ?').get(name) as { s: number }).s;
    await app.close();
    const again = await startTestApp({ dataDir: app.dataDir, demo: true });
    again.db.prepare('DELETE FROM doc_updates WHERE name = ? AND seq = ?').run(name, lastSeq);
    again.db.prepare('DELETE FROM doc_snapshots WHERE name = ?').run(name);
    const restarted = again;
    try {
      dr.api.setBase(restarted.url);
      const reopened = await openRecord(pid, dr);
      noteSection(reopened.chartDoc!, visit, 'plan').insert(0, 'Recheck in two weeks.');
      await closed(reopened, dr);
      await dr.engine.flushNow();
      expect(dr.status.snapshot.error).toBeNull();
      expect(await dr.vault.docs.pendingCount()).toBe(0);
      const stored = new Y.Doc();
      Y.applyUpdate(stored, (await restarted.sync.readState(name, dr.user.clinicId))!);
      expect(listEncounters(stored).find((v) => v.id === visit)?.reason).toBe('Review');
      expect(noteSection(stored, visit, 'plan').toString()).toBe('Recheck in two weeks.');
    } finally {
      await restarted.close();
      app = await startTestApp({ dataDir: app.dataDir, demo: true });
    }
  });
});

describe('a live connection the server ends', () => {
  test('for a refused change: the record is set aside on the device, and reopens without a live connection', async () => {
    const nurse = await nodeDevice(app.url, 'nurse.demo', DEMO_PASSWORD, { live: true });
    devices.push(nurse);
    await nurse.engine.syncNow();
    const pid = await firstPatient(nurse);
    const name = docName('chart', pid);
    const record = await openRecord(pid, nurse);
    await waitFor(async () => app.sync.stats().connections > 0);
    const chart = record.chartDoc!;
    chart.getMap('encounters').delete(listEncounters(chart)[0].id);
    await waitFor(async () => (await refusedDocs(nurse.vault.meta))[name] !== undefined);
    expect((await refusedDocs(nurse.vault.meta))[name].rules).toEqual(['record.no-delete']);
    expect(nurse.status.snapshot.error).toMatch(/refused a change/);
    record.close();
    await waitFor(async () => app.sync.stats().connections === 0);
    const again = await openRecord(pid, nurse);
    // The demographics of the same record connect live; by then the chart would have too.
    const peers = (doc: string) => (app.sync as SyncServer).liveDocument(doc)?.peers.size ?? 0;
    await waitFor(async () => peers(docName('patient', pid)) === 1);
    expect(peers(name)).toBe(0);
    expect(again.chartDoc).not.toBeNull();
    again.close();
  });
});

describe('two devices that wrote under one Yjs client id', () => {
  test('the second device’s edits are re-expressed under a new id and reach the server, with the first’s kept', async () => {
    const a = await device('dr.demo');
    const b = await device('dr.demo');
    await Promise.all([a.engine.syncNow(), b.engine.syncNow()]);
    const { patients } = await a.api.request<{ patients: { id: string }[] }>('/api/patients');
    const pid = patients[1].id;
    const name = docName('chart', pid);
    const me = { id: a.user.id, name: a.user.name };
    // A record larger than one exchange may carry, so that sending it whole again would not do.
    a.api.setBase('http://127.0.0.1:9'); // offline while it is written
    const big = await openRecord(pid, a);
    const paragraph = 'Reviewed home readings and diet; plan discussed with the patient. '.repeat(1_500);
    for (let i = 0; i < 24; i++) {
      const v = addEncounter(big.chartDoc!, { class: 'home', type: 'Home visit', reason: `Visit ${i}` }, me);
      noteSection(big.chartDoc!, v, 'subjective').insert(0, paragraph);
    }
    await closed(big, a);
    await waitFor(async () => (await a.vault.docs.pendingParts(name, Number.MAX_SAFE_INTEGER)).reduce((n, p) => n + p.update.byteLength, 0) > 2.2 * 1024 * 1024);
    a.api.setBase(app.url);
    await a.engine.flushNow();
    await b.engine.syncNow();
    expect(Y.encodeStateAsUpdate(await serverDoc(name, a.user.clinicId)).byteLength).toBeGreaterThan(BATCH_MAX_UPDATE_BYTES * 1.3);
    // Device A charts an allergy under client id C.
    const onA = new Y.Doc();
    await a.vault.docs.loadInto(name, onA, null);
    const client = 0x5eed_1234;
    onA.clientID = client;
    let sv = Y.encodeStateVector(onA);
    addAllergy(onA, { substance: 'Penicillin', category: 'medication' }, me);
    await a.vault.docs.append(name, Y.encodeStateAsUpdate(onA, sv), { pending: true, stateVector: Y.encodeStateVector(onA) });
    await a.engine.flushNow();
    expect(a.status.snapshot.error).toBeNull();
    // Device B, restored from the same backup, charts another allergy under the same id and clocks.
    const onB = new Y.Doc();
    await b.vault.docs.loadInto(name, onB, null);
    onB.clientID = client;
    sv = Y.encodeStateVector(onB);
    addAllergy(onB, { substance: 'Latex', category: 'environment' }, me);
    await b.vault.docs.append(name, Y.encodeStateAsUpdate(onB, sv), { pending: true, stateVector: Y.encodeStateVector(onB) });
    await b.engine.flushNow();
    expect(b.status.snapshot.error).toBeNull();
    expect(await b.vault.docs.pendingCount()).toBe(0);
    const stored = await serverDoc(name, a.user.clinicId);
    expect(listAllergies(stored).map((x) => x.code.text).sort()).toEqual(expect.arrayContaining(['Latex', 'Penicillin']));
    const refusals = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'doc.update.refused' AND target = ?").all(name) as { detail: string }[];
    expect(refusals.map((r) => JSON.parse(r.detail).rules)).toEqual([['sync.client-id-collision']]);
  });
});
