/**
 * Update-log compaction on a realistic chart (`npm run bench -- log-compaction`).
 *
 * The chart: a 20-year primary-care history (bench/twenty-year-chart.ts,
 * one log row per accessor write, dated over 2006–2024), then two years of
 * visits typed the way a clinician types: 96 visits, each with vitals and a
 * four-section note typed in keystroke batches of 2–8 characters (one log
 * row per batch, as the y-websocket client sends them), with a backspaced
 * typo every ~40 characters, by two users (a clinician and a nurse).
 * The server's live snapshot is saved at the last row, as a running server
 * does every few hundred rows.
 *
 * Baseline ("before"): the SQLite store as it is after that history.
 * Measured after `compactLog` with the default 30-day window: log rows,
 * log bytes, snapshot bytes, provenance bytes, the SQLite file after VACUUM,
 * how long the compaction took and how long the document takes to load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { addEncounter, noteSection, signNote } from '../src/lib/chart/chart-doc';
import { recordVitals } from '../src/lib/chart/vitals-doc';
import { NOTE_SECTIONS, type Actor } from '../src/lib/domain/chart';
import { createAuditLog } from '../server/audit/audit-log';
import { migratePlatformTables, openDatabase } from '../server/store/db';
import { migrateSyncTables, type DocIdentity } from '../server/store/doc-store';
import { SqliteDocumentStore } from '../server/store/document-store';
import { cutoffFor, LOG_COMPACTION_DEFAULT_DAYS } from '../server/store/log-compaction';
import { twentyYearChart } from './twenty-year-chart';

const PATIENT = '5b0c6d7e-8f9a-4b1c-9d2e-3f4a5b6c7d8e';
const CHART: DocIdentity = { name: `chart:${PATIENT}`, clinicId: 'clinic-bench', kind: 'chart', patientId: PATIENT };
const NOW = Date.UTC(2026, 11, 1, 12, 0);
const DAY = 86_400_000;
const CLINICIAN: Actor = { id: 'u-clinician', name: 'Dr. Bench' };
const NURSE: Actor = { id: 'u-nurse', name: 'Nurse Bench' };
const SENTENCES = [
  'Patient reports intermittent headaches for two weeks, worse in the evening. ',
  'No visual changes, no weakness, no numbness. Sleeping poorly. ',
  'Home blood pressure readings 140s over 90s. Taking medication as prescribed. ',
  'Lungs clear, heart regular, no edema. Abdomen soft and non-tender. ',
  'Continue current regimen, reduce salt, recheck in four weeks with home log. '
];

interface Row {
  update: Uint8Array;
  userId: string;
  at: number;
}

function buildRows(): Row[] {
  const rows: Row[] = [];
  const history = twentyYearChart(PATIENT, CLINICIAN);
  const hStart = Date.UTC(2006, 0, 9);
  const hSpan = Date.UTC(2024, 11, 1) - hStart;
  history.updates.forEach((u, i) => rows.push({ update: u, userId: CLINICIAN.id, at: hStart + Math.floor((hSpan * i) / history.updates.length) }));

  const doc = new Y.Doc();
  for (const u of history.updates) Y.applyUpdate(doc, u);
  let pending: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => pending.push(u));
  const flush = (userId: string, at: number) => {
    if (pending.length) rows.push({ update: pending.length === 1 ? pending[0] : Y.mergeUpdates(pending), userId, at });
    pending = [];
  };
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const VISITS = 96;
  const start = NOW - 730 * DAY;
  for (let v = 0; v < VISITS; v++) {
    let at = start + Math.floor((v * 728 * DAY) / VISITS) + 9 * 3600_000;
    const enc = addEncounter(doc, { reason: 'Follow-up', start: new Date(at).toISOString(), type: 'Office visit' }, NURSE);
    flush(NURSE.id, at);
    recordVitals(doc, { systolic: 138, diastolic: 88, heartRate: 72, respiratoryRate: 14, temperature: 36.8, spo2: 97, weight: 91.5, height: 172 }, NURSE, new Date(at).toISOString());
    flush(NURSE.id, (at += 60_000));
    for (const section of NOTE_SECTIONS) {
      const text = noteSection(doc, enc, section);
      const body = `${SENTENCES[v % 5]}${SENTENCES[(v + 2) % 5]}${SENTENCES[(v + 4) % 5]}`;
      let i = 0;
      let sinceTypo = 0;
      while (i < body.length) {
        const n = 2 + Math.floor(rnd() * 7);
        text.insert(text.length, body.slice(i, i + n));
        i += n;
        sinceTypo += n;
        flush(CLINICIAN.id, (at += 1500));
        if (sinceTypo > 40 && rnd() < 0.3) {
          text.insert(text.length, 'xq');
          flush(CLINICIAN.id, (at += 700));
          text.delete(text.length - 2, 2);
          flush(CLINICIAN.id, (at += 700));
          sinceTypo = 0;
        }
      }
    }
    signNote(doc, enc, CLINICIAN);
    flush(CLINICIAN.id, (at += 30_000));
  }
  return rows;
}

interface Figures {
  rows: number;
  logBytes: number;
  snapshotBytes: number;
  provenanceBytes: number;
  fileBytes: number;
  loadMs: number;
}

function figures(dir: string, store: SqliteDocumentStore, db: ReturnType<typeof openDatabase>): Figures {
  const log = db.prepare('SELECT count(*) AS n, coalesce(sum(length("update")), 0) AS b FROM doc_updates').get() as { n: number; b: number };
  const snap = db.prepare('SELECT coalesce(sum(length(state)), 0) AS b FROM doc_snapshots').get() as { b: number };
  const prov = db
    .prepare(
      `SELECT coalesce(sum(length(name) + length(user_id) + length(period) + length(first_at) + length(last_at) + length(entries) + 5 * 8), 0) AS b FROM doc_log_provenance`
    )
    .get() as { b: number };
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const fileBytes = fs.statSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.sqlite') || f.endsWith('.db'))!)).size;
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    store.docs.load(CHART.name);
    loads.push(performance.now() - t);
  }
  return { rows: log.n, logBytes: log.b, snapshotBytes: snap.b, provenanceBytes: prov.b, fileBytes, loadMs: loads.sort((a, b) => a - b)[2] };
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'outpost-bench-compact-'));
  try {
    const t0 = performance.now();
    const rows = buildRows();
    const db = openDatabase(dir);
    migratePlatformTables(db);
    migrateSyncTables(db);
    const store = new SqliteDocumentStore(db, createAuditLog(db));
    const seqs = store.commitNow(rows.map((r) => ({ doc: CHART, update: r.update, userId: r.userId })), []);
    const stamp = db.prepare('UPDATE doc_updates SET created_at = ? WHERE seq = ?');
    db.transaction(() => seqs.forEach((seq, i) => stamp.run(new Date(rows[i].at).toISOString(), seq)))();
    // The live document's snapshot, as a running server keeps it.
    const state = store.docs.load(CHART.name)!;
    const live = new Y.Doc();
    Y.applyUpdate(live, state.update);
    store.docs.saveSnapshot(CHART.name, Y.encodeStateAsUpdate(live), state.lastSeq);
    console.log(`chart built: ${rows.length} log rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const before = figures(dir, store, db);
    const c0 = performance.now();
    const result = await store.compactLog({ before: cutoffFor(LOG_COMPACTION_DEFAULT_DAYS, new Date(NOW)), by: 'bench' });
    const compactMs = performance.now() - c0;
    const after = figures(dir, store, db);
    const text = (d: Y.Doc) => JSON.stringify(d.getMap('encounters').toJSON()).length;
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, store.docs.load(CHART.name)!.update);
    if (text(reloaded) !== text(live)) throw new Error('the compacted chart differs from the live one');

    const totalBefore = before.logBytes + before.snapshotBytes + before.provenanceBytes;
    const totalAfter = after.logBytes + after.snapshotBytes + after.provenanceBytes;
    console.log(`compaction (${LOG_COMPACTION_DEFAULT_DAYS}-day window): folded ${result.rowsFolded} rows, ${result.provenanceRecords} provenance records, in ${compactMs.toFixed(0)} ms`);
    console.log('                      before        after');
    console.log(`log rows          ${String(before.rows).padStart(10)}   ${String(after.rows).padStart(10)}`);
    console.log(`log bytes         ${kb(before.logBytes).padStart(10)}   ${kb(after.logBytes).padStart(10)}`);
    console.log(`snapshot bytes    ${kb(before.snapshotBytes).padStart(10)}   ${kb(after.snapshotBytes).padStart(10)}`);
    console.log(`provenance bytes  ${kb(before.provenanceBytes).padStart(10)}   ${kb(after.provenanceBytes).padStart(10)}`);
    console.log(`stored total      ${kb(totalBefore).padStart(10)}   ${kb(totalAfter).padStart(10)}   ratio ${(totalBefore / totalAfter).toFixed(1)}x`);
    console.log(`SQLite file       ${kb(before.fileBytes).padStart(10)}   ${kb(after.fileBytes).padStart(10)}   ratio ${(before.fileBytes / after.fileBytes).toFixed(1)}x (after VACUUM; includes platform tables)`);
    console.log(`load (median)     ${before.loadMs.toFixed(1).padStart(7)} ms   ${after.loadMs.toFixed(1).padStart(7)} ms`);
    console.log(`rows ratio ${(before.rows / after.rows).toFixed(0)}x; the audit chain is untouched (one doc.log.compacted entry added)`);
    db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
