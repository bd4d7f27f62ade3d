import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import type { DocKind } from '../../src/lib/domain/doc-names';
import { planFold, type CompactionPoint, type LogRow, type ProvenanceRecord } from './log-compaction';

/**
 * Creates the document tables. Idempotent, so the platform can call it on
 * every start. The opener owns pragmas (db.ts: WAL, `synchronous = FULL`, so
 * every committed update survives a power cut as well as a process crash).
 *
 * - `documents`: one row per document, created on its first persisted write;
 *   binds the document to one clinic for life. `last_seq` drives the
 *   "changed since" cursor of the batch catch-up.
 * - `doc_updates`: append-only log of every accepted update with the user who
 *   sent it and when. Never rewritten: it is the provenance of the record.
 * - `doc_snapshots`: merged state up to `upto_seq`, only to make loading fast.
 * - `doc_quarantine`: documents that failed to load, set aside until an
 *   administrator releases them (the rows stay; nothing is deleted).
 * - `doc_log_compaction`, `doc_log_provenance`: rows older than the retention
 *   window folded into the snapshot, and what they said about who changed
 *   the document (log-compaction.ts). The only rows ever deleted from the log.
 */
export function migrateSyncTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS documents (
      name TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      created_at TEXT NOT NULL,
      last_seq INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS documents_clinic_seq ON documents (clinic_id, last_seq);
    CREATE TABLE IF NOT EXISTS doc_updates (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      "update" BLOB NOT NULL,
      user_id TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS doc_updates_name_seq ON doc_updates (name, seq);
    CREATE TABLE IF NOT EXISTS doc_quarantine (
      name TEXT PRIMARY KEY,
      reason TEXT NOT NULL,
      at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS doc_snapshots (
      name TEXT PRIMARY KEY,
      state BLOB NOT NULL,
      upto_seq INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS doc_log_compaction (
      name TEXT PRIMARY KEY,
      upto_seq INTEGER NOT NULL,
      compacted_at TEXT NOT NULL,
      rows_folded INTEGER NOT NULL,
      bytes_folded INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS doc_log_provenance (
      name TEXT NOT NULL,
      user_id TEXT NOT NULL,
      period TEXT NOT NULL,
      first_at TEXT NOT NULL,
      last_at TEXT NOT NULL,
      updates INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      entries TEXT NOT NULL,
      more_entries INTEGER NOT NULL,
      first_seq INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      PRIMARY KEY (name, user_id, period)
    );
  `);
}

/** Identity of a document: its name, the clinic it belongs to, and what it is about. */
export interface DocIdentity {
  name: string;
  clinicId: string;
  kind: DocKind;
  patientId: string;
}

export interface DocRecord extends DocIdentity {
  createdAt: string;
  lastSeq: number;
}

/** A document's stored state, merged from its snapshot and the log rows after it. */
export interface StoredState {
  update: Uint8Array;
  /** Highest log sequence number folded into `update`. */
  lastSeq: number;
  /** Log rows not yet covered by a snapshot; drives compaction. */
  rowsSinceSnapshot: number;
}

/** One update waiting to be appended, with its author. */
export interface PendingAppend {
  doc: DocIdentity;
  update: Uint8Array;
  userId: string;
}

interface DocumentRow {
  name: string;
  clinic_id: string;
  kind: DocKind;
  patient_id: string;
  created_at: string;
  last_seq: number;
}

/** Thrown when a write names a document that belongs to another clinic. */
export class ClinicMismatchError extends Error {
  constructor(readonly docName: string) {
    super('document belongs to another clinic');
    this.name = 'ClinicMismatchError';
  }
}

/**
 * Document persistence on SQLite. Synchronous on purpose: better-sqlite3 is,
 * and a synchronous append lets the sync server persist an update before it
 * broadcasts it without any window in between.
 */
export class DocStore {
  private readonly findStmt: Database.Statement<[string], DocumentRow>;
  private readonly insertDocStmt: Database.Statement<[string, string, string, string, string]>;
  private readonly insertUpdateStmt: Database.Statement<[string, Uint8Array, string, string]>;
  private readonly bumpSeqStmt: Database.Statement<[number, string]>;
  private readonly snapshotStmt: Database.Statement<[string], { state: Uint8Array; upto_seq: number }>;
  private readonly tailStmt: Database.Statement<[string, number], { seq: number; update: Uint8Array }>;
  private readonly upsertSnapshotStmt: Database.Statement<[string, Uint8Array, number, string]>;
  private readonly appendTx: (doc: DocIdentity, update: Uint8Array, userId: string) => number;
  private readonly appendManyTx: (writes: readonly PendingAppend[]) => number[];

  constructor(private readonly db: Database.Database) {
    this.findStmt = db.prepare('SELECT * FROM documents WHERE name = ?');
    this.insertDocStmt = db.prepare(
      'INSERT INTO documents (name, clinic_id, kind, patient_id, created_at, last_seq) VALUES (?, ?, ?, ?, ?, 0)'
    );
    this.insertUpdateStmt = db.prepare(
      'INSERT INTO doc_updates (name, "update", user_id, created_at) VALUES (?, ?, ?, ?)'
    );
    this.bumpSeqStmt = db.prepare('UPDATE documents SET last_seq = ? WHERE name = ?');
    this.snapshotStmt = db.prepare('SELECT state, upto_seq FROM doc_snapshots WHERE name = ?');
    this.tailStmt = db.prepare('SELECT seq, "update" FROM doc_updates WHERE name = ? AND seq > ? ORDER BY seq');
    // A snapshot never moves backwards: an older state must not hide newer rows.
    this.upsertSnapshotStmt = db.prepare(
      `INSERT INTO doc_snapshots (name, state, upto_seq, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET state = excluded.state, upto_seq = excluded.upto_seq,
         updated_at = excluded.updated_at WHERE excluded.upto_seq > doc_snapshots.upto_seq`
    );
    this.appendTx = db.transaction((doc: DocIdentity, update: Uint8Array, userId: string): number =>
      this.appendRow(doc, update, userId, new Date().toISOString())
    );
    this.appendManyTx = db.transaction((writes: readonly PendingAppend[]): number[] => {
      const now = new Date().toISOString();
      return writes.map((w) => this.appendRow(w.doc, w.update, w.userId, now));
    });
  }

  private appendRow(doc: DocIdentity, update: Uint8Array, userId: string, now: string): number {
    const existing = this.findStmt.get(doc.name);
    if (!existing) this.insertDocStmt.run(doc.name, doc.clinicId, doc.kind, doc.patientId, now);
    else if (existing.clinic_id !== doc.clinicId) throw new ClinicMismatchError(doc.name);
    const seq = Number(this.insertUpdateStmt.run(doc.name, update, userId, now).lastInsertRowid);
    this.bumpSeqStmt.run(seq, doc.name);
    return seq;
  }

  /** Names of documents set aside after a failed load. */
  quarantined(): string[] {
    return (this.db.prepare('SELECT name FROM doc_quarantine').all() as { name: string }[]).map((r) => r.name);
  }

  quarantine(name: string, reason: string): void {
    this.db.prepare('INSERT OR REPLACE INTO doc_quarantine (name, reason, at) VALUES (?, ?, ?)').run(name, reason.slice(0, 200), new Date().toISOString());
  }

  releaseQuarantine(name: string): void {
    this.db.prepare('DELETE FROM doc_quarantine WHERE name = ?').run(name);
  }

  find(name: string): DocRecord | null {
    const row = this.findStmt.get(name);
    if (!row) return null;
    return {
      name: row.name,
      clinicId: row.clinic_id,
      kind: row.kind,
      patientId: row.patient_id,
      createdAt: row.created_at,
      lastSeq: row.last_seq
    };
  }

  /**
   * Appends one update to the log, attributed to `userId`, creating the
   * document in `doc.clinicId` on its first write. Returns the log sequence
   * number. Commits before returning, so a caller may broadcast afterwards.
   */
  append(doc: DocIdentity, update: Uint8Array, userId: string): number {
    return this.appendTx(doc, update, userId);
  }

  /**
   * Appends several updates in one transaction (all or none), returning their
   * sequence numbers in order. One commit per group instead of per update is
   * what keeps the log's cost flat when many editors type at once.
   */
  appendMany(writes: readonly PendingAppend[]): number[] {
    return this.appendManyTx(writes);
  }

  /** Snapshot plus the log rows after it, merged; null when nothing was ever written. */
  load(name: string): StoredState | null {
    const snapshot = this.snapshotStmt.get(name);
    const uptoSeq = snapshot?.upto_seq ?? 0;
    const tail = this.tailStmt.all(name, uptoSeq);
    if (!snapshot && tail.length === 0) return null;
    const parts: Uint8Array[] = snapshot ? [snapshot.state] : [];
    for (const row of tail) parts.push(row.update);
    return {
      update: parts.length === 1 ? parts[0] : Y.mergeUpdates(parts),
      lastSeq: tail.length > 0 ? tail[tail.length - 1].seq : uptoSeq,
      rowsSinceSnapshot: tail.length
    };
  }

  /**
   * A document as stored, unmerged: with `afterSeq` null, the snapshot (if
   * any) then each log row after it; with `afterSeq`, only the log rows
   * after that sequence number (the log is append-only and every row stays,
   * so a reader holding the document up to `afterSeq` gets exactly what it
   * lacks; a cursor older than the compaction point gets the snapshot and the
 * rows after it instead, with `fromSnapshot`). `lastSeq` is the last row the parts reach. Applying the parts
   * in order gives what `load` gives, without re-encoding the document.
   * Null for a document that was never written.
   */
  loadSince(name: string, afterSeq: number | null): { parts: Uint8Array[]; lastSeq: number; fromSnapshot?: true } | null {
    // A cursor older than the compaction point: its rows are folded into the snapshot, so it gets the snapshot.
    if (afterSeq !== null && afterSeq < (this.compactionPoint(name)?.uptoSeq ?? 0)) {
      const all = this.loadSince(name, null);
      return all && { ...all, fromSnapshot: true };
    }
    if (afterSeq !== null) {
      if (!this.findStmt.get(name)) return null;
      const rows = this.tailStmt.all(name, afterSeq);
      return { parts: rows.map((r) => r.update), lastSeq: rows.length ? rows[rows.length - 1].seq : afterSeq };
    }
    const snapshot = this.snapshotStmt.get(name);
    const uptoSeq = snapshot?.upto_seq ?? 0;
    const tail = this.tailStmt.all(name, uptoSeq);
    if (!snapshot && tail.length === 0) return null;
    return { parts: [...(snapshot ? [snapshot.state] : []), ...tail.map((r) => r.update)], lastSeq: tail.length ? tail[tail.length - 1].seq : uptoSeq };
  }

  /**
   * Records the merged state up to `uptoSeq`. One statement, hence one
   * transaction; the log rows stay as provenance.
   */
  saveSnapshot(name: string, state: Uint8Array, uptoSeq: number): void {
    this.upsertSnapshotStmt.run(name, state, uptoSeq, new Date().toISOString());
  }

  /**
   * Documents of one clinic, of the given kinds, written after `sinceSeq`.
   * Served by the (clinic_id, last_seq) index.
   */
  changedSince(clinicId: string, kinds: readonly DocKind[], sinceSeq: number): { names: string[]; maxSeq: number } {
    if (kinds.length === 0) return { names: [], maxSeq: sinceSeq };
    const placeholders = kinds.map(() => '?').join(', ');
    const rows = this.db
      .prepare<unknown[], { name: string; last_seq: number }>(
        `SELECT name, last_seq FROM documents
         WHERE clinic_id = ? AND last_seq > ? AND kind IN (${placeholders}) ORDER BY last_seq`
      )
      .all(clinicId, sinceSeq, ...kinds);
    const maxSeq = rows.length > 0 ? rows[rows.length - 1].last_seq : sinceSeq;
    return { names: rows.map((r) => r.name), maxSeq };
  }

  compactionPoint(name: string): CompactionPoint | null {
    const row = this.db
      .prepare<[string], { upto_seq: number; compacted_at: string; rows_folded: number; bytes_folded: number }>(
        'SELECT upto_seq, compacted_at, rows_folded, bytes_folded FROM doc_log_compaction WHERE name = ?'
      )
      .get(name);
    return row ? { uptoSeq: row.upto_seq, compactedAt: row.compacted_at, rowsFolded: row.rows_folded, bytesFolded: row.bytes_folded } : null;
  }

  /** The provenance records of the rows folded away, in time order. */
  provenance(name: string): ProvenanceRecord[] {
    return this.db
      .prepare<[string], ProvenanceRow>('SELECT * FROM doc_log_provenance WHERE name = ? ORDER BY period, user_id')
      .all(name)
      .map(fromProvenanceRow);
  }

  /** Documents whose oldest row was written before `before` and is not their last. */
  compactionCandidates(before: Date): string[] {
    return (
      this.db
        .prepare<[string], { name: string }>(
          `SELECT d.name FROM documents d JOIN doc_updates u ON u.seq = (SELECT min(seq) FROM doc_updates WHERE name = d.name)
           WHERE u.created_at < ? AND u.seq < d.last_seq ORDER BY d.name`
        )
        .all(before.toISOString())
        .map((r) => r.name)
    );
  }

  /**
   * Folds one document's rows written before `before` (never its last row)
   * into its snapshot, keeps their provenance, deletes them, and moves the
   * compaction point. Call inside a transaction (the caller audits in it).
   */
  compactDocument(name: string, before: Date, now: string): { uptoSeq: number; rows: number; bytes: number; provenance: number } | null {
    const snapshot = this.snapshotStmt.get(name);
    const rows = this.db
      .prepare<[string], { seq: number; update: Uint8Array; user_id: string; created_at: string }>(
        'SELECT seq, "update", user_id, created_at FROM doc_updates WHERE name = ? ORDER BY seq'
      )
      .all(name)
      .map((r): LogRow => ({ seq: r.seq, update: r.update, userId: r.user_id, createdAt: r.created_at }));
    const plan = planFold(name, snapshot ? { state: snapshot.state, uptoSeq: snapshot.upto_seq } : null, rows, before, this.provenance(name));
    if (!plan) return null;
    if (plan.snapshot) this.upsertSnapshotStmt.run(name, plan.snapshot.state, plan.snapshot.uptoSeq, now);
    const upsert = this.db.prepare(
      `INSERT OR REPLACE INTO doc_log_provenance (name, user_id, period, first_at, last_at, updates, bytes, entries, more_entries, first_seq, last_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    );
    for (const p of plan.provenance) {
      upsert.run(name, p.userId, p.period, p.firstAt, p.lastAt, p.updates, p.bytes, JSON.stringify(p.entries), p.moreEntries, p.firstSeq, p.lastSeq);
    }
    this.db.prepare('DELETE FROM doc_updates WHERE name = ? AND seq <= ?').run(name, plan.uptoSeq);
    this.db
      .prepare(
        `INSERT INTO doc_log_compaction (name, upto_seq, compacted_at, rows_folded, bytes_folded) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET upto_seq = excluded.upto_seq, compacted_at = excluded.compacted_at,
           rows_folded = doc_log_compaction.rows_folded + excluded.rows_folded, bytes_folded = doc_log_compaction.bytes_folded + excluded.bytes_folded`
      )
      .run(name, plan.uptoSeq, now, plan.folded.length, plan.bytes);
    return { uptoSeq: plan.uptoSeq, rows: plan.folded.length, bytes: plan.bytes, provenance: plan.provenance.length };
  }
}

interface ProvenanceRow {
  name: string;
  user_id: string;
  period: string;
  first_at: string;
  last_at: string;
  updates: number | string;
  bytes: number | string;
  entries: string;
  more_entries: number | string;
  first_seq: number | string;
  last_seq: number | string;
}

/** A stored provenance row (SQLite or PostgreSQL) as a record. */
export function fromProvenanceRow(r: ProvenanceRow): ProvenanceRecord {
  return {
    name: r.name,
    userId: r.user_id,
    period: r.period,
    firstAt: r.first_at,
    lastAt: r.last_at,
    updates: Number(r.updates),
    bytes: Number(r.bytes),
    entries: JSON.parse(r.entries) as string[],
    moreEntries: Number(r.more_entries),
    firstSeq: Number(r.first_seq),
    lastSeq: Number(r.last_seq)
  };
}
