import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';
import { createRecordCache } from './record-cache';

/** The mapping cache: a hit only for the very same state, a write is seen at once, the bound holds. */
function stateWith(keys: string[]): { doc: Y.Doc; state: () => Uint8Array } {
  const doc = new Y.Doc();
  for (const k of keys) doc.getMap('conditions').set(k, true);
  return { doc, state: () => Y.encodeStateAsUpdate(doc) };
}
const mapKeys = (calls: string[]) => (doc: Y.Doc): FhirResource[] => {
  const ids = [...doc.getMap('conditions').keys()].sort();
  calls.push(ids.join(','));
  return ids.map((id) => ({ resourceType: 'Condition', id }));
};

describe('record cache', () => {
  it('maps once per state; the same bytes again are a hit with the same resources', () => {
    const cache = createRecordCache();
    const calls: string[] = [];
    const { state } = stateWith(['a', 'b']);
    const first = cache.get('chart:1', state(), mapKeys(calls));
    const second = cache.get('chart:1', state(), mapKeys(calls));
    expect(first.fresh).toBe(true);
    expect(second.fresh).toBe(false);
    expect(second.resources).toBe(first.resources);
    expect(calls).toEqual(['a,b']);
  });

  it('a write changes the state: mapped again, the new entry is there', () => {
    const cache = createRecordCache();
    const calls: string[] = [];
    const s = stateWith(['a']);
    cache.get('chart:1', s.state(), mapKeys(calls));
    s.doc.getMap('conditions').set('c', true);
    const after = cache.get('chart:1', s.state(), mapKeys(calls));
    expect(after.fresh).toBe(true);
    expect(after.resources.map((r) => r.id)).toEqual(['a', 'c']);
    expect(calls).toEqual(['a', 'a,c']);
  });

  it('documents are cached apart, and the least recently used goes past the bound', () => {
    const cache = createRecordCache(3);
    const calls: string[] = [];
    const one = stateWith(['a', 'b']).state();
    const two = stateWith(['c', 'd']).state();
    cache.get('chart:1', one, mapKeys(calls));
    cache.get('chart:2', two, mapKeys(calls)); // 4 held > 3: chart:1 dropped
    expect(cache.get('chart:2', two, mapKeys(calls)).fresh).toBe(false);
    expect(cache.get('chart:1', one, mapKeys(calls)).fresh).toBe(true);
    expect(calls).toEqual(['a,b', 'c,d', 'a,b']);
  });
});
