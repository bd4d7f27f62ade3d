import type * as Y from 'yjs';
import type { KeyRing } from './key-ring';
import { damaged } from './key-ring';
import { EMPTY_STATE_VECTOR, mergeStateVectors, stateVectorAfter } from './state-vector';
import { docRowSchema, updateRowSchema, type DocRow, type UpdateRow, type UserDatabase } from './user-database';

/** Yjs, loaded when a document is first merged or applied: the patient screens open the vault without it. */
const loadYjs = () => import('yjs');

/**
 * Yjs updates of every document on the device, each row sealed under the
 * data key with its record key (`<kind>:<doc>:<rowId>`) as additional data.
 *
 * Updates are appended as they happen (nothing is lost if the tab closes
 * mid-visit) and compacted into one snapshot once a document has many rows.
 * Local edits stay flagged `pending` until a batch response from the server
 * confirms them; compaction keeps confirmed and pending history apart so an
 * unconfirmed edit can never be mistaken for a confirmed one.
 */
export const COMPACT_AFTER_ROWS = 100;

export interface AppendOptions {
  /** True for an edit made on this device that the server has not confirmed. */
  pending: boolean;
  /** The document's state vector after this update, when the caller has the live document. */
  stateVector?: Uint8Array;
}

export interface PendingUpdate {
  /** All pending updates of the document merged into one. */
  update: Uint8Array;
  /** Rows to mark confirmed once the server has the update. */
  seqs: number[];
}

export class EncryptedDocStore {
  readonly #db: UserDatabase;
  readonly #keys: KeyRing;
  readonly #compactAfter: number;
  /** Per-document chain so a compaction never races another on the same document. */
  readonly #compacting = new Map<string, Promise<void>>();

  constructor(db: UserDatabase, keys: KeyRing, opts: { compactAfterRows?: number } = {}) {
    this.#db = db;
    this.#keys = keys;
    this.#compactAfter = opts.compactAfterRows ?? COMPACT_AFTER_ROWS;
  }

  /** Seals and appends one update; compacts the document when it has grown many rows. */
  append(doc: string, update: Uint8Array, opts: AppendOptions): Promise<void> {
    return this.appendMany([{ doc, update, ...opts }]);
  }

  /**
   * Seals and appends updates of many documents in one transaction (a
   * catch-up chunk writes a hundred documents at once). Sealing happens
   * before the transaction: IndexedDB commits a transaction that waits on
   * anything but its own requests.
   */
  async appendMany(items: readonly ({ doc: string; update: Uint8Array } & AppendOptions)[]): Promise<void> {
    if (items.length === 0) return;
    const now = new Date().toISOString();
    const rows: UpdateRow[] = await Promise.all(
      items.map(async (it) => {
        const rowId = crypto.randomUUID();
        const sealed = await this.#keys.seal(it.update, recordKey('update', it.doc, rowId));
        return { doc: it.doc, rowId, kind: 'update' as const, pending: it.pending ? 1 : 0, ...sealed, createdAt: now } satisfies UpdateRow;
      })
    );
    // Loaded before the transaction: IndexedDB commits one that waits on anything else.
    const Y = await loadYjs();
    const grown = await this.#db.transaction('rw', this.#db.updates, this.#db.docs, async () => {
      await this.#db.updates.bulkAdd(rows);
      const names = [...new Set(items.map((it) => it.doc))];
      const existing = await this.#db.docs.bulkGet(names);
      const meta = new Map<string, DocRow>();
      names.forEach((n, i) => {
        const row = existing[i];
        meta.set(n, row ? this.#validDocRow(row, n) : { name: n, stateVector: EMPTY_STATE_VECTOR, pending: 0, rows: 0, updatedAt: now });
      });
      for (const it of items) {
        const m = meta.get(it.doc) as DocRow;
        m.stateVector = it.stateVector ? mergeStateVectors(Y, m.stateVector, it.stateVector) : stateVectorAfter(Y, m.stateVector, it.update);
        if (it.pending) m.pending = 1;
        m.rows += 1;
        m.updatedAt = now;
      }
      await this.#db.docs.bulkPut([...meta.values()]);
      return [...meta.values()].filter((m) => m.rows >= this.#compactAfter).map((m) => m.name);
    });
    for (const doc of grown) await this.compact(doc);
  }

