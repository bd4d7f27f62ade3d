import { clinicOfName, parseDocName, type DocName } from '../../src/lib/domain/doc-names';
import type { DocumentStore } from '../store/document-store';
import { LiveDoc } from './live-doc';

/** Raised for a document set aside because it could not be loaded safely. */
export class QuarantinedError extends Error {
  constructor() {
    super('document is quarantined');
    this.name = 'QuarantinedError';
  }
}

/** Raised when a document is bound to a clinic other than the requester's. */
export class OtherClinicError extends Error {
  constructor() {
    super('document belongs to another clinic');
    this.name = 'OtherClinicError';
  }
}

/**
 * The documents held in memory. A document is loaded from the store on first
 * use, bound to its stored clinic (or, when it was never written, to the
 * clinic of whoever opened it first, so two clinics cannot share it even
 * before its first write), and evicted `idleEvictMs` after its last
 * connection or batch use went away.
 */
export class DocRegistry {
  private readonly live = new Map<string, LiveDoc>();
  /** Loads in progress: two opens of the same document at once share one load and one LiveDoc. */
  private readonly loading = new Map<string, Promise<LiveDoc>>();
  private readonly quarantined = new Set<string>();
  /** The quarantine list as stored, read once at start. */
  private readonly ready: Promise<void>;
  /** Snapshots being written by evictions; `closeAll` waits for them. */
  private readonly snapshots = new Set<Promise<void>>();

  constructor(
    private readonly store: DocumentStore,
    private readonly opts: {
      idleEvictMs: number;
      compactEvery: number;
      /** Other server processes write the same store (see LiveDoc.followsStore). */
      followsStore?: boolean;
      /** A document failed to load and was set aside (audit it; never given its content). */
      onQuarantine?(name: string, reason: string): void;
      /** A document was loaded into memory (before anyone uses it). */
      onLoaded?(doc: LiveDoc): void;
    }
  ) {
    this.ready = store.quarantined().then(
      (names) => {
        for (const n of names) this.quarantined.add(n);
      },
      (err: unknown) => console.error('[sync] could not read the quarantine list', err instanceof Error ? err.message : 'error')
    );
  }

  /** True for a document set aside after a failed load; it is not loaded again until an administrator releases it. */
  async isQuarantined(name: string): Promise<boolean> {
    await this.ready;
    if (!this.quarantined.has(name)) return false;
    // An administrator may have released it from another process (the admin CLI).
    if ((await this.store.quarantined()).includes(name)) return true;
    this.quarantined.delete(name);
    return false;
  }

  /** Sets a document aside after it failed to load (here or in a reader that skips loading it whole). */
  async quarantine(name: string, err: unknown): Promise<void> {
    const reason = err instanceof Error ? err.name : 'error';
    this.quarantined.add(name);
    try {
      await this.store.quarantine(name, reason);
    } catch {
      // Kept in memory at least; the next start tries the load once more.
    }
    this.opts.onQuarantine?.(name, reason);
  }

  /** Releases a quarantined document (admin action); the next open loads it again. */
  async releaseQuarantine(name: string): Promise<void> {
    this.quarantined.delete(name);
    await this.store.releaseQuarantine(name);
  }

  get size(): number {
    return this.live.size;
  }

  get(name: string): LiveDoc | undefined {
    return this.live.get(name);
  }

  /** Names of the documents held in memory. */
  names(): string[] {
    return [...this.live.keys()];
  }

  /**
   * Clinic the document belongs to, if it is bound: by its name (a
   * schedule), as loaded or stored, or — for a patient's document never
   * written yet — by the patient's other document, so another clinic cannot
   * claim a chart before its first write.
   */
  async clinicOf(name: string): Promise<string | null> {
    const parsed = parseDocName(name);
    const byName = parsed ? clinicOfName(parsed) : null;
    return byName ?? this.live.get(name)?.identity.clinicId ?? (await this.boundClinic(name, parsed));
  }

  private async boundClinic(name: string, parsed: DocName | null): Promise<string | null> {
    const stored = (await this.store.find(name))?.clinicId;
    if (stored) return stored;
    if (!parsed || !('patientId' in parsed)) return null; // a clinic's document is bound by its name
    const sibling = `${parsed.kind === 'chart' ? 'patient' : 'chart'}:${parsed.patientId}`;
    return this.live.get(sibling)?.identity.clinicId ?? (await this.store.find(sibling))?.clinicId ?? null;
  }

