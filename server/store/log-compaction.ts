import * as Y from 'yjs';

/**
 * Update-log compaction that keeps provenance.
 *
 * A clinician typing a note makes one log row per keystroke batch, so a
 * busy chart's log grows by thousands of rows a month. Rows older than a
 * retention window (default 30 days) are folded into the document's
 * snapshot and deleted, and what they said about who changed the record is
 * kept as one provenance record per (document, user, hour): first and last
 * time, how many updates and bytes, and which top-level entries
 * (`encounters/<id>`, `conditions/<id>`, …) they touched.
 *
 * What stays:
 * - the document's last row (its time is when the document last changed,
 *   which the bulk export reads), and every row inside the window;
 * - the audit chain, untouched; each compaction is itself audited
 *   (`doc.log.compacted`) in the same transaction as the fold;
 * - a compaction point per document: a reader whose cursor is older than it
 *   gets the snapshot and the rows after it instead of a gap
 *   (DocumentStore.loadSince, `fromSnapshot`).
 */

export const LOG_COMPACTION_DEFAULT_DAYS = 30;
/** Entries listed per provenance record; more are counted in `moreEntries`. */
export const PROVENANCE_ENTRY_CAP = 100;

/** One row of the update log, as compaction reads it. */
export interface LogRow {
  seq: number;
  update: Uint8Array;
  userId: string;
  createdAt: string;
}

/** What a run of the update log said about who changed a document, per user and hour. */
export interface ProvenanceRecord {
  name: string;
  userId: string;
  /** The hour, `YYYY-MM-DDTHH` (UTC). */
  period: string;
  firstAt: string;
  lastAt: string;
  updates: number;
  bytes: number;
  /** Top-level entries touched, sorted: `<collection>/<key>`, or `<collection>` for a collection that is not a map. */
  entries: string[];
  /** Entries touched beyond the ones listed. */
  moreEntries: number;
  firstSeq: number;
  lastSeq: number;
}

export interface LogCompactionOptions {
  /** Rows written before this instant may be folded. */
  before: Date;
  /** Who asked (an admin's name, `server` for the idle run); written to the audit entry. */
  by: string;
}

export interface LogCompactionResult {
  documents: number;
  rowsFolded: number;
  bytesFolded: number;
  provenanceRecords: number;
}

/** The compaction point of a document: rows up to `uptoSeq` are folded into its snapshot. */
export interface CompactionPoint {
  uptoSeq: number;
  compactedAt: string;
  rowsFolded: number;
  bytesFolded: number;
}

export function cutoffFor(days: number, now: Date = new Date()): Date {
  if (!Number.isFinite(days) || days < 0) throw new Error('The retention window must be a number of days, 0 or more');
  return new Date(now.getTime() - days * 86_400_000);
}

/** The top-level entry an item lives in: walks up to the root type. */
function entryOf(item: Y.Item): string | null {
  let current: Y.Item = item;
  for (let depth = 0; depth < 64; depth++) {
    const parent = current.parent;
    if (!(parent instanceof Y.AbstractType)) return null;
    const up = parent._item;
    if (up === null) {
      const root = Y.findRootTypeKey(parent);
      return current.parentSub !== null ? `${root}/${current.parentSub}` : root;
    }
    current = up;
  }
  return null;
}

function itemAt(doc: Y.Doc, client: number, clock: number): Y.Item | null {
  try {
    const struct = Y.getItem(doc.store, Y.createID(client, clock));
    return struct instanceof Y.Item ? struct : null;
  } catch {
    return null;
  }
}

/** The top-level entries an update touches, resolved against `doc` (a state that contains the update). */
export function entriesTouched(update: Uint8Array, doc: Y.Doc): Set<string> {
  const out = new Set<string>();
  const { structs, ds } = Y.decodeUpdate(update);
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue;
    const found = itemAt(doc, s.id.client, s.id.clock);
    const entry = found ? entryOf(found) : null;
    if (entry) out.add(entry);
  }
  for (const [client, ranges] of ds.clients) {
    for (const r of ranges) {
      const found = itemAt(doc, client, r.clock);
      const entry = found ? entryOf(found) : null;
      if (entry) out.add(entry);
    }
  }
  return out;
}

function hourOf(iso: string): string {
  return iso.slice(0, 13);
}

/**
 * Provenance of `rows` (in log order), merged into `existing` records of the
 * same document; returns the records the rows touched (to be written over
 * the stored ones). `full` is the document's whole state, snapshot and every
 * row, used to find where each change landed.
 */
