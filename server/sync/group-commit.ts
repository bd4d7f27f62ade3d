import type { DocStore } from '../store/doc-store';
import type { DocRegistry } from './doc-registry';
import type { LiveDoc, Writer } from './live-doc';
import type { CheckedUpdate } from './update-check';

/** A websocket update accepted for storage, and what to do once it is stored and applied. */
export interface QueuedWrite {
  live: LiveDoc;
  update: CheckedUpdate;
  writer: Writer;
  /** Runs after the group committed and this update was applied (and so broadcast). */
  applied(seq: number): void;
  /** Runs when the group could not be stored: nothing of it was applied or broadcast. */
  failed(err: unknown): void;
}

/**
 * Group commit for live editing. Updates that arrive in the same turn of the
 * event loop (many editors typing at once) are appended in one SQLite
 * transaction at the end of the turn, then applied and broadcast. Nothing is
 * broadcast before its transaction commits, so a crash still loses nothing a
 * client saw; under load one commit serves many updates instead of one each.
 */
export class GroupCommit {
  private queue: QueuedWrite[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private applying = false;
  private afterApply: (() => void)[] = [];

  constructor(
    private readonly store: DocStore,
    private readonly registry: DocRegistry
  ) {}

  enqueue(write: QueuedWrite): void {
    // Held until applied, so the document cannot be evicted in between.
    this.registry.hold(write.live);
    this.queue.push(write);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /**
   * Runs `step` once the group being applied is applied in full (at once
   * when none is). A write made from inside the group (a server correction)
   * gets a later sequence number than the group's own rows; applied before
   * them, a snapshot taken in between would claim rows it does not hold.
   */
  afterGroup(step: () => void): void {
    if (this.applying) this.afterApply.push(step);
    else step();
  }

  /** Stores and applies everything queued (also called on shutdown). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    let seqs: number[];
    try {
      seqs = this.store.appendMany(group.map((w) => ({ doc: w.live.identity, update: w.update.bytes, userId: w.writer.userId })));
    } catch (err) {
      for (const w of group) this.settle(w, () => w.failed(err));
      return;
    }
    this.applying = true;
    try {
      group.forEach((w, i) =>
        this.settle(w, () => {
          w.live.applyStored(w.update, seqs[i], w.writer);
          w.applied(seqs[i]);
        })
      );
    } finally {
      this.applying = false;
    }
    for (const step of this.afterApply.splice(0)) {
      try {
        step();
      } catch (err) {
        console.error('[sync] a step after a group commit failed', err instanceof Error ? err.name : 'error');
      }
    }
  }

  /** Runs one write's continuation; a failure there concerns that write only. */
  private settle(write: QueuedWrite, step: () => void): void {
    try {
      step();
    } catch (err) {
      write.failed(err);
    } finally {
      this.registry.release(write.live);
    }
  }
}
