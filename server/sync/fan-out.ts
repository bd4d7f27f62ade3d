import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DocumentStore } from '../store/document-store';
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
  /** Tells the other processes these documents have new committed rows. */
  publish(names: readonly string[]): void;
  /** `changed`: documents another process wrote; `resync`: messages may have been missed (reconnected). */
  listen(handlers: { changed(names: readonly string[]): void; resync(): void }): void;
  close(): Promise<void>;
}

const CHANNEL = 'outpost:docs';

/** Connects to REDIS_URL (redis:// or rediss://); rejects with a readable error when it cannot. */
export async function createRedisFanOut(url: string, opts: { channel?: string } = {}): Promise<FanOut> {
  const channel = opts.channel ?? CHANNEL;
  const node = randomBytes(8).toString('hex');
  const options = { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 };
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  // Connection errors are retried by the client; they must not take the process down.
  for (const c of [pub, sub]) c.on('error', (err: Error) => console.error('[fan-out] Redis', err.message));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(channel);
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`Could not reach Redis for fan-out: ${err instanceof Error ? err.message : String(err)}`);
  }
  let handlers: Parameters<FanOut['listen']>[0] | null = null;
  let first = true;
  sub.on('ready', () => {
    // The first connection is the one above; a later one follows a drop, during which messages were lost.
    if (first) first = false;
    else handlers?.resync();
  });
  sub.on('message', (_channel: string, raw: string) => {
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
  return {
    publish(names) {
      if (names.length === 0) return;
      pub.publish(channel, JSON.stringify({ n: node, d: names })).catch((err: unknown) => {
        // The rows are stored; the other processes read them at their next message or resync.
        console.error('[fan-out] publish failed', err instanceof Error ? err.message : 'error');
      });
    },
    listen(h) {
      handlers = h;
    },
    async close() {
      handlers = null;
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
