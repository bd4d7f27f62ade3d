import type Database from 'better-sqlite3';
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
 *
 * When a window ends, the entries of every connection are written in one
 * transaction (`inTransaction`, the database's): one commit, one fsync, for
 * all of them, where one each stalled the event loop for as many commits
 * as there were editors (the peer sync bench's profile showed it as the
 * largest single cost under load). If that transaction fails, each entry is
 * tried again on its own, so one bad entry costs only itself.
 */
export class UpdateAuditLog {
  private readonly pending = new Map<object, Pending>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly audit: Audit,
    private readonly windowMs: number,
    private readonly inTransaction?: (write: () => void) => void
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
    this.recordOrLog(entry);
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
    const entries = [...this.pending.values()];
    this.pending.clear();
    if (entries.length > 1 && this.inTransaction) {
      try {
        this.inTransaction(() => {
          for (const entry of entries) this.record(entry);
        });
        return;
      } catch {
        // Nothing of the window was stored; the chain head is re-read and each entry is written on its own below.
        this.audit.resync?.();
      }
    }
    for (const entry of entries) this.recordOrLog(entry);
  }

  private recordOrLog(entry: Pending): void {
    try {
      this.record(entry);
    } catch (err) {
      // The attributed rows in doc_updates remain the record of this write.
      console.error('[sync] audit write failed for doc.update', err);
    }
  }
}

/** How far back before the log's last entry a crash may have left writes unaudited (many folding windows, and clock slack). */
const RECONCILE_LOOKBACK_MS = 60_000;

interface LogRow {
  seq: number;
  name: string;
  user_id: string;
  bytes: number;
}

/**
 * Writes the `doc.update` entries a crash cost. Entries are folded over a
 * short window in memory, so a process killed mid-window leaves stored
 * writes (attributed rows in `doc_updates`) that the audit log does not
 * mention. At start, every stored row from shortly before the log's last
 * entry on is checked against the `doc.update` entries that cover it
 * (same document, same user, its sequence number in their range); the rest
 * are audited now, marked as recovered, grouped by document and user.
 * Rows the server itself wrote (corrections) are audited with the write
 * they correct. Returns how many rows were recovered.
 */
export function reconcileUpdateAudit(db: Database.Database, audit: Audit, serverWriterId: string): number {
  const hasAudit = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get() !== undefined;
  if (!hasAudit) return 0;
  const last = db.prepare('SELECT ts FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { ts: string } | undefined;
  if (!last) return 0;
  const since = new Date(Date.parse(last.ts) - RECONCILE_LOOKBACK_MS).toISOString();
  const rows = db
    .prepare('SELECT seq, name, user_id, length("update") AS bytes FROM doc_updates WHERE created_at >= ? AND user_id != ? ORDER BY seq')
    .all(since, serverWriterId) as LogRow[];
  if (rows.length === 0) return 0;
  const covered = db.prepare(
    `SELECT 1 FROM audit_log WHERE action = 'doc.update' AND target = ? AND user_id = ?
       AND json_extract(detail, '$.firstSeq') <= ? AND json_extract(detail, '$.lastSeq') >= ? LIMIT 1`
  );
  const missing = rows.filter((r) => covered.get(r.name, r.user_id, r.seq, r.seq) === undefined);
  const groups = new Map<string, LogRow[]>();
  for (const r of missing) {
    const key = `${r.name}\u0000${r.user_id}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const list of groups.values()) {
    audit.record({
      action: 'doc.update',
      outcome: 'success',
      userId: list[0].user_id,
      target: list[0].name,
      ip: null,
      detail: {
        via: 'recovered',
        updates: list.length,
        bytes: list.reduce((n, r) => n + r.bytes, 0),
        firstSeq: list[0].seq,
        lastSeq: list[list.length - 1].seq,
        ...(list.length <= 50 ? { seqs: list.map((r) => r.seq) } : {})
      }
    });
  }
  return missing.length;
}
