import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createAuditLog, verifyAuditChain } from '../audit/audit-log';
import { runAdmin, type AdminIo } from '../cli/admin-commands';
import { migratePlatformTables, openDatabase } from './db';
import { migrateSyncTables, type DocIdentity } from './doc-store';
import { SqliteDocumentStore } from './document-store';
import { entriesTouched, scheduleLogCompaction } from './log-compaction';

const PATIENT = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const CHART: DocIdentity = { name: `chart:${PATIENT}`, clinicId: 'clinic-a', kind: 'chart', patientId: PATIENT };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function io(): AdminIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), askPassword: async () => '' };
}

/** A chart typed into keystroke by keystroke by two users: 12 rows, the first 11 written on 2026-01-05 (long ago), the last today. */
function seedTypedChart(dir: string): { seqs: number[]; oldBytes: number } {
  const db = openDatabase(dir);
  migratePlatformTables(db);
  migrateSyncTables(db);
  const store = new SqliteDocumentStore(db, createAuditLog(db));
  const src = new Y.Doc();
  const change = (fn: () => void) => {
    const before = Y.encodeStateVector(src);
    src.transact(fn);
    return Y.encodeStateAsUpdate(src, before);
  };
  const enc = new Y.Map<unknown>();
  const note = new Y.Text();
  const updates: { update: Uint8Array; userId: string }[] = [
    { update: change(() => (src.getMap('encounters').set('e1', enc), enc.set('note', note))), userId: 'u-clin' },
    ...[...'Cough 3 d'].map((ch) => ({ update: change(() => note.insert(note.length, ch)), userId: 'u-clin' })),
    { update: change(() => src.getMap('allergies').set('a1', new Y.Map())), userId: 'u-nurse' },
    { update: change(() => note.insert(note.length, '.')), userId: 'u-clin' }
  ];
  const seqs = store.commitNow(updates.map((u) => ({ doc: CHART, ...u })), []);
  // The first 11 rows were typed on 5 January, between 09:00 and 10:59.
  const stamp = db.prepare('UPDATE doc_updates SET created_at = ? WHERE seq = ?');
  seqs.slice(0, 11).forEach((seq, i) => stamp.run(i < 6 ? `2026-01-05T09:1${i}:00.000Z` : `2026-01-05T10:0${i - 6}:00.000Z`, seq));
  const oldBytes = updates.slice(0, 11).reduce((n, u) => n + u.update.byteLength, 0);
  db.close();
  return { seqs, oldBytes };
}

describe('update-log compaction from the admin CLI', () => {
  it('folds rows older than the window, prints what it did, keeps provenance per user and hour, and audits it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-compact-'));
    dirs.push(dir);
    const { seqs, oldBytes } = seedTypedChart(dir);

    const refused = io();
    expect(await runAdmin(['compact-log', '--older-than-days', '0'], dir, refused)).toBe(2);
    expect(refused.lines).toEqual(['Error: --older-than-days must be a whole number of days, 1 or more']);
    expect(await runAdmin(['compact-log', '--older-than-days', 'soon'], dir, io())).toBe(2);

    const out = io();
    expect(await runAdmin(['compact-log', '--older-than-days', '30'], dir, out)).toBe(0);
    expect(out.lines).toEqual([`Folded 11 update-log rows (${oldBytes} bytes) of 1 documents into their snapshots; 3 provenance records written`]);
    const again = io();
    expect(await runAdmin(['compact-log'], dir, again)).toBe(0);
    expect(again.lines).toEqual(['No update-log row older than 30 days to fold.']);

    const prov = io();
    expect(await runAdmin(['log-provenance', '--document', CHART.name], dir, prov)).toBe(0);
    expect(prov.lines).toEqual([
      '2026-01-05T09h  u-clin  6 updates  2026-01-05T09:10:00.000Z to 2026-01-05T09:15:00.000Z  encounters/e1',
      '2026-01-05T10h  u-clin  4 updates  2026-01-05T10:00:00.000Z to 2026-01-05T10:03:00.000Z  encounters/e1',
      '2026-01-05T10h  u-nurse  1 updates  2026-01-05T10:04:00.000Z to 2026-01-05T10:04:00.000Z  allergies/a1'
    ]);

    const db = openDatabase(dir);
    try {
      expect(db.prepare('SELECT seq FROM doc_updates ORDER BY seq').all()).toEqual([{ seq: seqs[11] }]);
      const store = new SqliteDocumentStore(db, createAuditLog(db));
      const doc = new Y.Doc();
      Y.applyUpdate(doc, (await store.load(CHART.name))!.update);
      expect(((doc.getMap('encounters').get('e1') as Y.Map<unknown>).get('note') as Y.Text).toString()).toBe('Cough 3 d.');
      const audit = db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'doc.log.compacted'").all() as { user_id: string | null; target: string; detail: string }[];
      expect(audit).toHaveLength(1);
      expect(audit[0].target).toBe(CHART.name);
      expect(JSON.parse(audit[0].detail)).toMatchObject({ uptoSeq: seqs[10], rows: 11, bytes: oldBytes, provenanceRecords: 3 });
      expect(JSON.parse(audit[0].detail).by).toMatch(/^admin-cli:/);
      expect(verifyAuditChain(db).ok).toBe(true);
    } finally {
      db.close();
    }
  });
});

