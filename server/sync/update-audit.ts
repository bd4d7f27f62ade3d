import type { Audit } from '../types';

/** Who wrote to which document, through which channel. */
export interface UpdateSource {
  docName: string;
  userId: string;
  via: 'websocket' | 'batch' | 'server';
  ip?: string | null;
}

interface Pending {
  source: UpdateSource;
  updates: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
}

/**
 * Writes `doc.update` audit entries. A live editing session sends an update
 * per keystroke; one hash-chained audit row per keystroke would double the
 * write load and bury the trail an auditor reads. So updates from one source
 * are folded over a short window into one entry carrying the count, bytes and
 * the log sequence range, which points at the exact attributed rows in
 * `doc_updates` (those are written per update, before any broadcast).
 * A window of 0 writes one entry per update.
 */
export class UpdateAuditLog {
  private readonly pending = new Map<object, Pending>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly audit: Audit,
    private readonly windowMs: number
  ) {}

  /** Notes one persisted update from `key` (a connection, or a batch request). */
  note(key: object, source: UpdateSource, bytes: number, seq: number): void {
    const entry = this.pending.get(key);
    if (entry && entry.source.docName === source.docName && entry.source.userId === source.userId) {
      entry.updates += 1;
      entry.bytes += bytes;
      entry.lastSeq = seq;
    } else {
      if (entry) this.flush(key);
      this.pending.set(key, { source, updates: 1, bytes, firstSeq: seq, lastSeq: seq });
    }
    if (this.windowMs <= 0) this.flush(key);
    else this.timer ??= setTimeout(() => this.flushAll(), this.windowMs).unref();
  }

  /** Writes what `key` has pending (on connection close, at the end of a batch). */
  flush(key: object): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    try {
      this.record(entry);
    } catch (err) {
      // The attributed rows in doc_updates remain the record of this write.
      console.error('[sync] audit write failed for doc.update', err);
    }
  }

  private record(entry: Pending): void {
    this.audit.record({
      action: 'doc.update',
      outcome: 'success',
      userId: entry.source.userId,
      target: entry.source.docName,
      ip: entry.source.ip ?? null,
      detail: {
        via: entry.source.via,
        updates: entry.updates,
        bytes: entry.bytes,
        firstSeq: entry.firstSeq,
        lastSeq: entry.lastSeq
      }
    });
  }

  flushAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const key of [...this.pending.keys()]) this.flush(key);
  }
}
