import type Database from 'better-sqlite3';
import type { DocKind } from '../../src/lib/domain/doc-names';
import type { Audit, AuditEvent } from '../types';
import { DocStore, type DocIdentity, type DocRecord, type PendingAppend, type StoredState } from './doc-store';
import type { CompactionPoint, LogCompactionOptions, LogCompactionResult, ProvenanceRecord } from './log-compaction';

export type { DocIdentity, DocRecord, PendingAppend, StoredState } from './doc-store';

/** Snapshot then log rows, unmerged, and the last row's sequence number (see DocStore.loadSince). */
export interface StoredParts {
  parts: Uint8Array[];
  lastSeq: number;
  /** The cursor asked for was older than the compaction point: the parts start with the snapshot. */
  fromSnapshot?: true;
}

/** The audit entry of one document's compaction (the audit chain itself is never compacted). */
export function compactionAuditEvent(name: string, by: string, done: { uptoSeq: number; rows: number; bytes: number; provenance: number }): AuditEvent {
  return {
    action: 'doc.log.compacted',
    outcome: 'success',
    userId: null,
    target: name,
    detail: { by, uptoSeq: done.uptoSeq, rows: done.rows, bytes: done.bytes, provenanceRecords: done.provenance }
  };
}

/**
 * Where the sync server keeps its documents: the append-only update log,
 * snapshots, the change cursor, quarantine, and the audit entries that go
 * with each write. Two implementations: SQLite (embedded default, one
 * process) and PostgreSQL (a hub, DATABASE_URL).
 *
 * Every method may be asynchronous. `commit` stores a group of updates and
 * their audit entries in one transaction and resolves only once that
 * transaction committed: the sync server applies and broadcasts a write
 * after it, never before, so nothing a client saw can be lost. A store
 * whose commits are synchronous (SQLite) also offers `commitNow`, which the
 * group commit uses so the embedded path keeps today's cost.
 */
export interface DocumentStore {
  readonly engine: 'sqlite' | 'postgres';
  find(name: string): Promise<DocRecord | null>;
  load(name: string): Promise<StoredState | null>;
  loadSince(name: string, afterSeq: number | null): Promise<StoredParts | null>;
  /** Records the merged state up to `uptoSeq`; a snapshot never moves backwards. */
  saveSnapshot(name: string, state: Uint8Array, uptoSeq: number): Promise<void>;
  /** Documents of one clinic, of the given kinds, written after `sinceSeq`, in cursor order. */
  changedSince(clinicId: string, kinds: readonly DocKind[], sinceSeq: number): Promise<{ names: string[]; maxSeq: number }>;
  quarantined(): Promise<string[]>;
  quarantine(name: string, reason: string): Promise<void>;
  releaseQuarantine(name: string): Promise<void>;
  /**
   * Appends the updates (all or none) and the audit entries in one
   * transaction; resolves with the updates' sequence numbers in order once
   * committed. Rejects with ClinicMismatchError when a document belongs to
   * another clinic (nothing of the group is stored).
   */
  commit(writes: readonly PendingAppend[], audit: readonly AuditEvent[]): Promise<number[]>;
  /** The same, synchronously, where the engine allows it. */
  commitNow?(writes: readonly PendingAppend[], audit: readonly AuditEvent[]): number[];
  /**
   * Folds the log rows written before `opts.before` (never a document's last
   * row) into each document's snapshot, keeping one provenance record per
   * (document, user, hour), and audits each document's compaction in the same
   * transaction (log-compaction.ts).
   */
  compactLog(opts: LogCompactionOptions): Promise<LogCompactionResult>;
  /** Provenance of the rows folded away, in time order. */
  provenance(name: string): Promise<ProvenanceRecord[]>;
  compactionPoint(name: string): Promise<CompactionPoint | null>;
  /** After a failed commit: audit entries written in it are gone (an audit log that caches its head re-reads it). */
  rolledBack?(): void;
  close(): Promise<void>;
}

/**
 * The embedded store: DocStore on the platform's SQLite file, the audit
 * entries in the platform's audit log, both in one SQLite transaction.
 */
export class SqliteDocumentStore implements DocumentStore {
  readonly engine = 'sqlite' as const;
  readonly docs: DocStore;
  private readonly commitTx: (writes: readonly PendingAppend[], audit: readonly AuditEvent[]) => number[];

  constructor(
    private readonly db: Database.Database,
    private readonly audit: Audit
  ) {
    this.docs = new DocStore(db);
    this.commitTx = db.transaction((writes: readonly PendingAppend[], events: readonly AuditEvent[]) => {
      const seqs = this.docs.appendMany(writes);
      for (const e of events) audit.record(e);
      return seqs;
    });
  }

  async find(name: string): Promise<DocRecord | null> {
    return this.docs.find(name);
  }

  async load(name: string): Promise<StoredState | null> {
    return this.docs.load(name);
  }

  async loadSince(name: string, afterSeq: number | null): Promise<StoredParts | null> {
    return this.docs.loadSince(name, afterSeq);
  }

  async saveSnapshot(name: string, state: Uint8Array, uptoSeq: number): Promise<void> {
    this.docs.saveSnapshot(name, state, uptoSeq);
  }

  async changedSince(clinicId: string, kinds: readonly DocKind[], sinceSeq: number): Promise<{ names: string[]; maxSeq: number }> {
    return this.docs.changedSince(clinicId, kinds, sinceSeq);
  }

  async quarantined(): Promise<string[]> {
    return this.docs.quarantined();
  }

  async quarantine(name: string, reason: string): Promise<void> {
    this.docs.quarantine(name, reason);
  }

  async releaseQuarantine(name: string): Promise<void> {
    this.docs.releaseQuarantine(name);
  }

  async commit(writes: readonly PendingAppend[], audit: readonly AuditEvent[]): Promise<number[]> {
    return this.commitTx(writes, audit);
  }

  commitNow(writes: readonly PendingAppend[], audit: readonly AuditEvent[]): number[] {
    return this.commitTx(writes, audit);
  }

  rolledBack(): void {
    this.audit.resync?.();
  }

  async compactLog(opts: LogCompactionOptions): Promise<LogCompactionResult> {
    const result: LogCompactionResult = { documents: 0, rowsFolded: 0, bytesFolded: 0, provenanceRecords: 0 };
    for (const name of this.docs.compactionCandidates(opts.before)) {
      const done = this.compactOneTx(name, opts);
      if (!done) continue;
      result.documents += 1;
      result.rowsFolded += done.rows;
      result.bytesFolded += done.bytes;
      result.provenanceRecords += done.provenance;
    }
    return result;
  }

  private readonly compactOneTx = (name: string, opts: LogCompactionOptions) => {
    try {
      return this.db.transaction(() => {
        const done = this.docs.compactDocument(name, opts.before, new Date().toISOString());
        if (done) this.audit.record(compactionAuditEvent(name, opts.by, done));
        return done;
      })();
    } catch (err) {
      this.audit.resync?.();
      throw err;
    }
  };

  async provenance(name: string): Promise<ProvenanceRecord[]> {
    return this.docs.provenance(name);
  }

  async compactionPoint(name: string): Promise<CompactionPoint | null> {
    return this.docs.compactionPoint(name);
  }

  async close(): Promise<void> {
    // The platform owns the SQLite connection.
  }
}

/** The kind of store a DATABASE_URL selects: PostgreSQL for postgres:// and postgresql://, SQLite when unset. */
export function storeEngineOf(databaseUrl: string | undefined): 'sqlite' | 'postgres' {
  if (!databaseUrl) return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgres';
  throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for the embedded SQLite store)');
}
