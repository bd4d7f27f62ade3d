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
  structs: { client: number; clock: number; endClock: number }[];
  /** The decoded structs, kept for the client-id check. */
  decoded: (Y.Item | Y.GC | Y.Skip)[];
  deletes: { client: number; clock: number; len: number }[];
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
  const deletes: CheckedUpdate['deletes'] = [];
  for (const [client, ranges] of decoded.ds.clients) for (const r of ranges) deletes.push({ client, clock: r.clock, len: r.len });
  return {
    bytes,
    structs: decoded.structs.map((s) => ({ client: s.id.client, clock: s.id.clock, endClock: s.id.clock + s.length })),
    decoded: decoded.structs,
    deletes,
    hasDeletes: deletes.length > 0
  };
}

/** True when every struct of `client` in [clock, clock+len) is already deleted (or collected) in the document. */
function alreadyDeleted(doc: Y.Doc, client: number, clock: number, len: number): boolean {
  if (Y.getState(doc.store, client) < clock + len) return false;
  const structs = doc.store.clients.get(client);
  if (!structs) return false;
  for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
    const s = structs[i];
    if (s.id.clock >= clock + len) break;
    if (!s.deleted) return false;
  }
  return true;
}

/**
 * True when the document already holds everything the update carries, its
 * deletions included. A reconnecting client's sync step 2 is usually such an
 * echo (a reader's carries the deletions it already received); storing it
 * would grow the log on every reconnect and audit a reader as an editor.
 */
export function isRedundant(update: CheckedUpdate, doc: Y.Doc): boolean {
  if (!update.structs.every((s) => Y.getState(doc.store, s.client) >= s.endClock)) return false;
  return update.deletes.every((d) => alreadyDeleted(doc, d.client, d.clock, d.len));
}

function contentSignature(item: Y.Item, offset: number, length: number): string | null {
  const c = item.content;
  if (c instanceof Y.ContentDeleted) return null;
  if (c instanceof Y.ContentString) return `s:${c.str.slice(offset, offset + length)}`;
  if (c instanceof Y.ContentAny) return `a:${JSON.stringify(c.arr.slice(offset, offset + length), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  if (c instanceof Y.ContentType) return `t:${c.type.constructor.name}`;
  return `o:${c.constructor.name}:${length}`;
}

/**
 * Finds a struct of the update that the document already holds under the
 * same id (client and clock) but with other content: two devices writing
 * under one Yjs client id (a tablet restored from a backup, a cloned
 * device). Yjs would drop the second device's edit silently as "already
 * known". Returns the client and the first clock that differs, or null.
 */
export function clientIdCollision(update: CheckedUpdate, doc: Y.Doc): { client: number; clock: number } | null {
  for (const s of update.decoded) {
    if (!(s instanceof Y.Item)) continue;
    const client = s.id.client;
    const known = Y.getState(doc.store, client);
    if (s.id.clock >= known) continue;
    const structs = doc.store.clients.get(client);
    if (!structs) continue;
    const end = Math.min(s.id.clock + s.length, known);
    for (let i = Y.findIndexSS(structs, s.id.clock); i < structs.length; i++) {
      const mine = structs[i];
      if (mine.id.clock >= end) break;
      if (!(mine instanceof Y.Item)) continue;
      const from = Math.max(mine.id.clock, s.id.clock);
      const to = Math.min(mine.id.clock + mine.length, end);
      if (to <= from) continue;
      const theirs = contentSignature(s, from - s.id.clock, to - from);
      const ours = contentSignature(mine, from - mine.id.clock, to - from);
      if (theirs === null || ours === null) continue;
      // An update names an item's key only when the item has no neighbours to locate it by (an item that
      // overwrites a map key carries the previous value as its origin, not the key).
      const keyed = s.origin === null && s.rightOrigin === null;
      if (theirs !== ours || (keyed && (s.parentSub ?? null) !== (mine.parentSub ?? null))) return { client, clock: from };
    }
  }
  return null;
}
