import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { stageIncoming, type IncomingCollection } from '../../src/lib/chart/incoming-doc';
import type { PatientSummary } from '../../src/lib/domain/patient';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { clinicalFields, putEntry, type PutOutcome } from '../../src/lib/chart/clinical-doc';
import { demographicsDiff, proposeDemographics } from '../../src/lib/chart/demographics-review-doc';
import { initPatientDoc, patientMap, readPatient } from '../../src/lib/chart/patient-doc';
import { metaOf } from '../../src/lib/chart/schema';
import { NOTE_SECTIONS, type Actor } from '../../src/lib/domain/chart';
import type { ClinicalCollection } from '../../src/lib/domain/clinical';
import { docName, isUuid } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import type { SyncService } from '../types';
import type { FhirStore, KeptOutcome } from './fhir-store';
import { nameUuid } from './ids';
import { importRefusal, type ImportRefusal } from './import-guard';
import { importSource } from './import-source';
import type { Identifier } from './map-patient';
import { KeyedQueue } from './keyed-queue';
import { matchPatient, sameNameAndBirth, transferKeys, type MatchReason } from './patient-match';
import { mapEntry, type ChartWrite } from './map-chart';
import { validateBundle, type BundleEntry, type ValidBundle } from './validate-bundle';
import { transactionResponse, type EntryResult, type TransactionResponse } from './transaction-response';

/**
 * FHIR transaction Bundle → one patient's `patient:` and `chart:` documents.
 *
 * 1. The whole bundle is validated and mapped first; a bad bundle writes nothing.
 * 2. The patient is matched within the caller's clinic (earlier import of the
 *    same Patient id or MR identifier, or a document already named by the
 *    Patient's UUID), so a re-import updates instead of duplicating.
 * 3. The documents are loaded, brought up to the bundle with writes that only
 *    touch changed values, and only the difference is stored, through the
 *    sync service so open devices see it live and attribution is the caller's.
 *    Importing the same bundle twice stores nothing the second time.
 * 4. An import creates entries, and updates only those it created from the
 *    same source (import-source.ts, import-guard.ts). An id that names an
 *    entry recorded in Outpost, a signed prescription or another source's
 *    entry is refused for that entry alone, reported in the
 *    transaction-response, and the rest of the bundle goes on; links from
 *    other entries to a refused one are dropped rather than pointed at the
 *    entry that owns the id.
 * 5. The demographics of a patient the clinic already has are never
 *    overwritten: different values become a proposal that staff accept or
 *    reject on the record (demographics-review-doc.ts). Identifiers are only
 *    added to.
 * 6. A document or collection Bundle is a record another clinic sent
 *    (transfer or referral). Its patient is matched by identifiers, else by
 *    name and birth date (patient-match.ts); when that is not certain the
 *    whole record is held for a clinician's match review and nothing is
 *    written (MatchReviewPending). Its allergies, problems and medications
 *    are staged as incoming records for reconciliation, never written into
 *    the active lists (incoming-doc.ts); everything it writes records where
 *    it came from: the sending system, organization, date and author.
 */

/** A transferred record whose patient could not be matched with certainty: held for review, nothing written. */
export class MatchReviewPending extends Error {
  constructor(
    readonly reviewId: string,
    readonly reason: MatchReason,
    readonly candidates: number
  ) {
    super('The record awaits a match review');
  }
}

export interface ImportOptions {
  /** A match review's decision: this patient of the clinic, or a new one. */
  patient?: { id: string } | 'new';
}

export interface ImportCaller {
  userId: string;
  /** Shown in entries' provenance lines (createdBy/updatedBy). */
  name: string;
  clinicId: string;
}

export interface ImportSummary {
  patientId: string;
  newPatient: boolean;
  created: number;
  updated: number;
  unchanged: number;
  kept: number;
  /** Entries refused because their id names an entry this import may not change. */
  refused: number;
  /** Refusals by reason (counts only). */
  refusedReasons: Partial<Record<ImportRefusal, number>>;
  /** Whether different demographics were put up for review (never applied). */
  demographicsProposed: boolean;
  /** Resource counts by type (no content), for the audit entry. */
  types: Record<string, number>;
  /** Whether each document received an update. */
  wrote: { patient: boolean; chart: boolean };
  /** Records staged for reconciliation (sent by another clinic), by chart collection. */
  staged: Partial<Record<IncomingCollection, number>>;
  /** How the patient was found (transfers): by identifier, by name and birth date, a new patient, or chosen in a match review. */
  matchedBy?: 'identifier' | 'name-birthdate' | 'new' | 'chosen';
}

