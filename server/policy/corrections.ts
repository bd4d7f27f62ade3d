import * as Y from 'yjs';
import type { Correction } from './policy-types';

/**
 * Writes the policy's corrections into a document in one transaction: each
 * sets (or removes) one field of one entry, reaching nested maps by path.
 * A correction whose entry or nested map is gone is skipped: the update
 * that called for it is then refused by another rule anyway.
 */
export function applyCorrections(doc: Y.Doc, corrections: readonly Correction[], origin: unknown): void {
  doc.transact(() => {
    for (const c of corrections) {
      const root = doc.getMap(c.root);
      let target: unknown = c.key === null ? root : root.get(c.key);
      for (const k of c.path.slice(0, -1)) target = target instanceof Y.Map ? target.get(k) : undefined;
      if (!(target instanceof Y.Map)) continue;
      const field = c.path[c.path.length - 1];
      if (c.value === undefined) {
        if (target.has(field)) target.delete(field);
      } else {
        target.set(field, c.value);
      }
    }
  }, origin);
}
