import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createAuditLog, verifyAuditChain, type AuditChainResult } from '../audit/audit-log';
import { loadConfig } from '../config';
import { startTestApp } from '../http/test-app';
import { migratePlatformTables, openDatabase } from './db';
import { ClinicMismatchError, migrateSyncTables, type DocIdentity } from './doc-store';
import { SqliteDocumentStore, storeEngineOf, type DocumentStore } from './document-store';
import { PgDocumentStore } from './pg-doc-store';
import { createTestPgDatabase } from './pg-test-db';

/**
 * One contract, two stores: every test below runs against the embedded
 * SQLite store and against a real PostgreSQL server (a fresh database for
 * this run, dropped at the end; skipped with the reason printed when no
 * server is reachable, except under CI=1).
 */

const PATIENT = '0e4b5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a';
const CHART: DocIdentity = { name: `chart:${PATIENT}`, clinicId: 'clinic-a', kind: 'chart', patientId: PATIENT };
const PATIENT_DOC: DocIdentity = { name: `patient:${PATIENT}`, clinicId: 'clinic-a', kind: 'patient', patientId: PATIENT };
const OTHER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const OTHER_CHART: DocIdentity = { name: `chart:${OTHER}`, clinicId: 'clinic-b', kind: 'chart', patientId: OTHER };

function edit(doc: Y.Doc, text: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(doc.getText('t').length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

function chartJson(update: Uint8Array | Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const u of Array.isArray(update) ? update : [update]) Y.applyUpdate(doc, u);
  return JSON.stringify({ conditions: doc.getMap('conditions').toJSON(), encounters: doc.getMap('encounters').toJSON() });
}

function textOf(update: Uint8Array | Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const u of Array.isArray(update) ? update : [update]) Y.applyUpdate(doc, u);
  return doc.getText('t').toString();
}

interface Harness {
  store: DocumentStore;
  /** The same store closed and opened again on the same data (a restart). */
  reopen(): Promise<DocumentStore>;
  verifyAudit(): Promise<AuditChainResult>;
  auditActions(): Promise<string[]>;
  /** Tries to rewrite a stored update row behind the store's back. */
  rewriteUpdateRow(): Promise<void>;
  /** Rewrites audit entry 2 with the append-only trigger out of the way (someone with the database's owner rights). */
  tamperAudit(): Promise<void>;
  close(): Promise<void>;
}

const pgDb = await createTestPgDatabase();
afterAll(async () => {
  await pgDb?.drop();
});

async function sqliteHarness(): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-store-'));
  let db: Database.Database;
  const open = () => {
    db = openDatabase(dir);
    migratePlatformTables(db);
    migrateSyncTables(db);
    return new SqliteDocumentStore(db, createAuditLog(db));
  };
  const h: Harness = {
    store: open(),
    async reopen() {
      db.close();
      h.store = open();
      return h.store;
    },
    async verifyAudit() {
      return verifyAuditChain(db);
    },
    async auditActions() {
      return (db.prepare('SELECT action FROM audit_log ORDER BY seq').all() as { action: string }[]).map((r) => r.action);
    },
    async rewriteUpdateRow() {
      // SQLite's update log has no trigger of its own; the platform's audit log does.
      db.prepare("UPDATE audit_log SET action = 'x' WHERE seq = 1").run();
    },
    async tamperAudit() {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare("UPDATE audit_log SET outcome = 'failure' WHERE seq = 2").run();
    },
    async close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  return h;
}

async function pgHarness(): Promise<Harness> {
  const url = pgDb!.url;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // One database per run; each test starts from empty tables (TRUNCATE is not a row delete, so the append-only triggers allow it).
  await admin.query(`DO $$ BEGIN
    IF to_regclass('documents') IS NOT NULL THEN
      TRUNCATE documents, doc_updates, doc_snapshots, doc_quarantine, doc_log_compaction, doc_log_provenance, audit_log RESTART IDENTITY;
    END IF; END $$`);
  const h: Harness = {
    store: await PgDocumentStore.open(url, { max: 4 }),
    async reopen() {
      await h.store.close();
      h.store = await PgDocumentStore.open(url, { max: 4 });
      return h.store;
    },
    verifyAudit: () => (h.store as PgDocumentStore).verifyAudit(),
    async auditActions() {
      return (await admin.query<{ action: string }>('SELECT action FROM audit_log ORDER BY seq')).rows.map((r) => r.action);
    },
    async rewriteUpdateRow() {
      await admin.query('UPDATE doc_updates SET user_id = $1 WHERE seq = 1', ['someone-else']);
    },
    async tamperAudit() {
      await admin.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await admin.query("UPDATE audit_log SET outcome = 'failure' WHERE seq = 2");
      await admin.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    },
    async close() {
      await h.store.close();
      await admin.end();
    }
  };
  return h;
}

