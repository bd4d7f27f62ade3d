import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DocumentStore } from '../store/document-store';
import { PRESENCE_LIMITS } from './protocol';
import type { DocRegistry } from './doc-registry';
import type { LiveDoc } from './live-doc';

/**
 * Several server processes on one PostgreSQL store: each tells the others,
 * through Redis (or Valkey) pub/sub, which documents it just committed
 * rows to, and each reads the rows it lacks back from the store.
 *
 * The message carries document names only, never content: what a process
 * applies always comes from the store, committed, in sequence order, so a
 * lost or late message loses nothing (the next one, or the resync after a
 * reconnection, reads everything after what the document holds), and
 * nothing reaches an editor before it is durable.
 */
export interface FanOut {
  /** This process's id on the channel (16 hex digits, new at every start). */
  readonly node: string;
  /** Tells the other processes these documents have new committed rows. */
  publish(names: readonly string[]): void;
  /** Sends an awareness update (presence) that this process's editors made on a document to the other processes. */
  publishPresence(name: string, update: Uint8Array): void;
  /** Asks the processes that hold this document for their editors' presence on it (it was just opened here). */
  queryPresence(name: string): void;
  listen(handlers: FanOutHandlers): void;
  close(): Promise<void>;
}

export interface FanOutHandlers {
  /** Documents another process wrote. */
  changed(names: readonly string[]): void;
  /** Messages may have been missed (reconnected). */
  resync(): void;
  /** Another process's editors changed their presence on a document (an awareness update, not yet checked). */
  presence?(node: string, name: string, update: Uint8Array): void;
  /** Another process opened a document and asks for the presence held here. */
  presenceQuery?(node: string, name: string): void;
  /** Another process stopped (it said so, or its heartbeat stopped): its editors' presence goes. */
  nodeGone?(node: string): void;
}

/**
 * Presence travels on its own channel (`<channel>:presence`), one JSON
 * object a message, every field checked before use; anything else is
 * dropped unread:
 *
 *   {"v":1,"n":"<node>","k":"a","d":"<doc>","u":"<base64 awareness update>"}  presence on a document
 *   {"v":1,"n":"<node>","k":"q","d":"<doc>"}                                   who is present on it?
 *   {"v":1,"n":"<node>","k":"h"}                                               heartbeat
 *   {"v":1,"n":"<node>","k":"bye"}                                             stopping
 *
 * `<node>` is 16 lowercase hex digits; `<doc>` at most 200 characters; the
 * awareness update at most PRESENCE_MAX_BYTES (the most one editor may
 * send: PRESENCE_LIMITS), and the whole message at most
 * PRESENCE_MAX_MESSAGE characters. The update itself is checked by the
 * sync server as a client's is (readAwarenessEntries).
 */
export const PRESENCE_MAX_BYTES = PRESENCE_LIMITS.maxEntries * (PRESENCE_LIMITS.maxStateChars * 3 + 32) + 8;
export const PRESENCE_MAX_MESSAGE = Math.ceil(PRESENCE_MAX_BYTES / 3) * 4 + 512;
const NODE_RE = /^[0-9a-f]{16}$/;
const MAX_DOC_NAME = 200;

/** Heartbeat defaults: a process that sent nothing on the presence channel for 15 s is taken as gone. */
export const PRESENCE_HEARTBEAT_MS = 5000;
export const PRESENCE_NODE_TIMEOUT_MS = 15_000;

type PresenceMessage =
  | { k: 'a'; n: string; d: string; u: Uint8Array }
  | { k: 'q'; n: string; d: string }
  | { k: 'h'; n: string }
  | { k: 'bye'; n: string };

/** Reads one presence-channel message; null for anything outside the format above. */
export function parsePresenceMessage(raw: string): PresenceMessage | null {
  if (raw.length > PRESENCE_MAX_MESSAGE) return null;
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const m = msg as Record<string, unknown>;
  if (m.v !== 1 || typeof m.n !== 'string' || !NODE_RE.test(m.n)) return null;
  const n = m.n;
  if (m.k === 'h' || m.k === 'bye') return { k: m.k, n };
  if (typeof m.d !== 'string' || m.d.length === 0 || m.d.length > MAX_DOC_NAME) return null;
  if (m.k === 'q') return { k: 'q', n, d: m.d };
  if (m.k !== 'a' || typeof m.u !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(m.u)) return null;
  const u = Buffer.from(m.u, 'base64');
  if (u.byteLength === 0 || u.byteLength > PRESENCE_MAX_BYTES) return null;
  return { k: 'a', n, d: m.d, u: new Uint8Array(u.buffer, u.byteOffset, u.byteLength) };
}

const CHANNEL = 'outpost:docs';

/**
 * Connects to REDIS_URL (redis:// or rediss://); rejects with a readable error when it cannot.
 * `heartbeatMs` / `nodeTimeoutMs`: how often this process says it is alive on the presence
 * channel, and after how long without a word another process is taken as gone.
 */
