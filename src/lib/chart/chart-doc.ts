import * as Y from 'yjs';
import { z } from 'zod';
import {
  allergyInputSchema,
  conditionInputSchema,
  encounterInputSchema,
  NOTE_SECTIONS,
  CHART_COLLECTIONS,
  type Actor,
  type Allergy,
  type AllergyInput,
  type ChartCollection,
  type Condition,
  type ConditionInput,
  type Encounter,
  type EncounterInput,
  type NoteSection,
  type NoteState
} from '../domain/chart';
import { AppError } from '../domain/errors';
import { addendumText, errorReason, transition, type NoteLifecycle } from '../domain/note-state';
import { metaOf, migrate, newId, nowIso, str, SCHEMA_VERSION } from './schema';
import { entryConflicts, fieldValue, readEdits, recordFieldEdits, resolveFieldConflict, type FieldConflict } from './field-edits';

/**
 * Typed access to a `chart:<uuid>` document. Each collection is a top-level
 * Y.Map keyed by entry id; each entry is a Y.Map of FHIR-named fields, so
 * two devices editing different fields of one entry both keep their edit.
 * Note sections are Y.Text so two people can type in one note at once.
 */

type Entry = Y.Map<unknown>;

export function collection(doc: Y.Doc, name: ChartCollection): Y.Map<Entry> {
  return doc.getMap(name) as Y.Map<Entry>;
}

/**
 * Starts a chart, or the restricted part of one (`restricted:<patient>`,
 * the notes and problems a patient asked to restrict): both hold the same
 * collections, written with the same functions.
 */
export function initChartDoc(doc: Y.Doc, patientId: string, kind: 'chart' | 'restricted' = 'chart'): void {
  doc.transact(() => {
    const meta = metaOf(doc);
    if (meta.get('schemaVersion') === undefined) meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', kind);
    meta.set('patientId', patientId);
    for (const c of CHART_COLLECTIONS) doc.getMap(c);
  }, 'local');
}

function invalid(what: string, err: { issues: { path: PropertyKey[]; message: string }[] }): AppError {
  return new AppError(
    'invalid',
    `The ${what} is not valid`,
    err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
  );
}

function stamp(entry: Entry, actor: Actor, created: boolean): void {
  const now = nowIso();
  if (created) {
    entry.set('createdAt', now);
    entry.set('createdBy', actor.name);
  }
  entry.set('updatedAt', now);
  entry.set('updatedBy', actor.name);
}

function provenance(e: Entry) {
  return {
    createdAt: str(e, 'createdAt'),
    createdBy: str(e, 'createdBy'),
    updatedAt: str(e, 'updatedAt'),
    updatedBy: str(e, 'updatedBy'),
    enteredInErrorAt: str(e, 'enteredInErrorAt') || undefined,
    enteredInErrorBy: str(e, 'enteredInErrorBy') || undefined,
    enteredInErrorReason: str(e, 'enteredInErrorReason') || undefined
  };
}

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function codeOf(e: Entry): { text: string; coding?: { system?: string; code?: string; display?: string }[] } {
  const c = e.get('code');
  if (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string') {
    return c as { text: string };
  }
  return { text: '' };
}

// ── Allergies ────────────────────────────────────────────────────────────

export function addAllergy(doc: Y.Doc, input: AllergyInput, actor: Actor, id: string = newId()): string {
  const parsed = allergyInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('allergy', parsed.error);
  const a = parsed.data;
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    collection(doc, 'allergies').set(id, e);
    e.set('resourceType', 'AllergyIntolerance');
    e.set('id', id);
    e.set('code', { text: a.substance, ...(a.coding ? { coding: a.coding } : {}) });
    e.set('category', a.category);
    e.set('criticality', a.criticality);
    e.set('reaction', a.reaction);
    e.set('severity', a.severity);
    e.set('clinicalStatus', 'active');
    e.set('verificationStatus', a.verificationStatus);
    e.set('recordedDate', a.recordedDate ?? nowIso().slice(0, 10));
    stamp(e, actor, true);
  }, 'local');
  return id;
}

