import * as Y from 'yjs';

/**
 * True when a projection read at `projected` covers everything the store
 * holds at `stored`: no replica has more in the store than the projection saw.
 */
export function covers(projected: Uint8Array, stored: Uint8Array): boolean {
  const seen = Y.decodeStateVector(projected);
  for (const [client, clock] of Y.decodeStateVector(stored)) {
    if ((seen.get(client) ?? 0) < clock) return false;
  }
  return true;
}