export interface FhirImporter {
  importBundle(caller: ImportCaller, body: unknown, options?: ImportOptions): Promise<{ response: TransactionResponse; summary: ImportSummary }>;
}

interface Planned {
  entry: BundleEntry;
  write: ChartWrite | null;
  fields?: Record<string, unknown>;
}

const STAGED = new Set<string>(['allergies', 'conditions', 'medications']);
const TRANSFER_PROVENANCE = ['sourceName', 'sourceDate', 'sourceAuthor'] as const;

export function createFhirImporter(deps: { sync: SyncService; store: FhirStore; patients?: { list(clinicId: string): PatientSummary[] } }): FhirImporter {
  const queue = new KeyedQueue();

  /** The patient of a transfer (document or collection Bundle); throws MatchReviewPending when not certain. */
  async function resolveTransfer(caller: ImportCaller, bundle: ValidBundle, source: string, body: unknown, options: ImportOptions | undefined) {
    const { resource, mapped, fullUrl } = bundle.patient;
    const sources = transferKeys(source, resource.id, mapped.identifiers);
    const clinicId = caller.clinicId;
    const chosen = options?.patient;
    if (chosen === 'new') return { id: randomUUID(), sources, matchedBy: 'chosen' as const };
    if (chosen) {
      if (!(await exists(chosen.id, clinicId))) throw new AppError('not-found', 'No such patient in this clinic');
      return { id: chosen.id, sources, matchedBy: 'chosen' as const };
    }
    // The clinic's own patient coming back (sent here before, then returned): its id names it.
    const own = resource.id?.toLowerCase();
    if (own && isUuid(own) && (await exists(own, clinicId))) return { id: own, sources, matchedBy: 'identifier' as const };
    const linked = deps.store.linkedPatients(clinicId, sources);
    const alike = linked.length ? [] : (deps.patients?.list(clinicId) ?? []).filter((p) => sameNameAndBirth(mapped.input, { family: p.name.family, given: p.name.given, birthDate: p.birthDate }));
    const candidates = [];
    for (const p of alike) candidates.push({ id: p.id, identifiers: await identifiersOf(p.id, clinicId) });
    const match = matchPatient({ ...mapped.input, identifiers: mapped.identifiers }, linked, candidates);
    if (match.kind === 'matched') return { id: match.patientId, sources, matchedBy: match.by };
    if (match.kind === 'new') return { id: nameUuid(`${clinicId}|${sources[0] ?? fullUrl ?? JSON.stringify(mapped.input)}`), sources, matchedBy: 'new' as const };
    const reviewId = nameUuid(`match-review|${clinicId}|${sources[0] ?? fullUrl ?? JSON.stringify(mapped.input)}`);
    deps.store.holdForReview({ id: reviewId, clinicId, reason: match.reason, candidates: match.candidates, source, bundle: JSON.stringify(body), userId: caller.userId });
    throw new MatchReviewPending(reviewId, match.reason, match.candidates.length);
  }

  async function exists(patientId: string, clinicId: string): Promise<boolean> {
    try {
      return (await deps.sync.readState(docName('patient', patientId), clinicId)) !== null;
    } catch (err) {
      if (err instanceof AppError && err.code === 'forbidden') return false;
      throw err;
    }
  }

  async function identifiersOf(patientId: string, clinicId: string): Promise<Identifier[]> {
    const state = await deps.sync.readState(docName('patient', patientId), clinicId);
    if (!state) return [];
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    const stored = patientMap(doc).get('identifier');
    doc.destroy();
    return Array.isArray(stored) ? (stored as Identifier[]) : [];
  }

  async function resolvePatient(clinicId: string, bundle: ValidBundle): Promise<{ id: string; sources: string[] }> {
    const { resource, mapped, fullUrl } = bundle.patient;
    const sources = [
      ...(resource.id ? [`Patient/${resource.id}`] : []),
      ...(mapped.mr ? [`mr|${mapped.mr.system ?? ''}|${mapped.mr.value}`] : [])
    ];
    const linked = deps.store.findPatient(clinicId, sources);
    if (linked) return { id: linked, sources };
    const derived = nameUuid(`${clinicId}|${sources[0] ?? fullUrl ?? JSON.stringify(mapped.input)}`);
    const own = resource.id?.toLowerCase();
    if (!own || !isUuid(own)) return { id: derived, sources };
    try {
      // A document with this UUID in the caller's clinic is this patient (the demo seed names patients by their Patient id).
      await deps.sync.readState(docName('patient', own), clinicId);
      return { id: own, sources };
    } catch (err) {
      // The UUID is taken by another clinic: this clinic's copy gets its own id.
      if (err instanceof AppError && err.code === 'forbidden') return { id: derived, sources };
      throw err;
    }
  }

  async function load(name: string, clinicId: string): Promise<{ doc: Y.Doc; before: Uint8Array }> {
    const doc = new Y.Doc();
    const state = await deps.sync.readState(name, clinicId);
    if (state) Y.applyUpdate(doc, state);
    return { doc, before: Y.encodeStateVector(doc) };
  }

  /** Stores what changed since `before`; false when nothing did. */
  async function store(name: string, clinicId: string, doc: Y.Doc, before: Uint8Array, userId: string): Promise<boolean> {
    if (Buffer.from(Y.encodeStateVector(doc)).equals(Buffer.from(before))) return false;
    await deps.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc, before), userId);
    return true;
  }

  return {
    async importBundle(caller, body, options) {
      const bundle = validateBundle(body);
      const source = importSource(body, bundle.patient.mapped);
      const transfer = bundle.type !== 'transaction';
      const sent = transfer ? transferProvenance(body, bundle) : {};
      const plan = bundle.entries.map((entry): Planned => {
        const write = entry.type === 'Patient' ? null : mapEntry(entry, bundle);
        if (!write) return { entry, write };
        const fields = isClinical(write.collection) ? clinicalFields(write.collection, write.fields as never) : (write.fields as Record<string, unknown>);
        const author = transfer ? authorOf(entry.resource) : undefined;
        return { entry, write, fields: { ...fields, sourceSystem: source, ...sent, ...(author ? { sourceAuthor: author } : {}) } };
      });
      const { id: patientId, sources, matchedBy } = transfer ? await resolveTransfer(caller, bundle, source, body, options) : { ...(await resolvePatient(caller.clinicId, bundle)), matchedBy: undefined };
      const actor: Actor = { id: caller.userId, name: caller.name };

      return queue.run(patientId, async () => {
        const patient = await load(docName('patient', patientId), caller.clinicId);
        const chart = await load(docName('chart', patientId), caller.clinicId);
        const newPatient = !patientMap(patient.doc).get('id');
        const demographicsProposed = writePatient(patient.doc, patientId, bundle, actor, newPatient, source);

        const refusals = new Map<number, ImportRefusal>();
        for (const p of plan) {
          if (!p.write || !p.fields) continue;
          const existing = chart.doc.getMap(p.write.collection).get(p.entry.entryId);
          const refusal = importRefusal(existing, source, p.fields.sourceId as string | undefined);
          if (refusal) refusals.set(p.entry.index, refusal);
        }
        const refusedIds = new Set(plan.filter((p) => refusals.has(p.entry.index)).map((p) => p.entry.entryId));

        const outcomes = new Map<number, PutOutcome | KeptOutcome>();
        const staged = new Set<number>();
        chart.doc.transact(() => {
          if (metaOf(chart.doc).get('kind') !== 'chart') initChartDoc(chart.doc, patientId);
          for (const p of plan) {
            if (!p.write || !p.fields || refusals.has(p.entry.index)) continue;
            let fields = withoutLinksTo(p.fields, refusedIds);
            if (transfer && STAGED.has(p.write.collection)) {
              const { sourceName, sourceDate, sourceAuthor, ...clinical } = fields as Record<string, string | undefined>;
              const collection = p.write.collection as IncomingCollection;
              // Named by the record and its content: the same record sent again stages nothing; a changed one is offered anew.
              const stagedId = nameUuid(`incoming|${collection}|${p.entry.entryId}|${canonicalJson(clinical)}`);
              const o = stageIncoming(chart.doc, stagedId, { collection, targetId: p.entry.entryId, fields: clinical, sourceSystem: source, sourceName, sourceDate, sourceAuthor });
              staged.add(p.entry.index);
              outcomes.set(p.entry.index, o === 'staged' ? 'created' : 'unchanged');
              continue;
            }
            // Where an entry came from is recorded when it is created; a later transfer's date does not rewrite it.
            if (transfer && chart.doc.getMap(p.write.collection).has(p.entry.entryId)) fields = omit(fields, TRANSFER_PROVENANCE);
            outcomes.set(p.entry.index, putEntry(chart.doc, p.write.collection, p.entry.entryId, fields, actor, p.write.collection === 'encounters' ? addNote : undefined));
          }
        }, 'local');

        // The chart is written first: it is the larger update, the one a size limit would refuse, and then nothing has been stored.
        // A failure after it (the patient write) is harmless: a chart without its patient document is in no list and names
        // no one, and the patient's id follows from the record, so importing the bundle again lands on the same chart
        // (unchanged) and writes the patient (fhir-fixtures.test.ts). Kept resources and links are written only after both.
        const wroteChart = await store(docName('chart', patientId), caller.clinicId, chart.doc, chart.before, caller.userId);
        const wrotePatient = await store(docName('patient', patientId), caller.clinicId, patient.doc, patient.before, caller.userId);
        patient.doc.destroy();
        chart.doc.destroy();

        const keep = plan.filter((p) => !p.write && p.entry.type !== 'Patient');
        const keptIndexes = new Set(keep.map((p) => p.entry.index));
        const kept = deps.store.keep(caller.clinicId, patientId, source, keep.map((p) => ({ type: p.entry.type, entryId: p.entry.entryId, json: JSON.stringify(p.entry.resource) })));
        keep.forEach((p, i) => (kept[i] === 'refused' ? refusals.set(p.entry.index, 'other-source') : outcomes.set(p.entry.index, kept[i])));
        deps.store.linkPatient(caller.clinicId, sources, patientId);

        const results: EntryResult[] = bundle.entries.map((e) => ({
          entry: e,
          location: e.type === 'Patient' ? `Patient/${patientId}` : `${e.type}/${e.entryId}`,
          created: e.type === 'Patient' ? newPatient : outcomes.get(e.index) === 'created',
          kept: keptIndexes.has(e.index) && !refusals.has(e.index),
          ...(refusals.has(e.index) ? { refused: refusals.get(e.index) } : {}),
          ...(staged.has(e.index) ? { staged: true } : {}),
          ...(e.type === 'Patient' && demographicsProposed ? { demographicsProposed: true } : {})
        }));
        const summary = summarize(patientId, newPatient, bundle, outcomes, kept.filter((k) => k !== 'refused').length, { patient: wrotePatient, chart: wroteChart });
        const stagedBy = countBy(plan.filter((p) => staged.has(p.entry.index) && outcomes.get(p.entry.index) === 'created').map((p) => p.write!.collection as IncomingCollection));
        return {
          response: transactionResponse(results),
          summary: { ...summary, refused: refusals.size, refusedReasons: countBy([...refusals.values()]), demographicsProposed, staged: stagedBy, ...(matchedBy ? { matchedBy } : {}) }
        };
      });
    }
  };
}

