import 'fake-indexeddb/auto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Dexie from 'dexie';
import * as Y from 'yjs';
import { createApp } from '../server/app';
import { buildPatientDocs } from '../server/seed/build-docs';
import { DEMO_PASSWORD } from '../server/seed/demo-seed';
import { generatePatients } from '../server/seed/generated-patients';
import { addAllergy, addCondition, addEncounter, initChartDoc, listAllergies, listConditions, listEncounters, noteSection } from '../src/lib/chart/chart-doc';
import { updatePatient } from '../src/lib/chart/patient-doc';
import { NOTE_SECTIONS, type Actor } from '../src/lib/domain/chart';
import { docName } from '../src/lib/domain/doc-names';
import { ApiClient } from '../src/lib/services/api-client';
import { toBase64 } from '../src/lib/storage/base64';
import { createVault } from '../src/lib/storage/user-vault';
import { cookieJar, nodeDevice, signIn } from '../src/lib/sync/test-client';

/**
 * Client data-layer figures, each beside a baseline measured in the same
 * process:
 *  (a) catching up a 500-patient panel (1000 documents) from the real
 *      server on loopback, into an empty store and into a day-old one;
 *      baseline: the same HTTP exchange with nothing decrypted or stored.
 *  (b) opening a 200-entry chart from the encrypted store to typed reads;
 *      baseline: the same rows stored in the clear.
 * Storage is fake-indexeddb (pure JS, much slower than Chromium's
 * IndexedDB) and Node's WebCrypto, so absolute figures overstate a browser.
 */
const PANEL = 500;
const CHANGED_SHARE = 0.1;
const CHART_ENTRIES = 200;
const OPEN_RUNS = 15;

export async function run(): Promise<void> {
  console.log('note: fake-indexeddb in Node is several times slower than IndexedDB in Chromium; WebCrypto is Node\'s.');
  await catchUpBench();
  await openChartBench();
}

