import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * Moves a device's edits from a Yjs client id another device also wrote
 * under (a tablet restored from a backup, a copied device, or two sessions
 * that drew the same random id) to a fresh one, so the server can take them.
 *
 * Yjs names every edit by (client id, clock). When the server already holds
 * other edits under the same names, it takes the device's as "already
 * known" and drops them; the server now refuses them instead and says from
 * which clock they differ. The device then rewrites its whole copy of the
 * document: every struct of that client from that clock on is renamed to a
 * new client id (clocks from 0), a struct that spans the clock is split
 * there, and every reference to a renamed struct (left and right origins,
 * parents, deletions) follows. Edits before the clock, which the server
 * holds identically, keep their names. Nothing is lost: the renamed edits
 * are new to the server and merge like any offline work.
 */

type Struct = Y.Item | Y.GC | Y.Skip;

export function reissueClient(update: Uint8Array, client: number, fromClock: number, to: number): Uint8Array {
  const { structs, ds } = Y.decodeUpdate(update);
  const moved = (id: Y.ID | null): boolean => id !== null && id.client === client && id.clock >= fromClock;
  const remap = (id: Y.ID): Y.ID => (moved(id) ? Y.createID(to, id.clock - fromClock) : id);

  const split: Struct[] = [];
  for (const s of structs as Struct[]) {
    const end = s.id.clock + s.length;
    if (s.id.client !== client || s.id.clock >= fromClock || end <= fromClock) {
      split.push(s);
      continue;
    }
    const diff = fromClock - s.id.clock;
    let right: Struct;
    if (s instanceof Y.Item) {
      right = new Y.Item(Y.createID(client, fromClock), null, Y.createID(client, fromClock - 1), null, s.rightOrigin, s.parent, s.parentSub, s.content.splice(diff));
    } else if (s instanceof Y.GC) {
      right = new Y.GC(Y.createID(client, fromClock), s.length - diff);
    } else {
      right = new Y.Skip(Y.createID(client, fromClock), s.length - diff);
    }
    s.length = diff;
    split.push(s, right);
  }

  const byClient = new Map<number, Struct[]>();
  for (const s of split) {
    const renamed = moved(s.id);
    const id = renamed ? remap(s.id) : s.id;
    (s as { id: Y.ID }).id = id;
    if (s instanceof Y.Item) {
      if (s.origin) s.origin = remap(s.origin);
      if (s.rightOrigin) s.rightOrigin = remap(s.rightOrigin);
      if (s.parent instanceof Y.ID) s.parent = remap(s.parent);
    }
    const list = byClient.get(id.client) ?? [];
    list.push(s);
    byClient.set(id.client, list);
  }

  const deletes = new Map<number, { clock: number; len: number }[]>();
  const addDelete = (c: number, clock: number, len: number) => {
    if (len <= 0) return;
    const list = deletes.get(c) ?? [];
    list.push({ clock, len });
    deletes.set(c, list);
  };
  for (const [c, ranges] of ds.clients) {
    for (const r of ranges) {
      if (c !== client || r.clock + r.len <= fromClock) addDelete(c, r.clock, r.len);
      else if (r.clock >= fromClock) addDelete(to, r.clock - fromClock, r.len);
      else {
        addDelete(c, r.clock, fromClock - r.clock);
        addDelete(to, 0, r.clock + r.len - fromClock);
      }
    }
  }

  // The v1 update format, as Yjs writes it: clients in descending order, each with its structs from the first clock.
  const encoder = new Y.UpdateEncoderV1();
  const clients = [...byClient.keys()].sort((a, b) => b - a);
  encoding.writeVarUint(encoder.restEncoder, clients.length);
  for (const c of clients) {
    const list = byClient.get(c)!.sort((a, b) => a.id.clock - b.id.clock);
    encoding.writeVarUint(encoder.restEncoder, list.length);
    encoder.writeClient(c);
    encoding.writeVarUint(encoder.restEncoder, list[0].id.clock);
    for (const s of list) s.write(encoder, 0);
  }
  const dsClients = [...deletes.keys()].sort((a, b) => b - a);
  encoding.writeVarUint(encoder.restEncoder, dsClients.length);
  for (const c of dsClients) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(encoder.restEncoder, c);
    const ranges = deletes.get(c)!.sort((a, b) => a.clock - b.clock);
    encoding.writeVarUint(encoder.restEncoder, ranges.length);
    for (const r of ranges) {
      encoder.writeDsClock(r.clock);
      encoder.writeDsLen(r.len);
    }
  }
  return encoder.toUint8Array();
}

/** A client id the update does not use yet. */
export function freshClientId(update: Uint8Array): number {
  const used = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update));
  let id: number;
  do id = Math.floor(Math.random() * 0xffffffff);
  while (used.has(id) || id === 0);
  return id;
}