  /**
   * Loads (or finds) a document for `clinicId` and takes a hold on it; every
   * acquire must be paired with a release. Throws OtherClinicError.
   */
  async acquire(name: string, parsed: DocName, clinicId: string): Promise<LiveDoc> {
    const doc = this.live.get(name) ?? (await this.loadOnce(name, parsed, clinicId));
    if (doc.identity.clinicId !== clinicId) throw new OtherClinicError();
    doc.holds += 1;
    this.cancelEviction(doc);
    return doc;
  }

  private loadOnce(name: string, parsed: DocName, clinicId: string): Promise<LiveDoc> {
    let pending = this.loading.get(name);
    if (!pending) {
      pending = this.load(name, parsed, clinicId).finally(() => this.loading.delete(name));
      this.loading.set(name, pending);
    }
    return pending;
  }

  private async load(name: string, parsed: DocName, clinicId: string): Promise<LiveDoc> {
    if (await this.isQuarantined(name)) throw new QuarantinedError();
    const owner = clinicOfName(parsed) ?? (await this.boundClinic(name, parsed)) ?? clinicId;
    // A clinic-level document has no patient; the column keeps '' rather than a made-up id.
    const patientId = 'patientId' in parsed ? parsed.patientId : '';
    const identity = { name, clinicId: owner, kind: parsed.kind, patientId };
    if (owner !== clinicId) throw new OtherClinicError();
    // The store could not be read (connection lost): an error for this open, not a verdict on the document.
    const stored = await this.store.load(name).catch((err: unknown) => {
      if (isStoreUnavailable(err)) throw err;
      return { failed: err };
    });
    if (stored && 'failed' in stored) return this.refuseLoad(name, stored.failed);
    try {
      return this.adopt(new LiveDoc(identity, stored, this.store, this.opts.compactEvery));
    } catch (err) {
      return this.refuseLoad(name, err);
    }
  }

  /** One document that cannot load must not be retried by every reconnecting client, nor take the server down. */
  private async refuseLoad(name: string, err: unknown): Promise<never> {
    await this.quarantine(name, err);
    throw new QuarantinedError();
  }

  private adopt(doc: LiveDoc): LiveDoc {
    doc.followsStore = this.opts.followsStore ?? false;
    // Evicted `idleEvictMs` from now unless someone takes a hold.
    this.live.set(doc.name, doc);
    this.scheduleEviction(doc);
    this.opts.onLoaded?.(doc);
    return doc;
  }

  /** Takes another hold on a document already acquired. */
  hold(doc: LiveDoc): void {
    doc.holds += 1;
    this.cancelEviction(doc);
  }

  /**
   * Gives a hold back. `evictIfIdle` drops the document at once when nobody
   * else uses it: a server-side import touching thousands of documents must
   * not keep them all in memory for the idle period.
   */
  release(doc: LiveDoc, opts: { evictIfIdle?: boolean } = {}): void {
    doc.holds -= 1;
    doc.lastUsed = Date.now();
    if (opts.evictIfIdle && doc.holds === 0 && doc.peers.size === 0 && this.live.get(doc.name) === doc) {
      this.drop(doc);
      return;
    }
    this.scheduleEviction(doc);
  }

  /** Compacts and drops every document (service shutdown); resolves once every snapshot is written. */
  async closeAll(): Promise<void> {
    for (const doc of this.live.values()) this.drop(doc);
    await Promise.all([...this.snapshots]);
  }

  private scheduleEviction(doc: LiveDoc): void {
    if (doc.holds > 0 || doc.peers.size > 0) return;
    this.cancelEviction(doc);
    doc.evictTimer = setTimeout(() => {
      doc.evictTimer = null;
      if (doc.holds === 0 && doc.peers.size === 0 && this.live.get(doc.name) === doc) this.drop(doc);
    }, this.opts.idleEvictMs);
    doc.evictTimer.unref();
  }

  private cancelEviction(doc: LiveDoc): void {
    if (doc.evictTimer) clearTimeout(doc.evictTimer);
    doc.evictTimer = null;
  }

  private drop(doc: LiveDoc): void {
    this.live.delete(doc.name);
    // The state is taken before the document goes; a failed snapshot is logged (the log still holds every update).
    const saving = doc.compact(2);
    this.snapshots.add(saving);
    void saving.finally(() => this.snapshots.delete(saving));
    doc.destroy();
  }
}

/**
 * An error of the store itself (no connection, a server shutting down), as
 * opposed to content that cannot be loaded: PostgreSQL's connection and
 * operator classes, and socket errors.
 */
export function isStoreUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return /^(08|57|53)/.test(code) || /^E(CONN|HOST|NET|PIPE|TIMEDOUT)/.test(code) || code === 'ECONNRESET';
}
