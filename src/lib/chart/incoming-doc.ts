import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { putEntry } from './clinical-doc';
import { migrate, nowIso } from './schema';

/**
 * Records that arrive by transfer or referral (a FHIR document or collection
 * Bundle from another clinic), waiting for a clinician to reconcile them
 * (ONC 170.315(b)(2)): allergies, problems and medications are never
 * written straight into the active lists. They are staged in the chart's
 * own `incoming` map, one entry per incoming record:
 *
 * - `pending`: shown in the "Reconcile incoming record" card, in no active
 *   list, no medication check and no patient summary;
 * - `accepted`: the record was written into its list (allergies,
 *   conditions, medications) under `targetId`, with its provenance (source,
 *   date, author) and who accepted it;
 * - `rejected`: kept with who, when and why; never deleted, so the
 *   reconciliation can be reviewed later and the same record is not offered
 *   again when the same clinic sends it again.
 *
 * A separate map rather than a flag on the active entries: every reader of
 * the active lists (the cards, the drug checks, the summary and the FHIR
 * export) keeps reading them unchanged, and an incoming record cannot leak
 * into them by a reader that forgot the flag. The decision is final
 * (server/policy/rules/incoming.ts).
 */

export const INCOMING_COLLECTIONS = ['allergies', 'conditions', 'medications'] as const;
export type IncomingCollection = (typeof INCOMING_COLLECTIONS)[number];
export const INCOMING_STATES = ['pending', 'accepted', 'rejected'] as const;
export type IncomingState = (typeof INCOMING_STATES)[number];

/** Where a record came from, as the sender names it. */
export interface IncomingSource {
  /** The sending system (import-source.ts): the key that decides what a later import may update. */
  sourceSystem: string;
  /** The sending organization's name, when the bundle names one. */
  sourceName?: string;
  /** The date the sender assembled the record (the Bundle's timestamp). */
  sourceDate?: string;
  /** Who recorded the entry at the sender, when given. */
  sourceAuthor?: string;
}

export interface IncomingInput extends IncomingSource {
  collection: IncomingCollection;
  /** The id the entry gets in its list when accepted (the import's deterministic entry id). */
  targetId: string;
  /** The entry's fields as its list stores them (map-chart.ts), sourceId included. */
  fields: Record<string, unknown>;
}

export interface IncomingRecord extends IncomingSource {
  id: string;
  collection: IncomingCollection;
  targetId: string;
  fields: Record<string, unknown>;
  /** What the record names (substance, problem, medication), for the card. */
  display: string;
  /** The first coding's system|code, for comparing with the chart. */
  code: string;
  status: IncomingState;
  receivedAt: string;
  decidedAt?: string;
  decidedBy?: string;
  rejectReason?: string;
}

type Entry = Y.Map<unknown>;
const incomingMap = (doc: Y.Doc) => doc.getMap('incoming') as Y.Map<Entry>;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function conceptOf(collection: IncomingCollection, fields: Record<string, unknown>): { text?: string; coding?: { system?: string; code?: string }[] } {
  const c = collection === 'medications' ? fields.medicationCodeableConcept : fields.code;
  return isRecord(c) ? (c as { text?: string; coding?: { system?: string; code?: string }[] }) : {};
}

export function displayOf(collection: IncomingCollection, fields: Record<string, unknown>): string {
  const c = conceptOf(collection, fields);
  return typeof c.text === 'string' && c.text ? c.text : 'Unnamed record';
}

export function codeKey(collection: IncomingCollection, fields: Record<string, unknown>): string {
  const first = conceptOf(collection, fields).coding?.find((x) => x?.code);
  return first ? `${first.system ?? ''}|${first.code}` : '';
}

/** Compares fields as stored (JSON), keys in any order. */
function sameFields(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** The fields an entry of the list holds now (for comparing an incoming version with what was accepted). */
function listFields(entry: unknown, keys: readonly string[]): Record<string, unknown> | null {
  if (!(entry instanceof Y.Map)) return null;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = entry.get(k);
    if (v !== undefined) out[k] = v instanceof Y.AbstractType ? v.toJSON() : v;
  }
  return out;
}

export type StageOutcome = 'staged' | 'unchanged';

/**
 * Stages one incoming record. The staged entry's id is derived by the
 * caller from the record's identity and content (`id`), so the same record
 * sent twice stages once; a record already accepted unchanged, or already
 * decided in this very version, is not offered again.
 */
export function stageIncoming(doc: Y.Doc, id: string, input: IncomingInput): StageOutcome {
  const map = incomingMap(doc);
  if (map.has(id)) return 'unchanged';
  const current = listFields(doc.getMap(input.collection).get(input.targetId), Object.keys(input.fields));
  if (current && sameFields(current, input.fields)) return 'unchanged';
  // An older version still pending is superseded by the newer one: one decision per record.
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    map.set(id, e);
    e.set('id', id);
    e.set('collection', input.collection);
    e.set('targetId', input.targetId);
    e.set('fields', input.fields);
    e.set('display', displayOf(input.collection, input.fields).slice(0, 300));
    e.set('sourceSystem', input.sourceSystem);
    if (input.sourceName) e.set('sourceName', input.sourceName);
    if (input.sourceDate) e.set('sourceDate', input.sourceDate);
    if (input.sourceAuthor) e.set('sourceAuthor', input.sourceAuthor);
    e.set('status', 'pending');
    e.set('receivedAt', nowIso());
  }, 'local');
  return 'staged';
}

