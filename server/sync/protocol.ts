import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * The y-websocket wire format, as spoken by the stock `WebsocketProvider`:
 * every message starts with a varuint type; sync messages carry a second
 * varuint sub-type and a length-prefixed payload.
 */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;

export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

/** A message from a client, decoded. Anything else is malformed. */
export type ClientMessage =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'sync-update'; update: Uint8Array; step: 'step2' | 'update' }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' };

/** Raised for any message that does not follow the wire format. */
export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMessageError';
  }
}

/** Decodes one client message; throws MalformedMessageError on bad varints, truncation or unknown types. */
export function decodeClientMessage(data: Uint8Array): ClientMessage {
  try {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === SYNC_STEP1) return { type: 'sync-step1', stateVector: payload };
      if (step === SYNC_STEP2) return { type: 'sync-update', update: payload, step: 'step2' };
      if (step === SYNC_UPDATE) return { type: 'sync-update', update: payload, step: 'update' };
      throw new MalformedMessageError('unknown sync message');
    }
    if (type === MESSAGE_AWARENESS) return { type: 'awareness', update: decoding.readVarUint8Array(decoder) };
    if (type === MESSAGE_QUERY_AWARENESS) return { type: 'query-awareness' };
    throw new MalformedMessageError('unknown message type');
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err;
    throw new MalformedMessageError('undecodable message');
  }
}

/** Sync step 1: the server's state vector, asking the client for what the server lacks. */
export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, SYNC_STEP1);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  return encoding.toUint8Array(encoder);
}

/** Sync step 1 from a state vector (what the server holds or has admitted). */
export function encodeSyncStep1FromVector(stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, SYNC_STEP1);
  encoding.writeVarUint8Array(encoder, stateVector);
  return encoding.toUint8Array(encoder);
}

/** Sync step 2: everything the client lacks given its state vector. Throws on a malformed vector. */
export function encodeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, SYNC_STEP2);
  encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(doc, stateVector));
  return encoding.toUint8Array(encoder);
}

export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, SYNC_UPDATE);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function encodeAwarenessMessage(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessUpdate);
  return encoding.toUint8Array(encoder);
}

/** One entry of an awareness update: which client, and whether it is leaving (null state). */
export interface AwarenessEntry {
  clientId: number;
  removed: boolean;
}

/** Presence limits: one editor sends its own state, a few hundred bytes (name, colour, cursor). */
export const PRESENCE_LIMITS = { maxEntries: 8, maxStateChars: 4096 } as const;

/**
 * Reads the client ids an awareness update touches, validating it fully
 * (including the JSON states and their size) before anything is applied, so
 * a bad update cannot half-apply. When `as` is given, each state's
 * `user.name` is replaced by it and the update re-encoded: others see the
 * name of the signed-in user, never one the client chose.
 */
export function readAwarenessEntries(update: Uint8Array, as?: { name: string }): { update: Uint8Array; entries: AwarenessEntry[] } {
  let parsed: { clientId: number; clock: number; state: unknown }[];
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    if (count > PRESENCE_LIMITS.maxEntries) throw new MalformedMessageError('too many presence states');
    parsed = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const json = decoding.readVarString(decoder);
      if (json.length > PRESENCE_LIMITS.maxStateChars) throw new MalformedMessageError('presence state too large');
      parsed.push({ clientId, clock, state: JSON.parse(json) as unknown });
    }
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err;
    throw new MalformedMessageError('undecodable awareness update');
  }
  const entries = parsed.map((p) => ({ clientId: p.clientId, removed: p.state === null }));
  if (!as) return { update, entries };
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, parsed.length);
  for (const p of parsed) {
    encoding.writeVarUint(encoder, p.clientId);
    encoding.writeVarUint(encoder, p.clock);
    encoding.writeVarString(encoder, JSON.stringify(withName(p.state, as.name)));
  }
  return { update: encoding.toUint8Array(encoder), entries };
}

function withName(state: unknown, name: string): unknown {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return state;
  const s = state as Record<string, unknown>;
  const user = typeof s.user === 'object' && s.user !== null && !Array.isArray(s.user) ? (s.user as Record<string, unknown>) : {};
  return { ...s, user: { ...user, name } };
}
