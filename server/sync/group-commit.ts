import type { DocumentStore, PendingAppend } from '../store/document-store';
import type { AuditEvent } from '../types';
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
  store: DocumentStore;
  registry: DocRegistry;
  /** The rows reached the live document (the policy forgets them as pending). */
  onApplied(live: LiveDoc, rows: number): void;
  /** The rows were never stored (the policy drops its shadow). */
  onDropped(live: LiveDoc, rows: readonly WriteRow[]): void;
  /** A group was stored and applied: the documents it wrote (other server processes are told). */
  onCommitted?(names: readonly string[]): void;
}

/**
 * Group commit for live editing. Writes that arrive in the same turn of the
 * event loop (many editors typing at once) are appended in one transaction
 * at the end of the turn, with the audit entries that go with them, then
 * applied and broadcast. Nothing is broadcast before its transaction
 * commits, so a crash loses nothing a client saw; under load one commit
 * (one fsync) serves many updates instead of one each.
 *
 * A store that commits synchronously (SQLite) is committed at the end of
 * the turn, as the writes wait for nothing else. With a store that commits
 * over the network (PostgreSQL) one group is in flight at a time: the writes
 * that arrive meanwhile form the next group, committed when it returns, so
 * rows of one document are stored and applied in the order the policy
 * admitted them and a slower commit makes bigger groups, not a longer queue
 * of commits.
 */
export class GroupCommit {
  private queue: QueuedWrite[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  /** The group being committed by an asynchronous store; null when none. */
  private inFlight: Promise<void> | null = null;

  constructor(private readonly deps: GroupCommitDeps) {}

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
   * policy admitted them. Resolves with the rows' sequence numbers once
   * stored and applied; rejects when the write could not be stored (nothing
   * of it was applied). With a synchronous store the write is stored and
   * applied before this returns.
   */
  writeNow(live: LiveDoc, rows: WriteRow[], audit: AuditEvent[], writer: Writer): Promise<number[]> {
    if (!this.deps.store.commitNow) {
      return new Promise<number[]>((resolve, reject) => {
        this.enqueue({ live, rows, audit, writer, applied: resolve, failed: reject });
        this.flush();
      });
    }
    this.flush();
    let seqs: number[];
    try {
      [seqs] = this.commitSync([{ live, rows, audit }]);
    } catch (err) {
      this.rollBack([{ live, rows }]);
      return Promise.reject(err);
    }
    live.applyRows(rows.map((r, i) => ({ bytes: r.bytes, seq: seqs[i] })), writer);
    this.deps.onApplied(live, rows.length);
    this.deps.onCommitted?.([live.name]);
    return Promise.resolve(seqs);
  }

  /**
   * Stores and applies everything queued. Synchronous with a synchronous
   * store; otherwise starts the next group unless one is in flight (it
   * starts when that one ends). `drain` waits for all of it.
   */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.queue.length === 0 || this.inFlight) return;
    const group = this.queue;
    this.queue = [];
    if (this.deps.store.commitNow) {
      let seqs: number[][];
      try {
        seqs = this.commitSync(group);
      } catch (err) {
        this.fail(group, err);
        return;
      }
      this.apply(group, seqs);
      return;
    }
    this.inFlight = this.commitAsync(group).finally(() => {
      this.inFlight = null;
      this.flush();
    });
  }

  /** Stores and applies everything queued and in flight (shutdown). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight) {
      await this.inFlight;
      this.flush();
    }
  }

  private async commitAsync(group: QueuedWrite[]): Promise<void> {
    let seqs: number[][];
    try {
      const flat = await this.deps.store.commit(...this.rowsOf(group));
      seqs = this.split(group, flat);
    } catch (err) {
      this.fail(group, err);
      return;
    }
    this.apply(group, seqs);
  }

  private commitSync(group: readonly Pick<QueuedWrite, 'live' | 'rows' | 'audit'>[]): number[][] {
    return this.split(group, this.deps.store.commitNow!(...this.rowsOf(group)));
  }

  private rowsOf(group: readonly Pick<QueuedWrite, 'live' | 'rows' | 'audit'>[]): [PendingAppend[], AuditEvent[]] {
    return [group.flatMap((w) => w.rows.map((r) => ({ doc: w.live.identity, update: r.bytes, userId: r.userId }))), group.flatMap((w) => w.audit)];
  }

  private split(group: readonly Pick<QueuedWrite, 'rows'>[], seqs: number[]): number[][] {
    let i = 0;
    return group.map((w) => w.rows.map(() => seqs[i++]));
  }

  private apply(group: QueuedWrite[], seqs: number[][]): void {
    group.forEach((w, i) =>
      this.settle(w, () => {
        w.live.applyRows(w.rows.map((r, j) => ({ bytes: r.bytes, seq: seqs[i][j] })), w.writer);
        this.deps.onApplied(w.live, w.rows.length);
        w.applied(seqs[i]);
      })
    );
    this.deps.onCommitted?.([...new Set(group.map((w) => w.live.name))]);
  }

  private fail(group: QueuedWrite[], err: unknown): void {
    this.rollBack(group);
    for (const w of group) this.settle(w, () => w.failed(err));
  }

  private rollBack(group: readonly Pick<QueuedWrite, 'live' | 'rows'>[]): void {
    // Audit entries written in the failed transaction are gone with it; an audit log that keeps its head in memory re-reads it.
    this.deps.store.rolledBack?.();
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
