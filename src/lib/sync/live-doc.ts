import { WebsocketProvider } from 'y-websocket';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { SESSION_ENDED_CLOSE_CODE } from '../domain/sync-close-codes';
import type { EncryptedDocStore } from '../storage/encrypted-doc-store';

/**
 * One open document: a Y.Doc loaded from the encrypted store, persisting
 * every update (local and remote) back to it, and a y-websocket provider to
 * `/sync/<doc>` while the device is online. The provider reconnects by
 * itself with backoff when the connection drops.
 *
 * Local edits are stored `pending`: the websocket protocol has no
 * acknowledgement, so only a batch response confirms them. When the server
 * closes the socket because the session ended (4401), the provider stops
 * retrying (a 44xx close) and the owner is told, so it can ask the user to
 * sign in again; edits made meanwhile stay pending in the store.
 */
export type Connection = 'offline' | 'connecting' | 'live';

/** Origin of state loaded from the device store: already persisted, not an edit. */
export const STORE_ORIGIN = Symbol('outpost-store');
/** Origin of diffs from a batch response: confirmed by the server. */
export const BATCH_ORIGIN = Symbol('outpost-batch');

export type WebSocketClass = NonNullable<ConstructorParameters<typeof WebsocketProvider>[3]>['WebSocketPolyfill'];

export interface LiveDocOptions {
  store: EncryptedDocStore;
  /** The `/sync` endpoint, or null to stay local (tests, benchmarks). */
  syncUrl: string | null;
  /** Connect at once; otherwise `connect()` when the network returns. */
  online: boolean;
  WebSocketPolyfill?: WebSocketClass;
  /** Shown to others editing the same document. */
  user: { name: string; color: string };
  /** A local edit was stored; the owner schedules a flush. */
  onLocalEdit?: (name: string) => void;
  /** Any update (local or remote) was stored. */
  onStored?: (name: string) => void;
  /** Persisting failed: the owner shows it; the edit stays in memory. */
  onError: (err: unknown) => void;
  /**
   * The server ended the connection for good (a 44xx close code: a change
   * refused by its rules, an update too large for the live connection, a
   * device identity in use elsewhere…). The provider does not reconnect by
   * itself; the owner decides what follows.
   */
  onServerClosed?: (name: string, close: { code: number; reason: string }) => void;
  /** The server closed the socket because the session ended (signed out, expired, revoked). */
  onSessionEnded?: () => void;
}

export class LiveDoc {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  #provider: WebsocketProvider | null = null;
  #connection: Connection = 'offline';
  readonly #listeners = new Set<(c: Connection) => void>();
  #writes: Promise<void> = Promise.resolve();
  readonly #opts: LiveDocOptions;
  #closed = false;

  private constructor(name: string, opts: LiveDocOptions) {
    this.name = name;
    this.#opts = opts;
    this.doc = new Y.Doc();
    this.awareness = new Awareness(this.doc);
    this.awareness.setLocalStateField('user', opts.user);
  }

  /** Loads the document from the device store, then starts persisting and (when online) connecting. */
  static async open(name: string, opts: LiveDocOptions): Promise<LiveDoc> {
    const live = new LiveDoc(name, opts);
    try {
      await opts.store.loadInto(name, live.doc, STORE_ORIGIN);
    } catch (err) {
      live.awareness.destroy();
      live.doc.destroy();
      throw err;
    }
    live.doc.on('update', live.#persist);
    if (opts.syncUrl) {
      live.#provider = new WebsocketProvider(opts.syncUrl, name, live.doc, {
        connect: opts.online,
        awareness: live.awareness,
        WebSocketPolyfill: opts.WebSocketPolyfill,
        disableBc: true,
        maxBackoffTime: 10_000
      });
      live.#provider.on('status', () => live.#updateConnection());
      live.#provider.on('sync', () => live.#updateConnection());
      live.#provider.on('closed', (close: { code: number; reason: string }) => {
        live.#updateConnection();
        if (close.code === SESSION_ENDED_CLOSE_CODE) opts.onSessionEnded?.();
        else opts.onServerClosed?.(name, close);
      });
      live.#updateConnection();
    }
    return live;
  }

  get connection(): Connection {
    return this.#connection;
  }

  onConnection(listener: (c: Connection) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The network is back: connect (the provider keeps retrying from here on). */
  connect(): void {
    if (!this.#closed) this.#provider?.connect();
  }

  /** The browser went offline: stop retrying until it is back. */
  disconnect(): void {
    this.#provider?.disconnect();
  }

  /** Resolves once every update so far is in the store. */
  persisted(): Promise<void> {
    return this.#writes;
  }

  /** Disconnects, waits for pending writes, destroys the document. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#provider?.destroy();
    this.#provider = null;
    this.awareness.destroy();
    this.doc.off('update', this.#persist);
    await this.#writes;
    this.doc.destroy();
    this.#setConnection('offline');
    this.#listeners.clear();
  }

  readonly #persist = (update: Uint8Array, origin: unknown): void => {
    if (origin === STORE_ORIGIN) return;
    const pending = !(origin === BATCH_ORIGIN || (this.#provider !== null && origin === this.#provider));
    const stateVector = Y.encodeStateVector(this.doc);
    const { store, onError, onLocalEdit, onStored } = this.#opts;
    this.#writes = this.#writes
      .then(() => store.append(this.name, update, { pending, stateVector }))
      .then(
        () => {
          onStored?.(this.name);
          if (pending) onLocalEdit?.(this.name);
        },
        (err: unknown) => onError(err)
      );
  };

  #updateConnection(): void {
    const p = this.#provider;
    if (!p) return this.#setConnection('offline');
    // `shouldConnect` stays true while the provider retries with backoff: still trying, not given up.
    this.#setConnection(p.wsconnected && p.synced ? 'live' : p.shouldConnect ? 'connecting' : 'offline');
  }

  #setConnection(c: Connection): void {
    if (c === this.#connection) return;
    this.#connection = c;
    for (const l of this.#listeners) l(c);
  }
}
