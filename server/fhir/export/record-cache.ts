import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import type { FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';

/**
 * The mapped FHIR resources of recently read charts, keyed by the document's
 * name and a SHA-256 of its stored state: the same bytes are the same
 * document, so a hit is exactly what mapping would give again, and any write
 * changes the key (no invalidation to forget). Decoding a long chart's state
 * and mapping it cost hundreds of milliseconds; hashing it a few. Bounded by
 * the number of resources held (least recently used dropped first).
 * Callers must treat the resources as read-only: they are shared.
 */
export interface RecordCache {
  /** The mapping of this state: cached, or `map` run on the decoded document (and `fresh` true). */
  get(name: string, state: Uint8Array, map: (doc: Y.Doc) => FhirResource[]): { resources: FhirResource[]; fresh: boolean };
}

export function createRecordCache(maxResources = 20_000): RecordCache {
  const entries = new Map<string, { hash: string; resources: FhirResource[] }>();
  let held = 0;
  return {
    get(name, state, map) {
      const hash = createHash('sha256').update(state).digest('base64');
      const hit = entries.get(name);
      if (hit && hit.hash === hash) {
        entries.delete(name);
        entries.set(name, hit);
        return { resources: hit.resources, fresh: false };
      }
      const doc = new Y.Doc();
      let resources: FhirResource[];
      try {
        Y.applyUpdate(doc, state);
        resources = map(doc);
      } finally {
        doc.destroy();
      }
      if (hit) {
        entries.delete(name);
        held -= hit.resources.length;
      }
      if (resources.length <= maxResources) {
        entries.set(name, { hash, resources });
        held += resources.length;
        for (const [k, v] of entries) {
          if (held <= maxResources) break;
          entries.delete(k);
          held -= v.resources.length;
        }
      }
      return { resources, fresh: true };
    }
  };
}
