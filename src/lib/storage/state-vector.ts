import type * as Yjs from 'yjs';

/**
 * State-vector arithmetic without loading a document: a store knows what it
 * holds by keeping, per document, the highest clock seen per replica.
 * The functions take the Yjs module from their caller, which loads it on
 * demand (the patient screens open the store without Yjs).
 */
/** Y.encodeStateVector(new Map()): no replicas (a count of zero). */
export const EMPTY_STATE_VECTOR: Uint8Array = new Uint8Array([0]);

/** Per replica, the higher clock of the two vectors. */
export function mergeStateVectors(Y: typeof Yjs, a: Uint8Array, b: Uint8Array): Uint8Array {
  const merged = Y.decodeStateVector(a);
  for (const [client, clock] of Y.decodeStateVector(b)) {
    if ((merged.get(client) ?? 0) < clock) merged.set(client, clock);
  }
  return Y.encodeStateVector(merged);
}

/**
 * What an update proves the store now holds. Yjs only counts a replica's
 * structs from clock 0, so an update that starts mid-history adds nothing:
 * the vector under-reports (the server then resends a little), never
 * over-reports (which would make the store skip data it lacks).
 */
export function stateVectorAfter(Y: typeof Yjs, previous: Uint8Array, update: Uint8Array): Uint8Array {
  return mergeStateVectors(Y, previous, Y.encodeStateVectorFromUpdate(update));
}

/** True for an update that carries no structs and no deletions (what a diff of equal states looks like). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 0 || (update.length === 2 && update[0] === 0 && update[1] === 0);
}
