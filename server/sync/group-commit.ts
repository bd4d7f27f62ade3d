import type Database from 'better-sqlite3';
import type { DocStore } from '../store/doc-store';
import type { Audit, AuditEvent } from '../types';
import type { DocRegistry } from './doc-registry';
import type { LiveDoc, Writer } from './live-doc';

/** One stored row of a write: the client's update, or the server's correction of it. */
export interface WriteRow {
  bytes: Uint8Array;
  userId: string;
}

/** A write admitted by the policy, and what to do once it is stored and applied. */
export interface QueuedWrite {
  live: LiveDoc;
  rows: WriteRow[];
  /** Audit entries that go with the write (policy corrections, prescribing trail), stored in its transaction. */
  audit: AuditEvent[];
  writer: Writer;
  /** Runs after the group committed and this write was applied (and so broadcast). */
  applied(seqs: number[]): void;
  /** Runs when the group could not be stored: nothing of it was applied or broadcast. */
  failed(err: unknown): void;
}

export interface GroupCommitDeps {
  db: Database.Database;
  store: DocStore;
  registry: DocRegistry;
  audit: Audit;
  /** The rows reached the live document (the policy forgets them as pending). */
  onApplied(live: LiveDoc, rows: number): void;
  /** The rows were never stored (the policy drops its shadow). */
  onDropped(live: LiveDoc, rows: readonly WriteRow[]): void;
}

/**
 * Group commit for live editing. Writes that arrive in the same turn of the
 * event loop (many editors typing at once) are appended in one SQLite
 * transaction at the end of the turn, with the audit entries that go with
 * them, then applied and broadcast. Nothing is broadcast before its
 * transaction commits, so a crash loses nothing a client saw; under load
 * one commit (one fsync) serves many updates instead of one each.
 */
export class GroupCommit {
  private queue: QueuedWrite[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private readonly commit: (group: readonly QueuedWrite[]) => number[][];

  constructor(private readonly deps: GroupCommitDeps) {
    this.commit = deps.db.transaction((group: readonly QueuedWrite[]) => {
      const flat = group.flatMap((w) => w.rows.map((r) => ({ doc: w.live.identity, update: r.bytes, userId: r.userId })));
      const seqs = deps.store.appendMany(flat);
      for (const w of group) for (const e of w.audit) deps.audit.record(e);
      let i = 0;
      return group.map((w) => w.rows.map(() => seqs[i++]));
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  enqueue(write: QueuedWrite): void {
    // Held until applied, so the document cannot be evicted in between.
    this.deps.registry.hold(write.live);
    this.queue.push(write);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /**
   * Stores one write at once, outside any group (batch and server writes),
   * after everything queued: rows of one document reach it in the order the
   * policy admitted them. Returns the rows' sequence numbers; throws when
   * the write could not be stored (nothing of it was applied).
   */
  writeNow(live: LiveDoc, rows: WriteRow[], audit: AuditEvent[], writer: Writer): number[] {
    this.flush();
    let seqs: number[];
    try {
      [seqs] = this.commit([{ live, rows, audit, writer, applied: () => {}, failed: () => {} }]);
    } catch (err) {
      this.rollBack([{ live, rows }]);
      throw err;
    }
    live.applyRows(rows.map((r, i) => ({ bytes: r.bytes, seq: seqs[i] })), writer);
    this.deps.onApplied(live, rows.length);
    return seqs;
  }

  /** Stores and applies everything queued (also called on shutdown). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    let seqs: number[][];
    try {
      seqs = this.commit(group);
    } catch (err) {
      this.rollBack(group);
      for (const w of group) this.settle(w, () => w.failed(err));
      return;
    }
    group.forEach((w, i) =>
      this.settle(w, () => {
        w.live.applyRows(w.rows.map((r, j) => ({ bytes: r.bytes, seq: seqs[i][j] })), w.writer);
        this.deps.onApplied(w.live, w.rows.length);
        w.applied(seqs[i]);
      })
    );
  }

  private rollBack(group: readonly Pick<QueuedWrite, 'live' | 'rows'>[]): void {
    // Audit entries written in the failed transaction are gone with it; an audit log that keeps its head in memory re-reads it.
    this.deps.audit.resync?.();
    for (const w of group) this.deps.onDropped(w.live, w.rows);
  }

  /** Runs one write's continuation; a failure there concerns that write only. */
  private settle(write: QueuedWrite, step: () => void): void {
    try {
      step();
    } catch (err) {
      write.failed(err);
    } finally {
      this.deps.registry.release(write.live);
    }
  }
}