function ms(n: number): string {
  return `${n.toFixed(0)} ms`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

// ── (a) catch-up ─────────────────────────────────────────────────────────

async function catchUpBench(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-'));
  const app = await createApp({ dataDir, port: 0, host: '127.0.0.1', demo: true, staticDir: path.join(dataDir, 'no-build'), logger: () => {} });
  try {
    const admin = new ApiClient({ base: app.url, fetch: cookieJar().fetch });
    const dr = await signIn(admin, 'dr.demo', DEMO_PASSWORD);
    const demoCount = (await admin.request<{ patients: unknown[] }>('/api/patients')).patients.length;
    const actor: Actor = { id: dr.id, name: dr.name };
    const seedStarted = performance.now();
    const extra = generatePatients(PANEL - demoCount, 777);
    for (const p of extra) {
      const { patient, chart } = buildPatientDocs(p, actor);
      await app.sync.applyServerUpdate(docName('patient', p.id), dr.clinicId, Y.encodeStateAsUpdate(patient), dr.id);
      await app.sync.applyServerUpdate(docName('chart', p.id), dr.clinicId, Y.encodeStateAsUpdate(chart), dr.id);
    }
    const total = (await admin.request<{ patients: { id: string }[] }>('/api/patients')).patients;
    console.log(`panel: ${total.length} patients, ${total.length * 2} documents on the server (seeded in ${ms(performance.now() - seedStarted)})`);

    // Baseline: the same exchange (change list + chunked batch with empty state vectors), nothing decrypted or stored.
    const [rawMs] = await timed(async () => {
      const changes = await admin.request<{ docs: string[] }>('/api/sync/changes');
      const empty = toBase64(Y.encodeStateVector(new Y.Doc()));
      for (let i = 0; i < changes.docs.length; i += 100) {
        const chunk = changes.docs.slice(i, i + 100);
        await admin.request('/api/sync/batch', { method: 'POST', body: { docs: chunk.map((name) => ({ name, stateVector: empty })), updates: [] } });
      }
    });

    const device = await nodeDevice(app.url, 'dr.demo', DEMO_PASSWORD);
    const [fullMs] = await timed(() => device.engine.syncNow());
    if (device.engine.lastError) throw device.engine.lastError;
    const held = (await device.vault.docs.docNames()).length;
    const progress = device.status.progress.at(-1);
    console.log(`(a) catch-up into an empty store: ${ms(fullMs)} for ${held} documents (progress ${progress?.done}/${progress?.total}, ${(await device.vault.patients.all()).length} list rows)`);
    console.log(`    baseline, same HTTP exchange without decrypt/store: ${ms(rawMs)}  → ratio ${(fullMs / rawMs).toFixed(1)}×`);

    // A day of clinic work elsewhere: 10% of charts get a visit with a note, 2% of patients new contact details.
    const other = await nodeDevice(app.url, 'nurse.demo', DEMO_PASSWORD);
    await other.engine.syncNow();
    const nurse: Actor = { id: other.user.id, name: other.user.name };
    const changedCount = Math.round(total.length * CHANGED_SHARE);
    for (const p of total.slice(0, changedCount)) {
      const live = await other.engine.acquire(docName('chart', p.id));
      const enc = addEncounter(live.doc, { reason: 'Follow-up' }, nurse);
      noteSection(live.doc, enc, 'subjective').insert(0, 'Feeling better since the last visit; sleeping well.');
      addCondition(live.doc, { text: 'Seasonal allergic rhinitis' }, nurse);
      await other.engine.release(live);
    }
    const movedCount = Math.round(total.length * 0.02);
    for (const p of total.slice(changedCount, changedCount + movedCount)) {
      const live = await other.engine.acquire(docName('patient', p.id));
      updatePatient(live.doc, { phone: '555-0199', city: 'Cedar Flats' }, nurse);
      await other.engine.release(live);
    }
    await other.engine.flushNow();
    if (other.engine.lastError) throw other.engine.lastError;

    device.status.progress.length = 0;
    const [dayMs] = await timed(() => device.engine.syncNow());
    if (device.engine.lastError) throw device.engine.lastError;
    const dayProgress = device.status.progress.at(-1);
    console.log(
      `(a) catch-up of a day-old store (${changedCount} charts and ${movedCount} patients' details changed): ${ms(dayMs)} (${dayProgress?.done}/${dayProgress?.total} documents)`
    );
    console.log(`    vs. the empty-store catch-up above: ratio ${(dayMs / fullMs).toFixed(2)}×`);
    await device.close();
    await other.close();
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ── (b) open a 200-entry chart ───────────────────────────────────────────

function bigChart(pid: string, actor: Actor): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  initChartDoc(doc, pid);
  for (let i = 0; i < CHART_ENTRIES; i++) {
    if (i % 3 === 0) addAllergy(doc, { substance: `Substance ${i}`, category: 'medication', reaction: 'Rash', severity: 'mild' }, actor);
    else if (i % 3 === 1) addCondition(doc, { text: `Problem ${i}`, note: 'Stable on current treatment.' }, actor);
    else {
      const enc = addEncounter(doc, { reason: `Visit ${i}` }, actor);
      for (const s of NOTE_SECTIONS) noteSection(doc, enc, s).insert(0, `${s} of visit ${i}: `.padEnd(300, 'lorem ipsum '));
    }
  }
  return { doc, updates };
}

/** Reads the chart as the record view does: every list through the typed accessors, every note section's text. */
function typedRead(doc: Y.Doc): number {
  let entries = listAllergies(doc).length + listConditions(doc).length;
  let chars = 0;
  for (const e of listEncounters(doc)) {
    entries++;
    for (const s of NOTE_SECTIONS) chars += noteSection(doc, e.id, s).toString().length;
  }
  if (chars === 0) throw new Error('note text missing');
  return entries;
}

class PlainDatabase extends Dexie {
  updates!: Dexie.Table<{ seq?: number; doc: string; data: Uint8Array }, number>;
  constructor() {
    super(`bench-plain-${crypto.randomUUID()}`);
    this.version(1).stores({ updates: '++seq, doc' });
  }
}

async function openChartBench(): Promise<void> {
  const pid = crypto.randomUUID();
  const name = docName('chart', pid);
  const actor = { id: 'bench', name: 'Dr. Bench' };
  const { updates } = bigChart(pid, actor);
  const vault = await createVault(crypto.randomUUID(), 'bench password');
  for (const u of updates) await vault.docs.append(name, u, { pending: false });
  await vault.docs.compact(name);
  const rows = await vault.db.updates.where('doc').equals(name).count();

  const plain = new PlainDatabase();
  const merged = Y.mergeUpdates(updates);
  await plain.updates.add({ doc: name, data: merged });

  const encrypted: number[] = [];
  const clear: number[] = [];
  let entries = 0;
  for (let i = 0; i < OPEN_RUNS; i++) {
    const [e, n] = await timed(async () => {
      const doc = new Y.Doc();
      await vault.docs.loadInto(name, doc, null);
      return typedRead(doc);
    });
    const [c] = await timed(async () => {
      const doc = new Y.Doc();
      const stored = await plain.updates.where('doc').equals(name).toArray();
      Y.applyUpdate(doc, stored.length === 1 ? stored[0].data : Y.mergeUpdates(stored.map((r) => r.data)));
      return typedRead(doc);
    });
    encrypted.push(e);
    clear.push(c);
    entries = n;
  }
  console.log(`(b) open a ${entries}-entry chart (${(merged.length / 1024).toFixed(0)} KiB, ${rows} stored row(s) after compaction), median of ${OPEN_RUNS}:`);
  console.log(`    encrypted store → Y.Doc → typed reads: ${median(encrypted).toFixed(1)} ms`);
  console.log(`    baseline, same rows unencrypted:       ${median(clear).toFixed(1)} ms  → ratio ${(median(encrypted) / median(clear)).toFixed(2)}×`);
  const [unlockMs] = await timed(async () => {
    vault.close();
    const { unlockVault } = await import('../src/lib/storage/user-vault');
    (await unlockVault(vault.userId, 'bench password')).close();
  });
  console.log(`    (unlock: PBKDF2-SHA-256 600,000 iterations + unwrap: ${ms(unlockMs)})`);
  plain.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
