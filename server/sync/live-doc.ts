import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { DocIdentity, DocStore } from '../store/doc-store';
import { encodeAwarenessMessage, encodeSyncUpdate, type AwarenessEntry } from './protocol';
import type { CheckedUpdate } from './update-check';

/** Anything that can receive messages for a document: a websocket connection. */
export interface Peer {
  send(message: Uint8Array): void;
}

/** Who a write comes from. `peer` is excluded from the broadcast of its own update. */
export interface Writer {
  userId: string;
  peer?: Peer;
  /** Written by the server's own code (import, seed, corrections), not by a client. */
  server?: boolean;
}

/**
 * A document held in memory while someone uses it: the Y.Doc, the presence
 * (awareness) of its editors, and the connections to fan updates out to.
 * Exactly one `update` and one awareness listener per document, whatever the
 * number of connections, so opening and closing connections cannot leak
 * listeners.
 */
export class LiveDoc {
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness;
  readonly peers = new Set<Peer>();
  private readonly presenceOwners = new Map<number, Peer>();
  /** Upgrades in flight and batch requests using the document; it is not evicted while > 0. */
  holds = 0;
  lastUsed = Date.now();
  evictTimer: NodeJS.Timeout | null = null;
  private lastSeq: number;
  private rowsSinceSnapshot: number;

  constructor(
    readonly identity: DocIdentity,
    private readonly store: DocStore,
    private readonly compactEvery: number
  ) {
    const stored = store.load(identity.name);
    if (stored) Y.applyUpdate(this.doc, stored.update);
    this.lastSeq = stored?.lastSeq ?? 0;
    this.rowsSinceSnapshot = stored?.rowsSinceSnapshot ?? 0;
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server has no presence of its own; it only relays its editors'.
    this.awareness.setLocalState(null);
    this.doc.on('update', this.relayUpdate);
    this.awareness.on('update', this.relayAwareness);
  }

  get name(): string {
    return this.identity.name;
  }

  /**
   * Persists an update (attributed to the writer) and only then applies it,
   * which broadcasts it. A process killed after the append loses nothing any
   * client saw. Returns the log sequence number.
   */
  commit(update: CheckedUpdate, writer: Writer): number {
    const seq = this.store.append(this.identity, update.bytes, writer.userId);
    this.applyStored(update, seq, writer);
    return seq;
  }

  /**
   * Applies (and so broadcasts) an update already appended to the log as
   * `seq`. Callers that group several appends into one transaction use this
   * once the transaction has committed.
   */
  applyStored(update: CheckedUpdate, seq: number, writer: Writer): void {
    // Set when applied, not when appended: a snapshot must cover only rows the document holds.
    this.lastSeq = seq;
    this.rowsSinceSnapshot += 1;
    Y.applyUpdate(this.doc, update.bytes, writer);
    if (this.rowsSinceSnapshot >= this.compactEvery) this.compact();
  }

  /**
   * Folds the log into a snapshot so the next load reads one row instead of
   * many. Below `minRows` new rows a snapshot would not make loading faster.
   */
  compact(minRows = 1): void {
    if (this.rowsSinceSnapshot < minRows) return;
    this.store.saveSnapshot(this.name, Y.encodeStateAsUpdate(this.doc), this.lastSeq);
    this.rowsSinceSnapshot = 0;
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

  /** Removes the presence states a departing connection introduced, telling the others. */
  dropPresence(peer: Peer): void {
    const ids: number[] = [];
    for (const [id, owner] of this.presenceOwners) if (owner === peer) ids.push(id);
    for (const id of ids) this.presenceOwners.delete(id);
    const present = ids.filter((id) => this.awareness.states.has(id));
    if (present.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, present, peer);
  }

  destroy(): void {
    if (this.evictTimer) clearTimeout(this.evictTimer);
    this.doc.off('update', this.relayUpdate);
    this.awareness.off('update', this.relayAwareness);
    this.awareness.destroy();
    this.doc.destroy();
    this.peers.clear();
    this.presenceOwners.clear();
  }

  private readonly relayUpdate = (update: Uint8Array, origin: unknown): void => {
    const message = encodeSyncUpdate(update);
    const from = (origin as Writer | null)?.peer;
    for (const peer of this.peers) if (peer !== from) peer.send(message);
  };

  private readonly relayAwareness = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown
  ): void => {
    const clients = change.added.concat(change.updated, change.removed);
    const message = encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    for (const peer of this.peers) if (peer !== origin) peer.send(message);
  };
}
