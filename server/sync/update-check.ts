import * as Y from 'yjs';

/** Raised for bytes that are not a Yjs (v1) update. */
export class InvalidUpdateError extends Error {
  constructor() {
    super('not a valid document update');
    this.name = 'InvalidUpdateError';
  }
}

/** What a decoded update touches: enough to tell whether it adds anything. */
export interface CheckedUpdate {
  bytes: Uint8Array;
  structs: { client: number; endClock: number }[];
  hasDeletes: boolean;
}

/**
 * Decodes an update completely (every struct and its content) before it is
 * persisted. A row that does not decode would make the document unloadable
 * for everyone, so this is the gate in front of the append-only log.
 */
export function checkUpdate(bytes: Uint8Array): CheckedUpdate {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(bytes);
  } catch {
    throw new InvalidUpdateError();
  }
  return {
    bytes,
    structs: decoded.structs.map((s) => ({ client: s.id.client, endClock: s.id.clock + s.length })),
    hasDeletes: decoded.ds.clients.size > 0
  };
}

/**
 * True when the document already holds everything the update carries. A
 * reconnecting client's sync step 2 is usually such an echo; storing it would
 * grow the log on every reconnect without adding provenance.
 */
export function isRedundant(update: CheckedUpdate, doc: Y.Doc): boolean {
  if (update.hasDeletes) return false;
  if (update.structs.length === 0) return true;
  return update.structs.every((s) => Y.getState(doc.store, s.client) >= s.endClock);
}
