import * as Y from 'yjs';
import type { FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';

/**
 * The mapped FHIR resources of recently read charts, with the decoded
 * document they were mapped from, keyed by the document's name and the
 * last row of the sync log it holds. The log is append-only (every update
 * is a row with a growing sequence number, kept for good; snapshots only
 * fold rows in), so each read asks the store for the rows after that one:
 *
 * - none: nothing was written since, the mapping is returned as it is;
 * - some: they are applied to the kept document, which Yjs makes exactly
 *   the document a full decode would give (updates are idempotent and
 *   commutative), and it is mapped again in full;
 * - no kept entry (first read, or dropped by the bounds): the stored parts
 *   are decoded from scratch.
 *
 * So every answer reflects every write stored before the read, and right
 * after a write a long chart is not decoded again (megabytes, hundreds of
 * milliseconds), only mapped. Bounded by the number of resources held and
 * by `keepDocs` charts (32; a long chart holds thousands of resources, so the
 * resource bound keeps only a few of those), least recently used first.
 * Callers must treat the resources as read-only: they are shared.
 */
export interface RecordCache {
  /**
   * The mapping of the document as stored now. `read(null)` gives the whole
   * stored document, `read(seq)` the rows after `seq` (null: no such
   * document, and so is the answer).
   */
  get(name: string, read: StoredReader, map: (doc: Y.Doc) => FhirResource[]): Promise<{ resources: FhirResource[]; fresh: boolean } | null>;
}

export type StoredReader = (afterSeq: number | null) => Promise<{ parts: Uint8Array[]; lastSeq: number } | null>;

interface Entry {
  seq: number;
  resources: FhirResource[];
  doc: Y.Doc;
}

export function createRecordCache(maxResources = 20_000, keepDocs = 32): RecordCache {
  const entries = new Map<string, Entry>();
  let held = 0;

  function drop(name: string): void {
    const e = entries.get(name);
    if (!e) return;
    entries.delete(name);
    held -= e.resources.length;
    e.doc.destroy();
  }

  function keep(name: string, entry: Entry): void {
    if (entry.resources.length > maxResources) {
      entry.doc.destroy();
      return;
    }
    entries.set(name, entry);
    held += entry.resources.length;
    for (const [k] of entries) {
      if (held <= maxResources && entries.size <= keepDocs) break;
      drop(k);
    }
  }

  return {
    async get(name, read, map) {
      const hit = entries.get(name);
      if (hit) {
        const newer = await read(hit.seq);
        if (!newer) {
          drop(name);
          return null;
        }
        // Still the same entry after the wait (another read may have replaced or dropped it).
        if (entries.get(name) === hit) {
          if (newer.parts.length === 0) {
            entries.delete(name);
            entries.set(name, hit);
            return { resources: hit.resources, fresh: false };
          }
          entries.delete(name);
          held -= hit.resources.length;
          try {
            for (const p of newer.parts) Y.applyUpdate(hit.doc, p);
            hit.resources = map(hit.doc);
          } catch (err) {
            hit.doc.destroy();
            throw err;
          }
          hit.seq = Math.max(hit.seq, newer.lastSeq);
          keep(name, hit);
          return { resources: hit.resources, fresh: true };
        }
      }
      const stored = await read(null);
      if (!stored) return null;
      const doc = new Y.Doc();
      let resources: FhirResource[];
      try {
        for (const p of stored.parts) Y.applyUpdate(doc, p);
        resources = map(doc);
      } catch (err) {
        doc.destroy();
        throw err;
      }
      drop(name);
      keep(name, { seq: stored.lastSeq, resources, doc });
      return { resources, fresh: true };
    }
  };
}
