import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { EMPTY_STATE_VECTOR, mergeStateVectors, stateVectorAfter } from './state-vector';

describe('state vectors', () => {
  it('writes the empty vector by hand as Yjs does (a count of zero)', () => {
    expect([...EMPTY_STATE_VECTOR]).toEqual([0]);
    expect([...Y.encodeStateVector(new Map())]).toEqual([0]);
  });

  it('keeps the higher clock of each replica', () => {
    const merged = mergeStateVectors(Y, Y.encodeStateVector(new Map([[1, 5], [2, 1]])), Y.encodeStateVector(new Map([[2, 7], [3, 2]])));
    expect(Y.decodeStateVector(merged)).toEqual(new Map([[1, 5], [2, 7], [3, 2]]));
  });

  it('counts what an update from the start proves the store holds', () => {
    const doc = new Y.Doc();
    doc.clientID = 42;
    doc.getMap('m').set('a', 1);
    doc.getMap('m').set('b', 2);
    const after = stateVectorAfter(Y, EMPTY_STATE_VECTOR, Y.encodeStateAsUpdate(doc));
    expect(Y.decodeStateVector(after)).toEqual(new Map([[42, 2]]));
  });
});
