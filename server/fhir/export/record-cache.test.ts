import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { FhirResource } from '../../../src/lib/fhir/export/chart-to-fhir';
import { createRecordCache, type StoredReader } from './record-cache';

/**
 * The mapping cache against an append-only log as the sync store keeps it
 * (a snapshot folding the first rows, then rows): a read after writes
 * holds every write, a read with no write is a hit, a compaction changes
 * nothing, the bounds hold. The store here is an in-memory log with the
 * store's contract (rows kept for good, growing sequence numbers); the real
 * store is exercised by the $everything tests in fhir-read.test.ts.
 */

/** A writer's document and its stored log. */
function storedChart(keys: string[]) {
  const doc = new Y.Doc();
  const rows: { seq: number; update: Uint8Array }[] = [];
  let snapshot: { state: Uint8Array; upto: number } | null = null;
  let seq = 0;
  const reads: (number | null)[] = [];
  const write = (key: string) => {
    const before = Y.encodeStateVector(doc);
    doc.getMap('conditions').set(key, true);
    rows.push({ seq: ++seq, update: Y.encodeStateAsUpdate(doc, before) });
  };
  for (const k of keys) write(k);
  const read: StoredReader = async (afterSeq) => {
    reads.push(afterSeq);
    if (afterSeq !== null) {
      const tail = rows.filter((r) => r.seq > afterSeq);
      return { parts: tail.map((r) => r.update), lastSeq: tail.at(-1)?.seq ?? afterSeq };
    }
    const upto = snapshot?.upto ?? 0;
    const tail = rows.filter((r) => r.seq > upto);
    return { parts: [...(snapshot ? [snapshot.state] : []), ...tail.map((r) => r.update)], lastSeq: tail.at(-1)?.seq ?? upto };
  };
  return {
    read,
    reads,
    write,
    compact: () => (snapshot = { state: Y.encodeStateAsUpdate(doc), upto: seq })
  };
}

const mapKeys = (calls: string[]) => (doc: Y.Doc): FhirResource[] => {
  const ids = [...doc.getMap('conditions').keys()].sort();
  calls.push(ids.join(','));
  return ids.map((id) => ({ resourceType: 'Condition', id }));
};
const idsOf = (r: { resources: FhirResource[] } | null) => r!.resources.map((x) => x.id);

describe('record cache', () => {
  it('maps once; a read with nothing written since is a hit with the same resources, asking only for rows after the last', async () => {
    const cache = createRecordCache();
    const calls: string[] = [];
    const s = storedChart(['a', 'b']);
    const first = await cache.get('chart:1', s.read, mapKeys(calls));
    const second = await cache.get('chart:1', s.read, mapKeys(calls));
    expect(first!.fresh).toBe(true);
    expect(second!.fresh).toBe(false);
    expect(second!.resources).toBe(first!.resources);
    expect(calls).toEqual(['a,b']);
    expect(s.reads).toEqual([null, 2]);
  });

  it('rows written after the last read are applied to the kept document: the same resources as a full decode', async () => {
    const cache = createRecordCache();
    const calls: string[] = [];
    const s = storedChart(['a', 'b']);
    await cache.get('chart:1', s.read, mapKeys(calls));
    s.write('c');
    s.write('d');
    const after = await cache.get('chart:1', s.read, mapKeys(calls));
    expect(after!.fresh).toBe(true);
    expect(idsOf(after)).toEqual(['a', 'b', 'c', 'd']);
    expect(s.reads).toEqual([null, 2]);
    // A full decode of the same log (another cache) gives the same.
    expect(idsOf(await createRecordCache().get('chart:1', s.read, mapKeys([])))).toEqual(['a', 'b', 'c', 'd']);
    expect((await cache.get('chart:1', s.read, mapKeys(calls)))!.fresh).toBe(false);
    expect(calls).toEqual(['a,b', 'a,b,c,d']);
  });

  it('a compaction between reads changes nothing: the rows after the last one read are still there', async () => {
    const cache = createRecordCache();
    const s = storedChart(['a']);
    await cache.get('chart:1', s.read, mapKeys([]));
    s.write('b');
    s.compact();
    s.write('c');
    expect(idsOf(await cache.get('chart:1', s.read, mapKeys([])))).toEqual(['a', 'b', 'c']);
    expect(s.reads).toEqual([null, 1]);
  });

  it('a document that is gone answers null', async () => {
    const cache = createRecordCache();
    const s = storedChart(['a']);
    await cache.get('chart:1', s.read, mapKeys([]));
    expect(await cache.get('chart:1', async () => null, mapKeys([]))).toBeNull();
    expect(await cache.get('chart:2', async () => null, mapKeys([]))).toBeNull();
  });

  it('charts are kept apart; past the bounds the least recently used is read whole again, with the same result', async () => {
    const cache = createRecordCache(3, 8);
    const one = storedChart(['a', 'b']);
    const two = storedChart(['c', 'd']);
    await cache.get('chart:1', one.read, mapKeys([]));
    await cache.get('chart:2', two.read, mapKeys([])); // 4 resources held > 3: chart:1 dropped
    expect((await cache.get('chart:2', two.read, mapKeys([])))!.fresh).toBe(false);
    one.write('e');
    expect(idsOf(await cache.get('chart:1', one.read, mapKeys([])))).toEqual(['a', 'b', 'e']);
    expect(one.reads).toEqual([null, null]);

    const few = createRecordCache(20_000, 1);
    const three = storedChart(['x']);
    await few.get('chart:1', one.read, mapKeys([]));
    await few.get('chart:3', three.read, mapKeys([])); // one document kept: chart:1's goes
    expect(idsOf(await few.get('chart:1', one.read, mapKeys([])))).toEqual(['a', 'b', 'e']);
    expect(one.reads).toEqual([null, null, null, null]);
  });
});