export function listAllergies(doc: Y.Doc): Allergy[] {
  const out: Allergy[] = [];
  collection(doc, 'allergies').forEach((e, id) => {
    const edits = readEdits(e);
    const field = (k: string) => fieldValue(e, k, edits);
    out.push({
      id,
      code: codeOf(e),
      category: pick(e.get('category'), ['medication', 'food', 'environment', 'biologic'], 'medication'),
      criticality: pick(field('criticality'), ['low', 'high', 'unable-to-assess'], 'unable-to-assess'),
      reaction: field('reaction'),
      severity: pick(field('severity'), ['mild', 'moderate', 'severe', ''], ''),
      clinicalStatus: pick(field('clinicalStatus'), ['active', 'inactive', 'resolved'], 'active'),
      verificationStatus: pick(
        e.get('verificationStatus'),
        ['unconfirmed', 'confirmed', 'refuted', 'entered-in-error'],
        'unconfirmed'
      ),
      recordedDate: str(e, 'recordedDate'),
      ...provenance(e)
    });
  });
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Allergy fields edited after entry; their edits are recorded so concurrent changes surface as conflicts. */
export const ALLERGY_EDITABLE = ['reaction', 'severity', 'criticality', 'clinicalStatus'] as const;

/**
 * Edits fields of an existing allergy (reaction, severity, criticality,
 * status). Each change is recorded with who and when (see field-edits.ts),
 * so an edit made on another device while apart is kept and flagged rather
 * than overwritten.
 */
export function updateAllergy(
  doc: Y.Doc,
  id: string,
  changes: Partial<Pick<Allergy, (typeof ALLERGY_EDITABLE)[number]>>,
  actor: Actor
): void {
  const e = entryOrThrow(doc, 'allergies', id);
  const reaction = changes.reaction?.trim();
  if (reaction !== undefined && reaction.length > 500) {
    throw new AppError('invalid', 'The reaction is too long', [{ path: 'reaction', message: 'At most 500 characters' }]);
  }
  doc.transact(() => {
    if (recordFieldEdits(e, { ...changes, reaction }, actor) > 0) stamp(e, actor, false);
  }, 'local');
}

// ── Problems ─────────────────────────────────────────────────────────────

export function addCondition(doc: Y.Doc, input: ConditionInput, actor: Actor, id: string = newId()): string {
  const parsed = conditionInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('problem', parsed.error);
  const c = parsed.data;
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    collection(doc, 'conditions').set(id, e);
    e.set('resourceType', 'Condition');
    e.set('id', id);
    e.set('code', { text: c.text, ...(c.coding ? { coding: c.coding } : {}) });
    e.set('clinicalStatus', c.clinicalStatus);
    e.set('verificationStatus', 'confirmed');
    e.set('onsetDate', c.onsetDate);
    e.set('abatementDate', c.abatementDate);
    e.set('note', c.note);
    e.set('recordedDate', nowIso().slice(0, 10));
    stamp(e, actor, true);
  }, 'local');
  return id;
}

/** Problem fields edited after entry; recorded like allergy edits. */
export const CONDITION_EDITABLE = ['clinicalStatus', 'onsetDate', 'abatementDate', 'note'] as const;

/** Edits fields of an existing problem; concurrent changes surface as conflicts (see field-edits.ts). */
export function updateCondition(
  doc: Y.Doc,
  id: string,
  changes: Partial<Pick<Condition, (typeof CONDITION_EDITABLE)[number]>>,
  actor: Actor
): void {
  const e = entryOrThrow(doc, 'conditions', id);
  doc.transact(() => {
    if (recordFieldEdits(e, changes, actor) > 0) stamp(e, actor, false);
  }, 'local');
}