const engines: { engine: 'sqlite' | 'postgres'; make: () => Promise<Harness>; available: boolean }[] = [
  { engine: 'sqlite', make: sqliteHarness, available: true },
  { engine: 'postgres', make: pgHarness, available: pgDb !== null }
];

describe.each(engines)('document store contract ($engine)', ({ engine, make, available }) => {
  let h: Harness;
  beforeEach(async () => {
    if (available) h = await make();
  });
  afterEach(async () => {
    if (available) await h.close();
  });
  const test = it.skipIf(!available);

  test('knows nothing of a document never written', async () => {
    expect(h.store.engine).toBe(engine);
    expect(await h.store.find(CHART.name)).toBeNull();
    expect(await h.store.load(CHART.name)).toBeNull();
    expect(await h.store.loadSince(CHART.name, null)).toBeNull();
    expect(await h.store.loadSince(CHART.name, 0)).toBeNull();
  });

  test('appends a group in order, creating each document on its first write and moving its last sequence number', async () => {
    const src = new Y.Doc();
    const seqs = await h.store.commit(
      [
        { doc: CHART, update: edit(src, 'one '), userId: 'u1' },
        { doc: CHART, update: edit(src, 'two '), userId: 'u2' },
        { doc: CHART, update: edit(src, 'three'), userId: 'u1' }
      ],
      []
    );
    expect(seqs).toHaveLength(3);
    expect(seqs[1] - seqs[0]).toBe(1);
    expect(seqs[2] - seqs[1]).toBe(1);
    expect(await h.store.find(CHART.name)).toMatchObject({ name: CHART.name, clinicId: 'clinic-a', kind: 'chart', patientId: PATIENT, lastSeq: seqs[2] });
    const loaded = await h.store.load(CHART.name);
    expect(textOf(loaded!.update)).toBe('one two three');
    expect(loaded!.lastSeq).toBe(seqs[2]);
    expect(loaded!.rowsSinceSnapshot).toBe(3);
    const since = await h.store.loadSince(CHART.name, seqs[0]);
    expect(since!.parts).toHaveLength(2);
    expect(since!.lastSeq).toBe(seqs[2]);
    expect(await h.store.loadSince(CHART.name, seqs[2])).toEqual({ parts: [], lastSeq: seqs[2] });
  });

  test('stores nothing of a group that names another clinic’s document, audit entries included', async () => {
    await h.store.commit([{ doc: CHART, update: edit(new Y.Doc(), 'mine'), userId: 'u1' }], []);
    const before = await h.store.find(CHART.name);
    const src = new Y.Doc();
    await expect(
      h.store.commit(
        [
          { doc: PATIENT_DOC, update: edit(src, 'innocent'), userId: 'u2' },
          { doc: { ...CHART, clinicId: 'clinic-b' }, update: edit(new Y.Doc(), 'theirs'), userId: 'u2' }
        ],
        [{ action: 'doc.update.corrected', outcome: 'failure', userId: 'u2', target: CHART.name }]
      )
    ).rejects.toBeInstanceOf(ClinicMismatchError);
    expect(await h.store.find(PATIENT_DOC.name)).toBeNull();
    expect(await h.store.find(CHART.name)).toEqual(before);
    expect(textOf((await h.store.load(CHART.name))!.update)).toBe('mine');
    expect(await h.auditActions()).toEqual([]);
    // Positive control: the same write for its own clinic goes in.
    await h.store.commit([{ doc: PATIENT_DOC, update: edit(src, 'innocent'), userId: 'u2' }], []);
    expect(await h.store.find(PATIENT_DOC.name)).toMatchObject({ clinicId: 'clinic-a' });
  });

  test('writes the audit entries of a write in its transaction, hash-chained', async () => {
    const src = new Y.Doc();
    await h.store.commit(
      [{ doc: CHART, update: edit(src, 'a'), userId: 'u1' }],
      [
        { action: 'doc.update.corrected', outcome: 'failure', userId: 'u1', target: CHART.name, detail: { rules: ['notes.signed-frozen'] } },
        { action: 'prescription.sign', outcome: 'success', userId: 'u1', target: CHART.name }
      ]
    );
    await h.store.commit([{ doc: CHART, update: edit(src, 'b'), userId: 'u1' }], [{ action: 'prescription.change', outcome: 'success', userId: 'u1', target: CHART.name }]);
    expect(await h.auditActions()).toEqual(['doc.update.corrected', 'prescription.sign', 'prescription.change']);
    expect(await h.verifyAudit()).toEqual({ ok: true, count: 3 });
  });

  test('its audit chain names the first entry changed behind its back', async () => {
    await h.store.commit(
      [{ doc: CHART, update: edit(new Y.Doc(), 'a'), userId: 'u1' }],
      [
        { action: 'prescription.sign', outcome: 'success', userId: 'u1', target: CHART.name },
        { action: 'prescription.change', outcome: 'success', userId: 'u1', target: CHART.name },
        { action: 'prescription.change', outcome: 'success', userId: 'u1', target: CHART.name }
      ]
    );
    expect(await h.verifyAudit()).toEqual({ ok: true, count: 3 });
    await h.tamperAudit();
    expect(await h.verifyAudit()).toEqual({ ok: false, firstBrokenSeq: 2, reason: 'entry content does not match its hash' });
  });

  test('refuses to rewrite what it stored', async () => {
    await h.store.commit([{ doc: CHART, update: edit(new Y.Doc(), 'a'), userId: 'u1' }], [{ action: 'prescription.sign', outcome: 'success', userId: 'u1', target: CHART.name }]);
    await expect(h.rewriteUpdateRow()).rejects.toThrow(/append-only/);
  });

  test('loads from a snapshot and the rows after it; a snapshot never moves backwards', async () => {
    const src = new Y.Doc();
    const [s1] = await h.store.commit([{ doc: CHART, update: edit(src, 'a'), userId: 'u1' }], []);
    const [s2] = await h.store.commit([{ doc: CHART, update: edit(src, 'b'), userId: 'u1' }], []);
    await h.store.saveSnapshot(CHART.name, Y.encodeStateAsUpdate(src), s2);
    const [s3] = await h.store.commit([{ doc: CHART, update: edit(src, 'c'), userId: 'u1' }], []);
    const loaded = await h.store.load(CHART.name);
    expect(textOf(loaded!.update)).toBe('abc');
    expect(loaded!.rowsSinceSnapshot).toBe(1);
    expect(loaded!.lastSeq).toBe(s3);
    // An older state offered later is ignored.
    await h.store.saveSnapshot(CHART.name, Y.encodeStateAsUpdate(new Y.Doc()), s1);
    expect(textOf((await h.store.load(CHART.name))!.update)).toBe('abc');
    const parts = await h.store.loadSince(CHART.name, null);
    expect(parts!.parts).toHaveLength(2);
    expect(textOf(parts!.parts)).toBe('abc');
    expect(parts!.lastSeq).toBe(s3);
    // Rows stay after a snapshot: a reader holding the document up to s1 still gets exactly what it lacks.
    const tail = await h.store.loadSince(CHART.name, s1);
    expect(tail!.parts).toHaveLength(2);
    expect(tail!.lastSeq).toBe(s3);
  });

  test('lists a clinic’s documents changed after a cursor, of the kinds asked, in cursor order', async () => {
    const src = new Y.Doc();
    await h.store.commit([{ doc: CHART, update: edit(src, 'a'), userId: 'u1' }], []);
    await h.store.commit([{ doc: PATIENT_DOC, update: edit(new Y.Doc(), 'p'), userId: 'u1' }], []);
    await h.store.commit([{ doc: OTHER_CHART, update: edit(new Y.Doc(), 'o'), userId: 'u9' }], []);
    const all = await h.store.changedSince('clinic-a', ['chart', 'patient'], 0);
    expect(all.names).toEqual([CHART.name, PATIENT_DOC.name]);
    expect(await h.store.changedSince('clinic-a', ['patient'], 0)).toMatchObject({ names: [PATIENT_DOC.name] });
    expect(await h.store.changedSince('clinic-a', [], 0)).toEqual({ names: [], maxSeq: 0 });
    expect(await h.store.changedSince('clinic-a', ['chart', 'patient'], all.maxSeq)).toEqual({ names: [], maxSeq: all.maxSeq });
    await h.store.commit([{ doc: CHART, update: edit(src, 'b'), userId: 'u1' }], []);
    const next = await h.store.changedSince('clinic-a', ['chart', 'patient'], all.maxSeq);
    expect(next.names).toEqual([CHART.name]);
    expect(next.maxSeq).toBeGreaterThan(all.maxSeq);
  });

  test('compacts rows older than the cutoff into the snapshot, keeping provenance per user and hour, audited; an older cursor gets the snapshot', async () => {
    const src = new Y.Doc();
    const change = (fn: () => void) => {
      const before = Y.encodeStateVector(src);
      src.transact(fn);
      return Y.encodeStateAsUpdate(src, before);
    };
    const encounter = new Y.Map<unknown>();
    const note = new Y.Text();
    const seqs: number[] = [];
    const write = async (userId: string, fn: () => void) => seqs.push(...(await h.store.commit([{ doc: CHART, update: change(fn), userId }], [])));
    await write('u1', () => {
      const c = new Y.Map<unknown>();
      src.getMap('conditions').set('c1', c);
      c.set('code', 'I10');
    });
    await write('u1', () => {
      src.getMap('encounters').set('e1', encounter);
      encounter.set('note', note);
      note.insert(0, 'Hea');
    });
    await write('u1', () => note.insert(3, 'dache'));
    await write('u1', () => note.delete(0, 1));
    await write('u2', () => note.insert(0, 'H'));
    await write('u1', () => note.insert(note.length, ' 2d'));
    const stored = chartJson(Y.encodeStateAsUpdate(src));
    expect(stored).toBe('{"conditions":{"c1":{"code":"I10"}},"encounters":{"e1":{"note":"Headache 2d"}}}');
    // Nothing is older than yesterday: nothing moves.
    expect(await h.store.compactLog({ before: new Date(Date.now() - 86_400_000), by: 'admin-cli:test' })).toEqual({ documents: 0, rowsFolded: 0, bytesFolded: 0, provenanceRecords: 0 });
    expect(await h.store.compactionPoint(CHART.name)).toBeNull();
    expect(await h.auditActions()).toEqual([]);

    const tomorrow = new Date(Date.now() + 86_400_000);
    const bytesBefore = (await h.store.loadSince(CHART.name, 0))!.parts.reduce((n, p) => n + p.byteLength, 0);
    const lastBytes = (await h.store.loadSince(CHART.name, seqs[4]))!.parts[0].byteLength;
    // Every row but the last one is folded.
    expect(await h.store.compactLog({ before: tomorrow, by: 'admin-cli:test' })).toEqual({ documents: 1, rowsFolded: 5, bytesFolded: bytesBefore - lastBytes, provenanceRecords: 2 });
    const loaded = await h.store.load(CHART.name);
    expect(chartJson(loaded!.update)).toBe(stored);
    expect(loaded!.lastSeq).toBe(seqs[5]);
    expect(loaded!.rowsSinceSnapshot).toBe(1);
    expect(await h.store.compactionPoint(CHART.name)).toMatchObject({ uptoSeq: seqs[4], rowsFolded: 5, bytesFolded: bytesBefore - lastBytes });

    const prov = await h.store.provenance(CHART.name);
    expect(prov.map(({ userId, updates, entries, moreEntries, firstSeq, lastSeq }) => ({ userId, updates, entries, moreEntries, firstSeq, lastSeq }))).toEqual([
      { userId: 'u1', updates: 4, entries: ['conditions/c1', 'encounters/e1'], moreEntries: 0, firstSeq: seqs[0], lastSeq: seqs[3] },
      { userId: 'u2', updates: 1, entries: ['encounters/e1'], moreEntries: 0, firstSeq: seqs[4], lastSeq: seqs[4] }
    ]);
    expect(prov[0].period).toBe(prov[0].firstAt.slice(0, 13));
    expect(prov[0].firstAt <= prov[0].lastAt).toBe(true);

    // Readers of the log: a cursor older than the compaction point gets the snapshot and the rows after it, never a gap.
    const old = await h.store.loadSince(CHART.name, seqs[0]);
    expect(old!.fromSnapshot).toBe(true);
    expect(old!.parts).toHaveLength(2);
    expect(old!.lastSeq).toBe(seqs[5]);
    expect(chartJson(old!.parts)).toBe(stored);
    expect(await h.store.loadSince(CHART.name, seqs[4])).toEqual({ parts: [(await h.store.loadSince(CHART.name, seqs[4]))!.parts[0]], lastSeq: seqs[5] });
    expect(await h.store.loadSince(CHART.name, seqs[5])).toEqual({ parts: [], lastSeq: seqs[5] });

    // The audit chain is not compacted; the compaction is in it.
    expect(await h.auditActions()).toEqual(['doc.log.compacted']);
    expect(await h.verifyAudit()).toEqual({ ok: true, count: 1 });

    // A second run folds what aged since, merging the provenance of the same user and hour.
    await write('u1', () => note.insert(0, '!'));
    const store = await h.reopen();
    expect(await store.compactLog({ before: tomorrow, by: 'server' })).toMatchObject({ documents: 1, rowsFolded: 1, provenanceRecords: 1 });
    expect((await store.provenance(CHART.name)).map((p) => [p.userId, p.updates, p.lastSeq])).toEqual([
      ['u1', 5, seqs[5]],
      ['u2', 1, seqs[4]]
    ]);
    expect(await store.compactionPoint(CHART.name)).toMatchObject({ uptoSeq: seqs[5], rowsFolded: 6 });
    expect((await store.load(CHART.name))!.rowsSinceSnapshot).toBe(1);
    expect(await h.verifyAudit()).toEqual({ ok: true, count: 2 });
  });

  test('sets a document aside and releases it', async () => {
    expect(await h.store.quarantined()).toEqual([]);
    await h.store.quarantine(CHART.name, 'Error');
    await h.store.quarantine(CHART.name, 'TypeError');
    expect(await h.store.quarantined()).toEqual([CHART.name]);
    await h.store.releaseQuarantine(CHART.name);
    expect(await h.store.quarantined()).toEqual([]);
  });

  test('keeps every committed write across a restart', async () => {
    const src = new Y.Doc();
    const seqs = await h.store.commit(
      [
        { doc: CHART, update: edit(src, 'kept '), userId: 'u1' },
        { doc: CHART, update: edit(src, 'too'), userId: 'u2' }
      ],
      [{ action: 'prescription.sign', outcome: 'success', userId: 'u1', target: CHART.name }]
    );
    const store = await h.reopen();
    expect(textOf((await store.load(CHART.name))!.update)).toBe('kept too');
    expect(await store.find(CHART.name)).toMatchObject({ lastSeq: seqs[1] });
    expect(await h.verifyAudit()).toEqual({ ok: true, count: 1 });
    // Numbering goes on after the restart.
    const [next] = await store.commit([{ doc: CHART, update: edit(src, '!'), userId: 'u1' }], []);
    expect(next).toBeGreaterThan(seqs[1]);
  });
});