describe('scheduled compaction', () => {
  it('runs shortly after start with the configured window, and stops cleanly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-compact-'));
    dirs.push(dir);
    seedTypedChart(dir);
    const db = openDatabase(dir);
    const lines: string[] = [];
    const store = new SqliteDocumentStore(db, createAuditLog(db));
    const schedule = scheduleLogCompaction(store, 30, { info: (l) => lines.push(l), error: (l) => lines.push(l) }, { firstAfterMs: 1, everyMs: 3_600_000 });
    try {
      await expect.poll(() => lines.length).toBe(1);
      expect(lines[0]).toMatch(/^update log: folded 11 rows \(\d+ bytes\) of 1 documents older than 30 days$/);
      expect(await schedule.runNow()).toEqual({ documents: 0, rowsFolded: 0, bytesFolded: 0, provenanceRecords: 0 });
    } finally {
      await schedule.stop();
      db.close();
    }
  });
});

describe('entriesTouched', () => {
  it('names the top-level entry of an insert, of a nested edit and of a delete-only update', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const enc = new Y.Map<unknown>();
    const note = new Y.Text();
    doc.getMap('encounters').set('e7', enc);
    enc.set('note', note);
    note.insert(0, 'abc');
    note.delete(1, 1);
    doc.getArray('log').push(['x']);
    expect(updates.map((u) => [...entriesTouched(u, doc)])).toEqual([['encounters/e7'], ['encounters/e7'], ['encounters/e7'], ['encounters/e7'], ['log']]);
  });
});

describe('a running server after compaction', () => {
  it('serves an old replication cursor the snapshot, keeps reading and writing the document, and its audit chain verifies', async () => {
    const { startTestApp } = await import('../http/test-app');
    const app = await startTestApp({ demo: true });
    try {
      const busiest = app.db
        .prepare("SELECT u.name, d.clinic_id, count(*) AS n FROM doc_updates u JOIN documents d ON d.name = u.name WHERE u.name LIKE 'chart:%' GROUP BY u.name ORDER BY n DESC, u.name LIMIT 1")
        .get() as { name: string; clinic_id: string; n: number };
      // Three more writes, so the log holds several rows of it.
      for (const n of [1, 2, 3]) {
        const d = new Y.Doc();
        Y.applyUpdate(d, (await app.sync.readState(busiest.name, busiest.clinic_id))!);
        const sv0 = Y.encodeStateVector(d);
        d.getMap('meta').set(`check${n}`, n);
        await app.sync.applyServerUpdate(busiest.name, busiest.clinic_id, Y.encodeStateAsUpdate(d, sv0), 'system', 'system');
      }
      const rows = (app.db.prepare('SELECT count(*) AS n FROM doc_updates WHERE name = ?').get(busiest.name) as { n: number }).n;
      expect(rows).toBe(busiest.n + 3);
      const before = await app.sync.readState(busiest.name, busiest.clinic_id);
      const store = new SqliteDocumentStore(app.db, createAuditLog(app.db));
      const result = await store.compactLog({ before: new Date(Date.now() + 86_400_000), by: 'admin-cli:test' });
      expect(result.rowsFolded).toBeGreaterThanOrEqual(rows - 1);
      expect(app.db.prepare('SELECT count(*) AS n FROM doc_updates WHERE name = ?').get(busiest.name)).toEqual({ n: 1 });

      // Replication's contract: a cursor from before the compaction gets the snapshot, never a gap.
      const old = await app.sync.readStoredSince(busiest.name, busiest.clinic_id, 0);
      expect(old).toMatchObject({ fromSnapshot: true });
      const replica = new Y.Doc();
      for (const p of old!.parts) Y.applyUpdate(replica, p);
      const server = new Y.Doc();
      Y.applyUpdate(server, before!);
      expect(Y.encodeStateVector(replica)).toEqual(Y.encodeStateVector(server));
      expect(await app.sync.readStoredSince(busiest.name, busiest.clinic_id, old!.lastSeq)).toEqual({ parts: [], lastSeq: old!.lastSeq });

      // The server goes on writing to it.
      const edit = new Y.Doc();
      Y.applyUpdate(edit, before!);
      const sv = Y.encodeStateVector(edit);
      edit.getMap('meta').set('compactionCheck', 1);
      await app.sync.applyServerUpdate(busiest.name, busiest.clinic_id, Y.encodeStateAsUpdate(edit, sv), 'system', 'system');
      const after = new Y.Doc();
      Y.applyUpdate(after, (await app.sync.readState(busiest.name, busiest.clinic_id))!);
      expect(after.getMap('meta').get('compactionCheck')).toBe(1);
      const tail = await app.sync.readStoredSince(busiest.name, busiest.clinic_id, old!.lastSeq);
      expect(tail!.parts).toHaveLength(1);
      expect(tail!.fromSnapshot).toBeUndefined();
      expect(verifyAuditChain(app.db).ok).toBe(true);
    } finally {
      await app.stop();
    }
  });
});