export function listConditions(doc: Y.Doc): Condition[] {
  const out: Condition[] = [];
  collection(doc, 'conditions').forEach((e, id) => {
    const edits = readEdits(e);
    const field = (k: string) => fieldValue(e, k, edits);
    out.push({
      id,
      code: codeOf(e),
      clinicalStatus: pick(
        field('clinicalStatus'),
        ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'],
        'active'
      ),
      verificationStatus: pick(
        e.get('verificationStatus'),
        ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error'],
        'confirmed'
      ),
      onsetDate: field('onsetDate'),
      abatementDate: field('abatementDate'),
      note: field('note'),
      recordedDate: str(e, 'recordedDate'),
      ...provenance(e)
    });
  });
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

// ── Concurrent-edit conflicts ────────────────────────────────────────────

/** Collections whose entries record field edits, and which fields. */
export const EDITABLE_FIELDS = { allergies: ALLERGY_EDITABLE, conditions: CONDITION_EDITABLE } as const;
export type EditableCollection = keyof typeof EDITABLE_FIELDS;

/** An entry that needs review because devices changed the same field while apart. */
export interface EntryConflicts {
  collection: EditableCollection;
  entryId: string;
  conflicts: FieldConflict[];
}

/** Open conflicts of one entry (empty when it needs no review). */
export function conflictsOf(doc: Y.Doc, name: EditableCollection, entryId: string): FieldConflict[] {
  const e = collection(doc, name).get(entryId);
  return e instanceof Y.Map ? entryConflicts(e, EDITABLE_FIELDS[name]) : [];
}

/** Every entry of the chart that needs review, for the summary. Entries in error are left out. */
export function chartConflicts(doc: Y.Doc): EntryConflicts[] {
  const out: EntryConflicts[] = [];
  for (const name of Object.keys(EDITABLE_FIELDS) as EditableCollection[]) {
    collection(doc, name).forEach((e, entryId) => {
      if (!(e instanceof Y.Map) || e.get('verificationStatus') === 'entered-in-error') return;
      const conflicts = entryConflicts(e, EDITABLE_FIELDS[name]);
      if (conflicts.length > 0) out.push({ collection: name, entryId, conflicts });
    });
  }
  return out;
}

/**
 * A clinician keeps one of the values of a conflicted field (`chosenEditId`
 * is one of the conflict's candidates). Recorded as an edit, with who and
 * when; the other values stay in the entry's history.
 */
export function resolveConflict(doc: Y.Doc, name: EditableCollection, entryId: string, field: string, chosenEditId: string, actor: Actor): void {
  if (!(EDITABLE_FIELDS[name] as readonly string[]).includes(field)) throw new AppError('invalid', 'That field cannot be edited here');
  const e = entryOrThrow(doc, name, entryId);
  doc.transact(() => {
    resolveFieldConflict(e, field, chosenEditId, actor);
    stamp(e, actor, false);
  }, 'local');
}

// ── Entered in error (any collection) ────────────────────────────────────

function entryOrThrow(doc: Y.Doc, name: ChartCollection, id: string): Entry {
  const e = collection(doc, name).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That entry is not in this chart');
  return e;
}

/**
 * Marks an entry as recorded by mistake. Nothing is deleted: the entry stays
 * in the chart, struck through, with who, when and why.
 */
export function markEnteredInError(
  doc: Y.Doc,
  name: 'allergies' | 'conditions' | 'encounters',
  id: string,
  reason: string,
  actor: Actor
): void {
  const why = reason.trim();
  if (!why) throw new AppError('invalid', 'Say why the entry was recorded in error', [{ path: 'reason', message: 'Required' }]);
  const e = entryOrThrow(doc, name, id);
  if (name === 'encounters') transition(noteLifecycle(doc, id), 'enter-in-error');
  doc.transact(() => {
    if (name === 'encounters') e.set('status', 'entered-in-error');
    else e.set('verificationStatus', 'entered-in-error');
    e.set('enteredInErrorAt', nowIso());
    e.set('enteredInErrorBy', actor.name);
    e.set('enteredInErrorReason', why.slice(0, 500));
    stamp(e, actor, false);
  }, 'local');
}

// ── Encounters and notes ─────────────────────────────────────────────────

export function addEncounter(doc: Y.Doc, input: EncounterInput, actor: Actor, id: string = newId()): string {
  const parsed = encounterInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('visit', parsed.error);
  const v = parsed.data;
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    collection(doc, 'encounters').set(id, e);
    e.set('resourceType', 'Encounter');
    e.set('id', id);
    e.set('class', v.class);
    e.set('type', v.type);
    e.set('reason', v.reason);
    e.set('start', v.start ?? nowIso());
    e.set('end', '');
    e.set('status', 'in-progress');
    const note = new Y.Map<unknown>();
    e.set('note', note);
    for (const s of NOTE_SECTIONS) note.set(s, new Y.Text());
    note.set('status', 'draft');
    stamp(e, actor, true);
  }, 'local');
  return id;
}