  /** Every update of the document merged into one, or null when the device has nothing for it. */
  async load(doc: string): Promise<Uint8Array | null> {
    const rows = await this.#rows(doc);
    if (rows.length === 0) return null;
    const updates = await Promise.all(rows.map((r) => this.#open(r)));
    return updates.length === 1 ? updates[0] : (await loadYjs()).mergeUpdates(updates);
  }

  /** Applies the stored state to a Y.Doc; false when the device has nothing for the document. */
  async loadInto(doc: string, target: Y.Doc, origin: unknown): Promise<boolean> {
    const update = await this.load(doc);
    if (!update) return false;
    (await loadYjs()).applyUpdate(target, update, origin);
    return true;
  }

  async has(doc: string): Promise<boolean> {
    return (await this.#db.updates.where('doc').equals(doc).count()) > 0;
  }

  /**
   * Removes documents from the device (panel eviction: sync/panel-policy.ts).
   * A document with an edit the server has not confirmed is never removed:
   * checked again inside the transaction, so an edit made meanwhile keeps it.
   * Returns the names removed; fetching one again later brings it back whole.
   */
  async evict(names: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    await this.#db.transaction('rw', this.#db.updates, this.#db.docs, async () => {
      for (const name of names) {
        const pending = await this.#db.updates.where('doc').equals(name).filter((r) => Boolean(r.pending)).count();
        if (pending > 0) continue;
        await this.#db.updates.where('doc').equals(name).delete();
        await this.#db.docs.delete(name);
        removed.push(name);
      }
    });
    return removed;
  }

  /** Names of every document the device holds. */
  async docNames(): Promise<string[]> {
    return (await this.#db.docs.toCollection().primaryKeys()) as string[];
  }

  /** State vectors for many documents at once, without decrypting anything (for catch-up). */
  async stateVectors(docs: readonly string[]): Promise<Uint8Array[]> {
    const rows = await this.#db.docs.bulkGet([...docs]);
    return rows.map((row, i) => (row ? this.#validDocRow(row, docs[i]).stateVector : EMPTY_STATE_VECTOR));
  }

  async stateVector(doc: string): Promise<Uint8Array> {
    return (await this.stateVectors([doc]))[0];
  }

  async pendingDocs(): Promise<string[]> {
    return (await this.#db.docs.where('pending').equals(1).primaryKeys()) as string[];
  }

  async pendingCount(): Promise<number> {
    return this.#db.docs.where('pending').equals(1).count();
  }

  /** The document's unconfirmed local edits merged into one update, or null when there are none. */
  async pendingUpdate(doc: string): Promise<PendingUpdate | null> {
    const rows = (await this.#db.updates.where('[doc+pending]').equals([doc, 1]).sortBy('seq')).map((r) => this.#validRow(r, doc));
    if (rows.length === 0) return null;
    const updates = await Promise.all(rows.map((r) => this.#open(r)));
    const merged = updates.length === 1 ? updates[0] : (await loadYjs()).mergeUpdates(updates);
    return {
      update: merged,
      seqs: rows.map((r) => r.seq as number)
    };
  }

  /**
   * The document's unconfirmed local edits in parts of at most `maxBytes`
   * each (rows kept in order, merged while they fit), so a device that
   * worked offline for days sends what it holds in pieces the server takes,
   * instead of one update over the server's limit that could never be sent.
   * A single edit larger than `maxBytes` is a part of its own.
   */
  async pendingParts(doc: string, maxBytes: number): Promise<PendingUpdate[]> {
    const rows = (await this.#db.updates.where('[doc+pending]').equals([doc, 1]).sortBy('seq')).map((r) => this.#validRow(r, doc));
    const Y = await loadYjs();
    const parts: PendingUpdate[] = [];
    let current: { updates: Uint8Array[]; seqs: number[]; bytes: number } | null = null;
    const close = () => {
      if (!current) return;
      parts.push({ update: current.updates.length === 1 ? current.updates[0] : Y.mergeUpdates(current.updates), seqs: current.seqs });
      current = null;
    };
    for (const r of rows) {
      const update = await this.#open(r);
      if (current && current.bytes + update.byteLength > maxBytes) close();
      current ??= { updates: [], seqs: [], bytes: 0 };
      current.updates.push(update);
      current.seqs.push(r.seq as number);
      current.bytes += update.byteLength;
    }
    close();
    return parts;
  }

  /**
   * Marks rows the server has confirmed. Rows appended after the flush
   * started are not among `seqs` and stay pending for the next flush.
   */
  async markConfirmed(doc: string, seqs: readonly number[]): Promise<void> {
    await this.#db.transaction('rw', this.#db.updates, this.#db.docs, async () => {
      await this.#db.updates.where('seq').anyOf([...seqs]).modify({ pending: 0 });
      const stillPending = await this.#db.updates.where('[doc+pending]').equals([doc, 1]).count();
      await this.#db.docs.update(doc, { pending: stillPending > 0 ? 1 : 0 });
    });
  }

  /**
   * Replaces every row of a document by the rewritten copy `state` (used
   * when the device's copy had to be re-expressed, see
   * client-id-reissue.ts). With `unsent` (what of `state` the server lacks)
   * the copy is kept as confirmed history and only `unsent` is pending, so
   * a large record is not sent whole; without it the whole copy is pending
   * and the server takes what it already has as an echo.
   */
  async replaceAll(doc: string, state: Uint8Array, unsent?: Uint8Array): Promise<void> {
    const at = new Date().toISOString();
    const rowOf = async (bytes: Uint8Array, pending: 0 | 1): Promise<UpdateRow> => {
      const rowId = crypto.randomUUID();
      const sealed = await this.#keys.seal(bytes, recordKey('update', doc, rowId));
      return { doc, rowId, kind: 'update', pending, ...sealed, createdAt: at };
    };
    const rows = unsent ? [await rowOf(state, 0), await rowOf(unsent, 1)] : [await rowOf(state, 1)];
    const stateVector = (await loadYjs()).encodeStateVectorFromUpdate(state);
    await this.#db.transaction('rw', this.#db.updates, this.#db.docs, async () => {
      await this.#db.updates.where('doc').equals(doc).delete();
      for (const row of rows) await this.#db.updates.add(row);
      await this.#db.docs.update(doc, { rows: rows.length, pending: 1, stateVector });
    });
  }

  /**
   * Replaces a document's rows by at most two: one snapshot of confirmed
   * history and one row of pending edits. Decrypts and re-seals in memory,
   * then swaps rows in one transaction that first checks no row it merged
   * has changed meanwhile (a concurrent confirmation), so nothing is lost.
   */
  compact(doc: string): Promise<void> {
    const previous = this.#compacting.get(doc) ?? Promise.resolve();
    const next = previous.then(() => this.#compactNow(doc));
    const settled = next.finally(() => {
      if (this.#compacting.get(doc) === settled) this.#compacting.delete(doc);
    });
    this.#compacting.set(doc, settled);
    return settled;
  }

  async #compactNow(doc: string): Promise<void> {
    const rows = await this.#rows(doc);
    const confirmed = rows.filter((r) => r.pending === 0);
    const pending = rows.filter((r) => r.pending === 1);
    if (confirmed.length < 2 && pending.length < 2) return;
    const Y = await loadYjs();
    const merged: { kind: UpdateRow['kind']; pending: 0 | 1; from: UpdateRow[]; update: Uint8Array }[] = [];
    for (const [group, kind, flag] of [
      [confirmed, 'snapshot', 0],
      [pending, 'update', 1]
    ] as const) {
      if (group.length < 2) continue;
      const updates = await Promise.all(group.map((r) => this.#open(r)));
      merged.push({ kind, pending: flag, from: group, update: Y.mergeUpdates(updates) });
    }
    const sealedRows: UpdateRow[] = [];
    const now = new Date().toISOString();
    for (const m of merged) {
      const rowId = crypto.randomUUID();
      const sealed = await this.#keys.seal(m.update, recordKey(m.kind, doc, rowId));
      sealedRows.push({ doc, rowId, kind: m.kind, pending: m.pending, ...sealed, createdAt: now });
    }
    await this.#db.transaction('rw', this.#db.updates, this.#db.docs, async () => {
      const seqs = merged.flatMap((m) => m.from.map((r) => r.seq as number));
      const current = await this.#db.updates.bulkGet(seqs);
      const expected = new Map(merged.flatMap((m) => m.from.map((r) => [r.seq as number, r.pending] as const)));
      const unchanged = current.every((r) => r && r.pending === expected.get(r.seq as number));
      if (!unchanged) return; // a confirmation landed meanwhile; the next append compacts again
      await this.#db.updates.bulkDelete(seqs);
      await this.#db.updates.bulkAdd(sealedRows);
      const count = await this.#db.updates.where('doc').equals(doc).count();
      await this.#db.docs.update(doc, { rows: count });
    });
  }

  async #rows(doc: string): Promise<UpdateRow[]> {
    const rows = await this.#db.updates.where('doc').equals(doc).sortBy('seq');
    return rows.map((r) => this.#validRow(r, doc));
  }

  #validRow(row: unknown, doc: string): UpdateRow {
    const parsed = updateRowSchema.safeParse(row);
    if (!parsed.success || parsed.data.doc !== doc || parsed.data.seq === undefined) throw damaged(recordLabel(doc));
    return parsed.data;
  }

  #validDocRow(row: unknown, doc: string): DocRow {
    const parsed = docRowSchema.safeParse(row);
    if (!parsed.success || parsed.data.name !== doc) throw damaged(recordLabel(doc));
    return parsed.data;
  }

  #open(row: UpdateRow): Promise<Uint8Array> {
    return this.#keys.open(row, recordKey(row.kind, row.doc, row.rowId), recordLabel(row.doc));
  }
}

/** The additional data a row is sealed with: moving a ciphertext to another row or document breaks it. */
export function recordKey(kind: UpdateRow['kind'], doc: string, rowId: string): string {
  return `${kind}:${doc}:${rowId}`;
}

/** Names a record for an error message without patient data (the kind of record, not its id). */
function recordLabel(doc: string): string {
  return doc.startsWith('chart:') ? 'chart data' : doc.startsWith('patient:') ? 'patient details' : 'record data';
}