/** Chart links (a visit, a report's results, a care plan's problems) to refused entries: the id belongs to someone else's entry. */
const LINK_FIELDS = ['encounterId', 'result', 'addresses'] as const;

function withoutLinksTo(fields: Record<string, unknown>, refused: ReadonlySet<string>): Record<string, unknown> {
  if (!refused.size) return fields;
  const out = { ...fields };
  for (const key of LINK_FIELDS) {
    const v = out[key];
    if (typeof v === 'string' && refused.has(v)) delete out[key];
    else if (Array.isArray(v)) out[key] = v.filter((id) => !refused.has(id as string));
  }
  return out;
}

function countBy<K extends string>(keys: K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

const CLINICAL = new Set<string>(['observations', 'medications', 'immunizations', 'procedures', 'reports', 'carePlans']);
const isClinical = (c: string): c is ClinicalCollection => CLINICAL.has(c);

/** A visit gets the note sections every Outpost visit has, so the chart can open it; an imported visit's note starts empty. */
function addNote(entry: Y.Map<unknown>): void {
  const note = new Y.Map<unknown>();
  entry.set('note', note);
  for (const s of NOTE_SECTIONS) note.set(s, new Y.Text());
  note.set('status', 'draft');
}

/**
 * A new patient's document is filled from the bundle. For a patient the
 * clinic already has, demographics that differ are proposed for review,
 * never written, and identifiers are only added. Returns whether a proposal
 * was recorded.
 */
function writePatient(doc: Y.Doc, patientId: string, bundle: ValidBundle, actor: Actor, isNew: boolean, source: string): boolean {
  const { input, identifiers } = bundle.patient.mapped;
  const map = patientMap(doc);
  if (isNew) {
    initPatientDoc(doc, patientId, input, actor, input.mrn ?? '');
    if (identifiers.length) doc.transact(() => map.set('identifier', identifiers), 'local');
    return false;
  }
  const have = (Array.isArray(map.get('identifier')) ? map.get('identifier') : []) as Identifier[];
  const key = (i: Identifier) => `${i.system ?? ''}|${i.type ?? ''}|${i.value}`;
  const known = new Set(have.map(key));
  const added = identifiers.filter((i) => !known.has(key(i)));
  if (added.length) doc.transact(() => map.set('identifier', [...have, ...added]), 'local');

  const current = readPatient(doc);
  if (!current) return false;
  // The clinic's MRN stays what it is; a differing value of anything else waits for a person.
  const { mrn: _mrn, ...incoming } = input;
  const proposed = demographicsDiff(current, incoming);
  if (!Object.keys(proposed).length) return false;
  const id = nameUuid(`demographics-review|${source}|${patientId}|${JSON.stringify(proposed)}`);
  return proposeDemographics(doc, { id, proposed, source }, actor);
}

function summarize(
  patientId: string,
  newPatient: boolean,
  bundle: ValidBundle,
  outcomes: Map<number, PutOutcome | KeptOutcome>,
  kept: number,
  wrote: ImportSummary['wrote']
): ImportSummary {
  const count = (o: string) => [...outcomes.values()].filter((x) => x === o).length;
  const types: Record<string, number> = {};
  for (const e of bundle.entries) types[e.type] = (types[e.type] ?? 0) + 1;
  return { patientId, newPatient, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), kept, types, wrote, refused: 0, refusedReasons: {}, demographicsProposed: false, staged: {} };
}

