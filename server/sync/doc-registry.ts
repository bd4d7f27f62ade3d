import { clinicOfName, parseDocName, type DocName } from '../../src/lib/domain/doc-names';
import type { DocStore } from '../store/doc-store';
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
  private readonly quarantined: Set<string>;

  constructor(
    private readonly store: DocStore,
    private readonly opts: {
      idleEvictMs: number;
      compactEvery: number;
      /** A document failed to load and was set aside (audit it; never given its content). */
      onQuarantine?(name: string, reason: string): void;
    }
  ) {
    this.quarantined = new Set(store.quarantined());
  }

  /** True for a document set aside after a failed load; it is not loaded again until an administrator releases it. */
  isQuarantined(name: string): boolean {
    if (!this.quarantined.has(name)) return false;
    // An administrator may have released it from another process (the admin CLI).
    if (this.store.quarantined().includes(name)) return true;
    this.quarantined.delete(name);
    return false;
  }

  /** Sets a document aside after it failed to load (here or in a reader that skips loading it whole). */
  quarantine(name: string, err: unknown): void {
    const reason = err instanceof Error ? err.name : 'error';
    this.quarantined.add(name);
    try {
      this.store.quarantine(name, reason);
    } catch {
      // Kept in memory at least; the next start tries the load once more.
    }
    this.opts.onQuarantine?.(name, reason);
  }

  /** Releases a quarantined document (admin action); the next open loads it again. */
  releaseQuarantine(name: string): void {
    this.quarantined.delete(name);
    this.store.releaseQuarantine(name);
  }

  get size(): number {
    return this.live.size;
  }

  get(name: string): LiveDoc | undefined {
    return this.live.get(name);
  }

  /**
   * Clinic the document belongs to, if it is bound: by its name (a
   * schedule), as loaded or stored, or — for a patient's document never
   * written yet — by the patient's other document, so another clinic cannot
   * claim a chart before its first write.
   */
  clinicOf(name: string): string | null {
    const parsed = parseDocName(name);
    const byName = parsed ? clinicOfName(parsed) : null;
    return byName ?? this.live.get(name)?.identity.clinicId ?? this.boundClinic(name, parsed);
  }

  private boundClinic(name: string, parsed: DocName | null): string | null {
    const stored = this.store.find(name)?.clinicId;
    if (stored) return stored;
    if (!parsed || !('patientId' in parsed)) return null; // a clinic's document is bound by its name
    const sibling = `${parsed.kind === 'chart' ? 'patient' : 'chart'}:${parsed.patientId}`;
    return this.live.get(sibling)?.identity.clinicId ?? this.store.find(sibling)?.clinicId ?? null;
  }

  /**
   * Loads (or finds) a document for `clinicId` and takes a hold on it; every
   * acquire must be paired with a release. Throws OtherClinicError.
   */
  acquire(name: string, parsed: DocName, clinicId: string): LiveDoc {
    let doc = this.live.get(name);
    if (!doc) {
      if (this.isQuarantined(name)) throw new QuarantinedError();
      const owner = clinicOfName(parsed) ?? this.boundClinic(name, parsed) ?? clinicId;
      if (owner !== clinicId) throw new OtherClinicError();
      // A clinic-level document has no patient; the column keeps '' rather than a made-up id.
      const patientId = 'patientId' in parsed ? parsed.patientId : '';
      try {
        doc = new LiveDoc({ name, clinicId: owner, kind: parsed.kind, patientId }, this.store, this.opts.compactEvery);
      } catch (err) {
        // One document that cannot load must not be retried by every reconnecting client, nor take the server down.
        this.quarantine(name, err);
        throw new QuarantinedError();
      }
      this.live.set(name, doc);
    } else if (doc.identity.clinicId !== clinicId) {
      throw new OtherClinicError();
    }
    doc.holds += 1;
    this.cancelEviction(doc);
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

  /** Compacts and drops every document (service shutdown). */
  closeAll(): void {
    for (const doc of this.live.values()) this.drop(doc);
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
    try {
      doc.compact(2);
    } catch (err) {
      // The log still holds every update; only the next load is slower.
      console.error('[sync] snapshot on eviction failed', err);
    }
    doc.destroy();
  }
}
