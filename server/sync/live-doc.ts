import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { DocIdentity, DocumentStore, StoredState } from '../store/document-store';
import { encodeAwarenessMessage, encodeSyncUpdate, type AwarenessEntry } from './protocol';

/** Anything that can receive messages for a document: a websocket connection. */
export interface Peer {
  send(message: Uint8Array): void;
  /** Another server process (fan-out.ts): it owns the presence its own editors introduced; nothing is sent to it here. */
  readonly remote?: true;
}

/** Who a write comes from. `peer` is excluded from the broadcast of its own update. */
export interface Writer {
  userId: string;
  peer?: Peer;
  /** Written by the server's own code (import, seed, corrections), not by a client. */
  server?: boolean;
}

/** Origin of rows read back from the store (written by another server process). */
const STORE_WRITER: Writer = { userId: 'store', server: true };

/**
 * A document held in memory while someone uses it: the Y.Doc, the presence
 * (awareness) of its editors, and the connections to fan updates out to.
 * One awareness listener per document, whatever the number of connections,
 * so opening and closing connections cannot leak listeners. Stored rows are
 * broadcast as the bytes that were stored (they passed the write policy and
 * are complete), not re-encoded from the document after applying them: the
 * document is changed only here, through `applyRows` and `advance`.
 */
export class LiveDoc {
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness;
  readonly peers = new Set<Peer>();
  private readonly presenceOwners = new Map<number, Peer>();
  /** Upgrades in flight and batch requests using the document; it is not evicted while > 0. */
  holds = 0;
  lastUsed = Date.now();
  /** The write policy's copy: this document plus admitted rows not yet applied (see policy-gate.ts). */
  shadow: Y.Doc | null = null;
  /** Rows admitted by the write policy and not yet applied here, in order. */
  readonly unapplied: Uint8Array[] = [];
  evictTimer: NodeJS.Timeout | null = null;
  /**
   * With other server processes (presence-relay.ts): called with every
   * presence change made by this process's own editors, after the
   * ownership check, to be sent on to the others.
   */
  onLocalPresence: ((update: Uint8Array) => void) | null = null;
  /**
   * Several server processes write this document's store (fan-out.ts): this
   * process's own rows do not tell it which rows it holds, since another
   * process may have committed rows numbered below them that have not
   * reached it yet. Then only `advance` (rows read back from the store, in
   * order, without gaps) moves `lastSeq`, the sequence number every row up
   * to which this document holds, that a snapshot covers.
   */
  followsStore = false;
  private lastSeq: number;
  private rowsSinceSnapshot: number;
  /** Approximate stored size: the loaded state plus every row applied since. */
  storedBytes: number;

  /** `stored` is the document as loaded from `store` (null: never written). */
  constructor(
    readonly identity: DocIdentity,
    stored: StoredState | null,
    private readonly store: DocumentStore,
    private readonly compactEvery: number
  ) {
    if (stored) Y.applyUpdate(this.doc, stored.update);
    this.lastSeq = stored?.lastSeq ?? 0;
    this.storedBytes = stored?.update.byteLength ?? 0;
    this.rowsSinceSnapshot = stored?.rowsSinceSnapshot ?? 0;
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server has no presence of its own; it only relays its editors'.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.relayAwareness);
  }

  get name(): string {
    return this.identity.name;
  }

  /**
   * Applies (and so broadcasts) rows already stored in the log: an admitted
   * update and, when the write policy corrected it, the server's correction.
   * Both are applied in one transaction, so every other editor receives them
   * as one update and never sees the uncorrected state; the writer's own
   * connection, left out of the broadcast of what it sent, is sent the
   * correction.
   */
  applyRows(rows: readonly { bytes: Uint8Array; seq: number }[], writer: Writer): void {
    if (rows.length === 0) return;
    if (!this.followsStore) {
      // Set when applied, not when appended: a snapshot must cover only rows the document holds.
      this.lastSeq = rows[rows.length - 1].seq;
      this.rowsSinceSnapshot += rows.length;
      for (const r of rows) this.storedBytes += r.bytes.byteLength;
    }
    if (rows.length === 1) {
      Y.applyUpdate(this.doc, rows[0].bytes, writer);
      this.broadcast(rows[0].bytes, writer.peer);
    } else {
      this.doc.transact(() => {
        for (const r of rows) Y.applyUpdate(this.doc, r.bytes);
      }, writer);
      this.broadcast(Y.mergeUpdates(rows.map((r) => r.bytes)), writer.peer);
      writer.peer?.send(encodeSyncUpdate(Y.mergeUpdates(rows.slice(1).map((r) => r.bytes))));
    }
    if (this.rowsSinceSnapshot >= this.compactEvery) void this.compact();
  }

  /** The sequence number every stored row up to which this document holds. */
  get heldSeq(): number {
    return this.lastSeq;
  }