function read(e: Entry, id: string): IncomingRecord | null {
  const collection = e.get('collection');
  const fields = e.get('fields');
  if (!(INCOMING_COLLECTIONS as readonly unknown[]).includes(collection) || !isRecord(fields)) return null;
  const c = collection as IncomingCollection;
  const s = (k: string) => (typeof e.get(k) === 'string' ? (e.get(k) as string) : undefined);
  const status = s('status');
  return {
    id,
    collection: c,
    targetId: s('targetId') ?? id,
    fields,
    display: s('display') ?? displayOf(c, fields),
    code: codeKey(c, fields),
    status: (INCOMING_STATES as readonly string[]).includes(status ?? '') ? (status as IncomingState) : 'pending',
    receivedAt: s('receivedAt') ?? '',
    sourceSystem: s('sourceSystem') ?? '',
    ...(s('sourceName') ? { sourceName: s('sourceName') } : {}),
    ...(s('sourceDate') ? { sourceDate: s('sourceDate') } : {}),
    ...(s('sourceAuthor') ? { sourceAuthor: s('sourceAuthor') } : {}),
    ...(s('decidedAt') ? { decidedAt: s('decidedAt') } : {}),
    ...(s('decidedBy') ? { decidedBy: s('decidedBy') } : {}),
    ...(s('rejectReason') ? { rejectReason: s('rejectReason') } : {})
  };
}

/** Every incoming record, oldest first. */
export function listIncoming(doc: Y.Doc): IncomingRecord[] {
  const out: IncomingRecord[] = [];
  incomingMap(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const r = read(e, id);
    if (r) out.push(r);
  });
  return out.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.collection.localeCompare(b.collection) || a.display.localeCompare(b.display));
}

/** Records waiting for a decision; when two versions of one record wait, only the newest is offered. */
export function pendingIncoming(doc: Y.Doc): IncomingRecord[] {
  const latest = new Map<string, IncomingRecord>();
  for (const r of listIncoming(doc)) if (r.status === 'pending') latest.set(`${r.collection}/${r.targetId}`, r);
  return [...latest.values()];
}

function pendingOrThrow(doc: Y.Doc, id: string): { entry: Entry; record: IncomingRecord } {
  const entry = incomingMap(doc).get(id);
  const record = entry instanceof Y.Map ? read(entry, id) : null;
  if (!entry || !record) throw new AppError('not-found', 'That incoming record is not in this chart');
  if (record.status !== 'pending') throw new AppError('conflict', `This incoming record was already ${record.status}`);
  return { entry, record };
}

function decide(entry: Entry, status: 'accepted' | 'rejected', actor: Actor, at: string): void {
  entry.set('status', status);
  entry.set('decidedAt', at);
  entry.set('decidedBy', actor.name);
  entry.set('decidedById', actor.id);
}

/**
 * Accepts an incoming record: it becomes (or updates) the entry `targetId`
 * of its list, carrying its provenance, attributed to the clinician who
 * accepted it. An entry recorded here under that id (no `sourceId`) is
 * never overwritten.
 */
export function acceptIncoming(doc: Y.Doc, id: string, actor: Actor): void {
  const { entry, record } = pendingOrThrow(doc, id);
  const existing = doc.getMap(record.collection).get(record.targetId);
  if (existing instanceof Y.Map && !existing.get('sourceId')) throw new AppError('conflict', 'An entry recorded here has this id; it is not replaced');
  const at = nowIso();
  const provenance = {
    sourceSystem: record.sourceSystem,
    sourceName: record.sourceName,
    sourceDate: record.sourceDate,
    sourceAuthor: record.sourceAuthor,
    reconciledAt: at,
    reconciledBy: actor.name,
    reconciledById: actor.id
  };
  migrate(doc);
  doc.transact(() => {
    putEntry(doc, record.collection, record.targetId, { ...record.fields, ...provenance }, actor);
    decide(entry, 'accepted', actor, at);
    // Older versions of the same record still pending are settled by this decision.
    for (const other of listIncoming(doc)) {
      if (other.id !== id && other.status === 'pending' && other.collection === record.collection && other.targetId === record.targetId) {
        const e = incomingMap(doc).get(other.id)!;
        decide(e, 'rejected', actor, at);
        e.set('rejectReason', 'Superseded by a newer version of the same record');
      }
    }
  }, 'local');
}

/** Rejects an incoming record, with the reason; it stays in the chart as rejected. */
export function rejectIncoming(doc: Y.Doc, id: string, reason: string, actor: Actor): void {
  const why = reason.trim();
  if (!why) throw new AppError('invalid', 'Give a reason for rejecting the record', [{ path: 'reason', message: 'A reason is required' }]);
  if (why.length > 500) throw new AppError('invalid', 'The reason is too long', [{ path: 'reason', message: 'At most 500 characters' }]);
  const { entry } = pendingOrThrow(doc, id);
  migrate(doc);
  doc.transact(() => {
    decide(entry, 'rejected', actor, nowIso());
    entry.set('rejectReason', why);
  }, 'local');
}