function omit(fields: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out = { ...fields };
  for (const k of keys) delete out[k];
  return out;
}

function canonicalJson(v: unknown): string {
  const canon = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(canon) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(canon(v));
}

const TEXT = /^[^\u0000-\u001f]{1,200}$/;
const text = (v: unknown): string | undefined => (typeof v === 'string' && TEXT.test(v.trim()) ? v.trim() : undefined);
const displayOf = (ref: unknown): string | undefined => text((ref as { display?: unknown } | null | undefined)?.display);

/** Who recorded an entry at the sender, when the resource names them (by display: references do not cross clinics). */
function authorOf(r: Record<string, unknown>): string | undefined {
  return displayOf(r.recorder) ?? displayOf(r.asserter) ?? displayOf(r.requester) ?? displayOf(r.informationSource) ?? displayOf(r.performer);
}

/** The sending organization and the date the record was put together: the Composition's custodian or author, else the bundle's one Organization; the Bundle's timestamp, else the Composition's date. */
function transferProvenance(body: unknown, bundle: ValidBundle): { sourceName?: string; sourceDate?: string } {
  const composition = bundle.entries.find((e) => e.type === 'Composition')?.resource as Record<string, unknown> | undefined;
  const authors = Array.isArray(composition?.author) ? composition.author : [];
  const organizations = bundle.entries.filter((e) => e.type === 'Organization');
  const sourceName = displayOf(composition?.custodian) ?? authors.map(displayOf).find(Boolean) ?? (organizations.length === 1 ? text(organizations[0].resource.name) : undefined);
  const stamp = (body as { timestamp?: unknown }).timestamp ?? composition?.date;
  const sourceDate = typeof stamp === 'string' && /^\d{4}-\d{2}-\d{2}/.test(stamp) ? stamp.slice(0, 40) : undefined;
  return { ...(sourceName ? { sourceName } : {}), ...(sourceDate ? { sourceDate } : {}) };
}