function noteMap(doc: Y.Doc, encounterId: string): Y.Map<unknown> {
  const e = entryOrThrow(doc, 'encounters', encounterId);
  const note = e.get('note');
  if (!(note instanceof Y.Map)) throw new AppError('not-found', 'This visit has no note');
  return note;
}

/** The shared text of one note section, for binding to an editor. */
export function noteSection(doc: Y.Doc, encounterId: string, section: NoteSection): Y.Text {
  const t = noteMap(doc, encounterId).get(section);
  if (!(t instanceof Y.Text)) throw new AppError('not-found', 'This note section does not exist');
  return t;
}

export function noteState(doc: Y.Doc, encounterId: string): NoteState {
  return noteStateOf(noteMap(doc, encounterId));
}

/**
 * The signature of a note: who, when and the text they signed, written as
 * one value so two devices signing while apart can never mix one signer's
 * name with the other's time or text (the map keeps one whole signature).
 */
export interface NoteSignature {
  by: string;
  byId: string;
  at: string;
  /** The note as signed, section by section: the legal record. Absent for notes signed before snapshots were kept. */
  text?: Record<NoteSection, string>;
}

/** A signed, dated correction or addition to a signed note. Immutable once written. */
export interface Addendum {
  id: string;
  text: string;
  by: string;
  byId: string;
  at: string;
}

const sectionText = z.object(Object.fromEntries(NOTE_SECTIONS.map((s) => [s, z.string()])) as Record<NoteSection, z.ZodString>);
const signatureSchema = z.object({ by: z.string(), byId: z.string().default(''), at: z.string(), text: sectionText.optional() });
const addendumSchema = z.object({ id: z.string(), text: z.string(), by: z.string(), byId: z.string().default(''), at: z.string() });
const reviewSchema = z.object({ by: z.string(), at: z.string(), text: sectionText });
const ADDENDUM_PREFIX = 'addendum:';

function signatureOf(note: Y.Map<unknown>): NoteSignature | null {
  if (note.get('status') !== 'signed') return null;
  const parsed = signatureSchema.safeParse(note.get('signature'));
  if (parsed.success) return parsed.data;
  // Signed before the signature was kept as one value.
  return { by: str(note, 'signedBy'), byId: '', at: str(note, 'signedAt') };
}

function noteStateOf(note: Y.Map<unknown>): NoteState {
  const sig = signatureOf(note);
  return sig ? { status: 'signed', signedBy: sig.by, signedAt: sig.at } : { status: 'draft' };
}