export async function createRedisFanOut(
  url: string,
  opts: { channel?: string; heartbeatMs?: number; nodeTimeoutMs?: number } = {}
): Promise<FanOut> {
  const channel = opts.channel ?? CHANNEL;
  const presenceChannel = `${channel}:presence`;
  const heartbeatMs = opts.heartbeatMs ?? PRESENCE_HEARTBEAT_MS;
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? PRESENCE_NODE_TIMEOUT_MS;
  const node = randomBytes(8).toString('hex');
  const options = { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 };
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  // Connection errors are retried by the client; they must not take the process down.
  for (const c of [pub, sub]) c.on('error', (err: Error) => console.error('[fan-out] Redis', err.message));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(channel, presenceChannel);
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`Could not reach Redis for fan-out: ${err instanceof Error ? err.message : String(err)}`);
  }
  let handlers: FanOutHandlers | null = null;
  let first = true;
  /** Other processes heard on the presence channel → when last. */
  const seen = new Map<string, number>();
  sub.on('ready', () => {
    // The first connection is the one above; a later one follows a drop, during which messages were lost.
    if (first) first = false;
    else handlers?.resync();
  });
  const gone = (n: string) => {
    if (seen.delete(n)) handlers?.nodeGone?.(n);
  };
  sub.on('message', (from: string, raw: string) => {
    if (from === presenceChannel) {
      const msg = parsePresenceMessage(raw);
      if (!msg || msg.n === node) return;
      if (msg.k === 'bye') return gone(msg.n);
      seen.set(msg.n, Date.now());
      if (msg.k === 'a') handlers?.presence?.(msg.n, msg.d, msg.u);
      else if (msg.k === 'q') handlers?.presenceQuery?.(msg.n, msg.d);
      return;
    }
    let msg: { n?: unknown; d?: unknown };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return;
    }
    if (msg.n === node || !Array.isArray(msg.d)) return;
    const names = msg.d.filter((d): d is string => typeof d === 'string');
    if (names.length > 0) handlers?.changed(names);
  });
  const sendPresence = (msg: Record<string, unknown>) => {
    pub.publish(presenceChannel, JSON.stringify({ v: 1, n: node, ...msg })).catch((err: unknown) => {
      // Presence is renewed by every editor every 15 s: a lost message is made good by the next one.
      console.error('[fan-out] presence publish failed', err instanceof Error ? err.message : 'error');
    });
  };
  const beat = setInterval(() => {
    sendPresence({ k: 'h' });
    const stale = Date.now() - nodeTimeoutMs;
    for (const [n, at] of seen) if (at < stale) gone(n);
  }, heartbeatMs);
  beat.unref();
  sendPresence({ k: 'h' });
  return {
    node,
    publish(names) {
      if (names.length === 0) return;
      pub.publish(channel, JSON.stringify({ n: node, d: names })).catch((err: unknown) => {
        // The rows are stored; the other processes read them at their next message or resync.
        console.error('[fan-out] publish failed', err instanceof Error ? err.message : 'error');
      });
    },
    publishPresence(name, update) {
      if (update.byteLength === 0 || update.byteLength > PRESENCE_MAX_BYTES || name.length > MAX_DOC_NAME) return;
      sendPresence({ k: 'a', d: name, u: Buffer.from(update.buffer, update.byteOffset, update.byteLength).toString('base64') });
    },
    queryPresence(name) {
      if (name.length <= MAX_DOC_NAME) sendPresence({ k: 'q', d: name });
    },
    listen(h) {
      handlers = h;
    },
    async close() {
      handlers = null;
      clearInterval(beat);
      // Said before leaving, so the others drop this process's editors at once rather than after the timeout.
      await pub.publish(presenceChannel, JSON.stringify({ v: 1, n: node, k: 'bye' })).catch(() => undefined);
      await Promise.allSettled([sub.quit(), pub.quit()]);
    }
  };
}

/**
 * Brings the documents this process holds up to the store: for each
 * document touched, reads the rows after what it holds and applies them
 * (LiveDoc.advance). One read per document at a time; touches during a
 * read make one more read after it.
 */
export class StoreFollower {
  /** Documents being read → whether another read is wanted after this one. */
  private readonly running = new Map<string, boolean>();
  private readonly reads = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      store: DocumentStore;
      registry: DocRegistry;
      /** Rows from the store reached the document (the policy's shadow is stale; projections refresh). */
      onAdvanced(live: LiveDoc): void;
    }
  ) {}

  touch(name: string): void {
    if (this.running.has(name)) {
      this.running.set(name, true);
      return;
    }
    const live = this.deps.registry.get(name);
    if (!live) return; // not held here: loaded from the store when opened
    this.running.set(name, false);
    this.deps.registry.hold(live);
    const read = this.follow(live).finally(() => {
      this.running.delete(name);
      this.deps.registry.release(live);
      this.reads.delete(read);
    });
    this.reads.add(read);
  }

  touchAll(names: Iterable<string>): void {
    for (const n of names) this.touch(n);
  }

  /** Resolves when no read is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.reads.size > 0) await Promise.all([...this.reads]);
  }

  private async follow(live: LiveDoc): Promise<void> {
    do {
      this.running.set(live.name, false);
      try {
        const got = await this.deps.store.loadSince(live.name, live.heldSeq);
        if (got && got.lastSeq > live.heldSeq) {
          live.advance(got.parts, got.lastSeq);
          this.deps.onAdvanced(live);
        }
      } catch (err) {
        // The next touch reads again from the same point: nothing is skipped.
        console.error('[fan-out] could not read a document back from the store', err instanceof Error ? err.name : 'error');
        return;
      }
    } while (this.running.get(live.name));
  }
}