  /**
   * Applies the stored rows after `heldSeq`, read back from the store (rows
   * other processes wrote, and this process's own, already applied and so
   * changing nothing), and moves `heldSeq` to the last of them. What is new
   * is broadcast to every connection here.
   */
  advance(parts: readonly Uint8Array[], lastSeq: number): void {
    if (lastSeq <= this.lastSeq) return;
    this.lastSeq = lastSeq;
    this.rowsSinceSnapshot += parts.length;
    for (const p of parts) this.storedBytes += p.byteLength;
    // Rows read back include this process's own, already applied and broadcast: only what changes the document is sent.
    this.doc.on('update', this.relayUpdate);
    try {
      this.doc.transact(() => {
        for (const p of parts) Y.applyUpdate(this.doc, p);
      }, STORE_WRITER);
    } finally {
      this.doc.off('update', this.relayUpdate);
    }
    if (this.rowsSinceSnapshot >= this.compactEvery) void this.compact();
  }

  /**
   * Folds the log into a snapshot so the next load reads one row instead of
   * many. Below `minRows` new rows a snapshot would not make loading faster.
   * The state is taken at once; a snapshot that cannot be written is logged,
   * not thrown (the log still holds every update; only the next load is
   * slower), and the rows count again towards the next one.
   */
  compact(minRows = 1): Promise<void> {
    if (this.rowsSinceSnapshot < minRows) return Promise.resolve();
    const rows = this.rowsSinceSnapshot;
    this.rowsSinceSnapshot = 0;
    return this.store.saveSnapshot(this.name, Y.encodeStateAsUpdate(this.doc), this.lastSeq).catch((err: unknown) => {
      this.rowsSinceSnapshot += rows;
      console.error('[sync] snapshot failed', err instanceof Error ? err.name : 'error');
    });
  }

  /**
   * Applies a presence update from `peer`. A presence entry belongs to the
   * connection that introduced it: an update touching another connection's
   * entry is refused (returns false), so no editor can fake or erase
   * someone else's cursor.
   */
  applyPresence(update: Uint8Array, entries: readonly AwarenessEntry[], peer: Peer): boolean {
    for (const e of entries) {
      const owner = this.presenceOwners.get(e.clientId);
      if (owner && owner !== peer) return false;
    }
    for (const e of entries) {
      if (e.removed) this.presenceOwners.delete(e.clientId);
      else this.presenceOwners.set(e.clientId, peer);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer);
    return true;
  }

  /** Every presence state, for a newcomer; null when nobody is present. */
  encodePresence(): Uint8Array | null {
    if (this.awareness.states.size === 0) return null;
    return encodeAwarenessMessage(
      awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.states.keys()])
    );
  }

  /** The presence states this process's own editors introduced (for another process that just opened the document); null when none. */
  encodeLocalPresence(): Uint8Array | null {
    const ids: number[] = [];
    for (const [id, owner] of this.presenceOwners) if (!owner.remote && this.awareness.states.has(id)) ids.push(id);
    return ids.length === 0 ? null : awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids);
  }

  /** Removes the presence states a departing connection (or a stopped process) introduced, telling the others. */
  dropPresence(peer: Peer): void {
    const ids: number[] = [];
    for (const [id, owner] of this.presenceOwners) if (owner === peer) ids.push(id);
    for (const id of ids) this.presenceOwners.delete(id);
    const present = ids.filter((id) => this.awareness.states.has(id));
    if (present.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, present, peer);
  }

  destroy(): void {
    if (this.evictTimer) clearTimeout(this.evictTimer);
    this.shadow?.destroy();
    this.shadow = null;
    this.awareness.off('update', this.relayAwareness);
    this.awareness.destroy();
    this.doc.destroy();
    this.peers.clear();
    this.presenceOwners.clear();
  }

  /** Sends an update to every connection but `from` (the writer's own, which has it). */
  private broadcast(update: Uint8Array, from: Peer | undefined): void {
    if (this.peers.size === 0 || (this.peers.size === 1 && from && this.peers.has(from))) return;
    const message = encodeSyncUpdate(update);
    for (const peer of this.peers) if (peer !== from) peer.send(message);
  }

  private readonly relayUpdate = (update: Uint8Array, origin: unknown): void => {
    this.broadcast(update, (origin as Writer | null)?.peer);
  };

  private readonly relayAwareness = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown
  ): void => {
    const clients = change.added.concat(change.updated, change.removed);
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients);
    const message = encodeAwarenessMessage(update);
    // Only what this process's editors changed goes to the other processes: never what came from one of them, nor a timeout here.
    const from = origin as Peer | null;
    if (this.onLocalPresence && typeof from === 'object' && from !== null && typeof from.send === 'function' && !from.remote) {
      this.onLocalPresence(update);
    }
    // Echoed to the sender too: the stock client reconnects after 30 s without a message, and a lone
    // editor's presence renewals (every 15 s) are then all it receives.
    for (const peer of this.peers) peer.send(message);
  };
}