describe('DATABASE_URL', () => {
  it('selects PostgreSQL for postgres:// URLs and SQLite when unset, and refuses anything else', () => {
    expect(storeEngineOf(undefined)).toBe('sqlite');
    expect(storeEngineOf('')).toBe('sqlite');
    expect(storeEngineOf('postgres://hub@db.example:5432/outpost')).toBe('postgres');
    expect(storeEngineOf('postgresql://hub@db.example/outpost')).toBe('postgres');
    expect(() => storeEngineOf('mysql://db.example/outpost')).toThrow(/postgres:\/\//);
    expect(() => storeEngineOf('sqlite:./data/outpost.sqlite')).toThrow(/postgres:\/\//);
  });

  it('is read from the environment with REDIS_URL, and a wrong one stops the start with a readable message', () => {
    const env = { OUTPOST_SECRETS_KEY_FILE: '/tmp/none' };
    expect(loadConfig(env, '/srv')).toMatchObject({ databaseUrl: undefined, redisUrl: undefined });
    expect(loadConfig({ ...env, DATABASE_URL: 'postgres://hub@db.example/outpost', REDIS_URL: 'redis://cache.example:6379' }, '/srv')).toMatchObject({
      databaseUrl: 'postgres://hub@db.example/outpost',
      redisUrl: 'redis://cache.example:6379'
    });
    expect(() => loadConfig({ ...env, DATABASE_URL: 'mysql://db.example/outpost' }, '/srv')).toThrow('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(() => loadConfig({ ...env, REDIS_URL: 'http://cache.example' }, '/srv')).toThrow('REDIS_URL must be a redis:// or rediss:// URL');
  });

  it('a server given REDIS_URL without DATABASE_URL refuses to start, saying why', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-redis-only-'));
    try {
      await expect(startTestApp({ dataDir, redisUrl: 'redis://127.0.0.1:6379' })).rejects.toThrow('REDIS_URL needs DATABASE_URL');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
