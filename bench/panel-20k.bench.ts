/**
 * The panel policy for a 20,000-patient clinic (`npm run bench -- panel-20k`).
 *
 * Server: the real server (SQLite) holding 20,000 patients, each with a
 * `patient:` document and a `chart:` document of 1–6 visits (vitals, a
 * short signed note, problems, an allergy, medications), written straight
 * into the store before it starts. Device: the app's sync engine in Node
 * with fake-indexeddb and Node's WebCrypto (every row sealed, as in a
 * browser), a fresh store, over real HTTP on loopback.
 *
 * First sign-in, timed from an empty device to the end of its first
 * catch-up (patient list built; chart summaries are rebuilt afterwards in
 * the background and are left out of both runs):
 * - baseline, without the policy: every document the clinician may read;
 * - with the default policy (18 months seen, 14 days scheduled, lists,
 *   30 days opened) for a clinician whose panel is 2,000 patients seen in
 *   the last 18 months, 150 scheduled in the next 14 days (50 of them not
 *   seen recently) and 40 on a registry list: 2,090 patients.
 * IndexedDB bytes: every record of the device's database serialized the way
 * Chromium stores IndexedDB values (V8 structured clone), keys included.
 * Figures are Node with fake-indexeddb, not a browser.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import 'fake-indexeddb/auto';
import * as Y from 'yjs';
import { addAllergy, addCondition, addEncounter, initChartDoc, noteSection, signNote } from '../src/lib/chart/chart-doc';
import { addClinical } from '../src/lib/chart/clinical-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { recordVitals } from '../src/lib/chart/vitals-doc';
import type { Actor } from '../src/lib/domain/chart';
import { docName } from '../src/lib/domain/doc-names';
import type { PatientFacts } from '../src/lib/sync/panel-policy';
import { nodeDevice } from '../src/lib/sync/test-client';
import { addClinic, startTestApp, TEST_PASSWORD } from '../server/http/test-app';
import { openDatabase } from '../server/store/db';
import { DocStore, type PendingAppend } from '../server/store/doc-store';

const PATIENTS = Number(process.env.PANEL_PATIENTS ?? 20_000);
const FAMILIES = ['Okafor', 'Núñez', 'Smith', 'Walker', 'Nguyen', 'Haddad', 'Kowalski', 'Tanaka', 'Mensah', 'García'];
const GIVEN = ['Ada', 'Chidi', 'María', 'José', 'Li', 'Omar', 'Anna', 'Kenji', 'Ama', 'Lucía'];

const pid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function patientUpdate(i: number, actor: Actor): Uint8Array {
  const doc = new Y.Doc();
  initPatientDoc(doc, pid(i), { family: FAMILIES[i % 10], given: [GIVEN[(i >> 2) % 10]], birthDate: `19${30 + (i % 70)}-0${1 + (i % 9)}-1${i % 10}`, gender: i % 2 ? 'female' : 'male' }, actor, `MRN${String(i).padStart(6, '0')}`);
  return Y.encodeStateAsUpdate(doc);
}

function chartUpdate(i: number, actor: Actor): Uint8Array {
  const doc = new Y.Doc();
  initChartDoc(doc, pid(i));
  const visits = 1 + (i % 6);
  addCondition(doc, { text: 'Essential (primary) hypertension', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'Essential (primary) hypertension' }], onsetDate: '2019-03-01' }, actor);
  if (i % 3 === 0) addAllergy(doc, { substance: 'Penicillin G', category: 'medication', reaction: 'Hives', severity: 'moderate', recordedDate: '2018-02-01' }, actor);
  addClinical(doc, 'medications', { medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' }, authoredOn: '2024-06-01', status: 'active', dosageText: 'Take one tablet by mouth daily' }, actor);
  for (let v = 0; v < visits; v++) {
    const at = new Date(Date.UTC(2022, 0, 10) + v * 60 * 86_400_000).toISOString();
    const enc = addEncounter(doc, { reason: 'Follow-up', start: at, type: 'Office visit' }, actor);
    recordVitals(doc, { systolic: 130 + (v % 9), diastolic: 84, heartRate: 72, respiratoryRate: 14, temperature: 36.8, spo2: 97, weight: 80 + (i % 20), height: 170 }, actor, at);
    noteSection(doc, enc, 'subjective').insert(0, 'Feeling well, taking medication daily, no chest pain or shortness of breath. Home readings in the 130s.');
    noteSection(doc, enc, 'plan').insert(0, 'Continue current regimen; recheck blood pressure and renal function in three months.');
    signNote(doc, enc, actor);
  }
  return Y.encodeStateAsUpdate(doc);
}

async function indexedDbBytes(dbName: string): Promise<{ bytes: number; records: number }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  let bytes = 0;
  let records = 0;
  try {
    for (const store of Array.from(db.objectStoreNames)) {
      const all = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
      const tx = db.transaction(store);
      const [keys, values] = await Promise.all([all(tx.objectStore(store).getAllKeys()), all(tx.objectStore(store).getAll())]);
      for (let i = 0; i < values.length; i++) bytes += v8.serialize(keys[i]).byteLength + v8.serialize(values[i]).byteLength;
      records += values.length;
    }
  } finally {
    db.close();
  }
  return { bytes, records };
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'outpost-bench-panel-'));
  try {
    const t0 = performance.now();
    let app = await startTestApp({ dataDir: dir });
    const { clinicId, ids } = await addClinic(app, 'Big Clinic', [{ username: 'dr.big', roles: ['clinician'] }]);
    await app.close(); // stop() would remove the data directory
    const actor: Actor = { id: ids['dr.big'], name: 'dr.big' };
    const db = openDatabase(dir);
    const store = new DocStore(db);
    let serverBytes = 0;
    for (let start = 0; start < PATIENTS; start += 500) {
      const group: PendingAppend[] = [];
      for (let i = start; i < Math.min(PATIENTS, start + 500); i++) {
        for (const [kind, update] of [['patient', patientUpdate(i, actor)], ['chart', chartUpdate(i, actor)]] as const) {
          group.push({ doc: { name: docName(kind, pid(i)), clinicId, kind, patientId: pid(i) }, update, userId: actor.id });
          serverBytes += update.byteLength;
        }
      }
      store.appendMany(group);
    }
    db.close();
    console.log(`server seeded: ${PATIENTS} patients, ${PATIENTS * 2} documents, ${mib(serverBytes)} of Yjs state, in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const s0 = performance.now();
    app = await startTestApp({ dataDir: dir });
    console.log(`server started (patient list rebuilt from the documents) in ${((performance.now() - s0) / 1000).toFixed(0)} s`);

    const now = Date.now();
    const facts: PatientFacts[] = [];
    for (let i = 0; i < 2000; i++) facts.push({ patientId: pid(i * 9), lastSeenAt: new Date(now - (i % 500) * 86_400_000).toISOString() });
    for (let i = 0; i < 150; i++) facts.push({ patientId: pid(i < 100 ? i * 9 : 18_001 + i), nextAppointmentAt: new Date(now + (i % 14) * 86_400_000).toISOString() });
    for (let i = 0; i < 40; i++) facts.push({ patientId: pid(19_001 + i * 7), onMyList: true });
    const panelSize = new Set(facts.map((f) => f.patientId)).size;

    const runs: { label: string; ms: number; bytes: number; records: number; docs: number }[] = [];
    for (const label of ['without policy (baseline)', `with policy (${panelSize} patients)`]) {
      const withPolicy = label.startsWith('with policy');
      const before = new Set((await indexedDB.databases()).map((d) => d.name));
      const r0 = performance.now();
      const device = await nodeDevice(app.url, 'dr.big', TEST_PASSWORD, {
        projectionDelayMs: 3_600_000,
        chunkSize: 100,
        ...(withPolicy ? { panel: { facts: async () => facts, kinds: ['patient', 'chart'] as const } } : {})
      });
      await device.engine.syncNow();
      const ms = performance.now() - r0;
      if (device.engine.lastError) throw device.engine.lastError;
      const docs = (await device.vault.docs.docNames()).length;
      await device.close();
      const name = (await indexedDB.databases()).map((d) => d.name!).find((n) => !before.has(n))!;
      const { bytes, records } = await indexedDbBytes(name);
      runs.push({ label, ms, bytes, records, docs });
      console.log(`${label}: first sign-in ${(ms / 1000).toFixed(1)} s, ${docs} documents, IndexedDB ${mib(bytes)} in ${records} records`);
    }
    const [base, policy] = runs;
    console.log(`ratio: storage ${(base.bytes / policy.bytes).toFixed(1)}x smaller, first sign-in ${(base.ms / policy.ms).toFixed(1)}x faster (Node, fake-indexeddb, loopback)`);
    await app.stop();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