function addendaOf(note: Y.Map<unknown>): Addendum[] {
  const out: Addendum[] = [];
  note.forEach((v, k) => {
    if (!k.startsWith(ADDENDUM_PREFIX)) return;
    const parsed = addendumSchema.safeParse(v);
    if (parsed.success && parsed.data.id === k.slice(ADDENDUM_PREFIX.length)) out.push(parsed.data);
  });
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

function liveText(note: Y.Map<unknown>): Record<NoteSection, string> {
  const out = {} as Record<NoteSection, string>;
  for (const s of NOTE_SECTIONS) {
    const t = note.get(s);
    out[s] = t instanceof Y.Text ? t.toString() : '';
  }
  return out;
}

/** Where a note is in its life (see domain/note-state.ts). */
export function noteLifecycle(doc: Y.Doc, encounterId: string): NoteLifecycle {
  const e = entryOrThrow(doc, 'encounters', encounterId);
  if (e.get('status') === 'entered-in-error') return 'entered-in-error';
  const note = e.get('note');
  if (!(note instanceof Y.Map) || note.get('status') !== 'signed') return 'draft';
  return addendaOf(note).length > 0 ? 'amended' : 'signed';
}

/**
 * Signs a visit note: it is locked from then on and corrections are
 * addenda. The text as signed is kept with the signature, because the
 * sections are shared text: a colleague whose device was offline when the
 * note was signed may have typed into the draft, and that typing merges in
 * when their device reconnects. The signed copy stays the legal record;
 * `signedNote` reports any such late text so the signer can review it and
 * add it as an addendum. Signing an already signed note is refused so the
 * original signer and time are never overwritten.
 */
export function signNote(doc: Y.Doc, encounterId: string, actor: Actor): void {
  transition(noteLifecycle(doc, encounterId), 'sign');
  const note = noteMap(doc, encounterId);
  doc.transact(() => {
    const at = nowIso();
    const signature: NoteSignature = { by: actor.name, byId: actor.id, at, text: liveText(note) };
    note.set('signature', signature);
    note.set('status', 'signed');
    note.set('signedBy', actor.name);
    note.set('signedAt', at);
    const e = entryOrThrow(doc, 'encounters', encounterId);
    e.set('status', 'finished');
    if (!str(e, 'end')) e.set('end', at);
    stamp(e, actor, false);
  }, 'local');
}

/** Adds a signed addendum to a signed note; returns its id. A draft is edited instead (NoteTransitionError). */
export function addAddendum(doc: Y.Doc, encounterId: string, text: string, actor: Actor, id: string = newId()): string {
  transition(noteLifecycle(doc, encounterId), 'add-addendum');
  const body = addendumText(text);
  const note = noteMap(doc, encounterId);
  doc.transact(() => {
    const addendum: Addendum = { id, text: body, by: actor.name, byId: actor.id, at: nowIso() };
    note.set(ADDENDUM_PREFIX + id, addendum);
    stamp(entryOrThrow(doc, 'encounters', encounterId), actor, false);
  }, 'local');
  return id;
}

/** What a signed note holds: the signature, the record as signed, addenda, and text that arrived after signing. */
export interface SignedNote {
  signature: NoteSignature;
  /** The legal record: the text as signed (the live text for notes signed before snapshots were kept). */
  record: Record<NoteSection, string>;
  addenda: Addendum[];
  /** Sections whose shared text changed after signing (merged from a device that had not seen the signature), not yet reviewed. */
  lateEdits: { section: NoteSection; text: string }[];
  /** Who last reviewed late text, if anyone did. */
  reviewed?: { by: string; at: string };
}

/** The signed view of a note, or null while it is a draft. */
export function signedNote(doc: Y.Doc, encounterId: string): SignedNote | null {
  const note = noteMap(doc, encounterId);
  const signature = signatureOf(note);
  if (!signature) return null;
  const live = liveText(note);
  const record = signature.text ?? live;
  const review = reviewSchema.safeParse(note.get('lateEditsReviewed'));
  const seen = review.success ? review.data.text : record;
  const lateEdits = NOTE_SECTIONS.filter((s) => live[s] !== record[s] && live[s] !== seen[s]).map((s) => ({ section: s, text: live[s] }));
  return {
    signature,
    record,
    addenda: addendaOf(note),
    lateEdits,
    ...(review.success ? { reviewed: { by: review.data.by, at: review.data.at } } : {})
  };
}

/**
 * The signer (or a colleague) has looked at text that arrived after signing
 * and dealt with it (usually by adding it as an addendum). The signed copy
 * is untouched; the flag stays down until the shared text changes again.
 */
export function reviewLateEdits(doc: Y.Doc, encounterId: string, actor: Actor): void {
  const note = noteMap(doc, encounterId);
  if (!signatureOf(note)) throw new AppError('conflict', 'Only a signed note has late edits to review');
  doc.transact(() => note.set('lateEditsReviewed', { by: actor.name, at: nowIso(), text: liveText(note) }), 'local');
}

export function listEncounters(doc: Y.Doc): Encounter[] {
  const out: Encounter[] = [];
  collection(doc, 'encounters').forEach((e, id) => {
    const n = e.get('note');
    const note: NoteState = n instanceof Y.Map ? noteStateOf(n) : { status: 'draft' };
    out.push({
      id,
      class: pick(e.get('class'), ['ambulatory', 'virtual', 'home', 'emergency'], 'ambulatory'),
      type: str(e, 'type'),
      reason: str(e, 'reason'),
      start: str(e, 'start'),
      end: str(e, 'end'),
      status: pick(e.get('status'), ['in-progress', 'finished', 'cancelled', 'entered-in-error'], 'in-progress'),
      note,
      ...provenance(e)
    });
  });
  return out.sort((a, b) => b.start.localeCompare(a.start));
}

/** Plain text of a whole note, for previews and search. */
export function noteText(doc: Y.Doc, encounterId: string): Record<NoteSection, string> {
  const out = {} as Record<NoteSection, string>;
  for (const s of NOTE_SECTIONS) out[s] = noteSection(doc, encounterId, s).toString();
  return out;
}