export function provenanceOf(name: string, rows: readonly LogRow[], full: Uint8Array, existing: readonly ProvenanceRecord[] = []): ProvenanceRecord[] {
  const doc = new Y.Doc({ gc: false });
  Y.applyUpdate(doc, full);
  const byKey = new Map<string, ProvenanceRecord & { set: Set<string> }>();
  const key = (userId: string, period: string) => `${userId}\u0000${period}`;
  const touched = new Set<string>();
  for (const r of existing) byKey.set(key(r.userId, r.period), { ...r, set: new Set(r.entries) });
  for (const row of rows) {
    const period = hourOf(row.createdAt);
    const k = key(row.userId, period);
    let rec = byKey.get(k);
    if (!rec) {
      rec = { name, userId: row.userId, period, firstAt: row.createdAt, lastAt: row.createdAt, updates: 0, bytes: 0, entries: [], moreEntries: 0, firstSeq: row.seq, lastSeq: row.seq, set: new Set() };
      byKey.set(k, rec);
    }
    touched.add(k);
    rec.updates += 1;
    rec.bytes += row.update.byteLength;
    if (row.createdAt < rec.firstAt) rec.firstAt = row.createdAt;
    if (row.createdAt > rec.lastAt) rec.lastAt = row.createdAt;
    rec.firstSeq = Math.min(rec.firstSeq, row.seq);
    rec.lastSeq = Math.max(rec.lastSeq, row.seq);
    for (const e of entriesTouched(row.update, doc)) {
      if (rec.set.has(e)) continue;
      if (rec.set.size < PROVENANCE_ENTRY_CAP) rec.set.add(e);
      else rec.moreEntries += 1;
    }
  }
  doc.destroy();
  return [...byKey.entries()]
    .filter(([k]) => touched.has(k))
    .map(([, rec]) => rec)
    .map(({ set, ...r }) => ({ ...r, entries: [...set].sort() }))
    .sort((a, b) => (a.period === b.period ? a.userId.localeCompare(b.userId) : a.period.localeCompare(b.period)));
}

/** The snapshot state after folding `rows` into `snapshot` (garbage-collected, as the live document encodes it). */
export function foldedState(snapshot: Uint8Array | null, rows: readonly LogRow[]): Uint8Array {
  const doc = new Y.Doc();
  if (snapshot) Y.applyUpdate(doc, snapshot);
  for (const r of rows) Y.applyUpdate(doc, r.update);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

/**
 * What one document's compaction does, given its stored parts: the highest
 * row to fold (rows before `before`, never the document's last row), the
 * new snapshot when the current one does not reach it, and the provenance.
 * Null when nothing is old enough.
 */
export function planFold(
  name: string,
  snapshot: { state: Uint8Array; uptoSeq: number } | null,
  rows: readonly LogRow[],
  before: Date,
  existing: readonly ProvenanceRecord[]
): { uptoSeq: number; folded: LogRow[]; snapshot: { state: Uint8Array; uptoSeq: number } | null; provenance: ProvenanceRecord[]; bytes: number } | null {
  if (rows.length < 2) return null;
  const cutoff = before.toISOString();
  const lastSeq = rows[rows.length - 1].seq;
  const folded = rows.filter((r) => r.createdAt < cutoff && r.seq < lastSeq);
  if (folded.length === 0) return null;
  const uptoSeq = folded[folded.length - 1].seq;
  const snapUpto = snapshot?.uptoSeq ?? 0;
  const newSnapshot =
    snapUpto >= uptoSeq
      ? null
      : { state: foldedState(snapshot?.state ?? null, rows.filter((r) => r.seq > snapUpto && r.seq <= uptoSeq)), uptoSeq };
  const full = Y.mergeUpdates([...(snapshot ? [snapshot.state] : []), ...rows.filter((r) => r.seq > snapUpto).map((r) => r.update)]);
  return {
    uptoSeq,
    folded,
    snapshot: newSnapshot,
    provenance: provenanceOf(name, folded, full, existing),
    bytes: folded.reduce((n, r) => n + r.update.byteLength, 0)
  };
}

/** The part of a document store the scheduled compaction needs. */
export interface CompactingStore {
  compactLog(opts: LogCompactionOptions): Promise<LogCompactionResult>;
}

/**
 * Runs the compaction shortly after start and then once a day, off the
 * request path (the timers do not keep the process alive). A run that fails
 * is logged and tried again at the next one; nothing is lost by a skipped run.
 */
export function scheduleLogCompaction(
  store: CompactingStore,
  days: number,
  log: { info(line: string): void; error(line: string): void },
  timing: { firstAfterMs?: number; everyMs?: number; now?: () => Date } = {}
): { runNow(): Promise<LogCompactionResult | null>; stop(): Promise<void> } {
  let running: Promise<LogCompactionResult | null> | null = null;
  let stopped = false;
  const runNow = () =>
    (running ??= store
      .compactLog({ before: cutoffFor(days, timing.now?.()), by: 'server' })
      .then((r) => {
        if (r.documents > 0) log.info(`update log: folded ${r.rowsFolded} rows (${r.bytesFolded} bytes) of ${r.documents} documents older than ${days} days`);
        return r;
      })
      .catch((err: unknown) => {
        log.error(`update log compaction failed: ${err instanceof Error ? err.name : 'error'}`);
        return null;
      })
      .finally(() => {
        running = null;
      }));
  const first = setTimeout(() => {
    if (!stopped) void runNow();
  }, timing.firstAfterMs ?? 60_000);
  const every = setInterval(() => {
    if (!stopped) void runNow();
  }, timing.everyMs ?? 86_400_000);
  first.unref();
  every.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    }
  };
}
