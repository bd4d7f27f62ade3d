import * as Y from 'yjs';
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
 */

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
}

export interface FhirImporter {
  importBundle(caller: ImportCaller, body: unknown): Promise<{ response: TransactionResponse; summary: ImportSummary }>;
}

interface Planned {
  entry: BundleEntry;
  write: ChartWrite | null;
  fields?: Record<string, unknown>;
}

export function createFhirImporter(deps: { sync: SyncService; store: FhirStore }): FhirImporter {
  const queue = new KeyedQueue();

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
    async importBundle(caller, body) {
      const bundle = validateBundle(body);
      const source = importSource(body, bundle.patient.mapped);
      const plan = bundle.entries.map((entry): Planned => {
        const write = entry.type === 'Patient' ? null : mapEntry(entry, bundle);
        if (!write) return { entry, write };
        const fields = isClinical(write.collection) ? clinicalFields(write.collection, write.fields as never) : (write.fields as Record<string, unknown>);
        return { entry, write, fields: { ...fields, sourceSystem: source } };
      });
      const { id: patientId, sources } = await resolvePatient(caller.clinicId, bundle);
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
        chart.doc.transact(() => {
          if (metaOf(chart.doc).get('kind') !== 'chart') initChartDoc(chart.doc, patientId);
          for (const p of plan) {
            if (!p.write || !p.fields || refusals.has(p.entry.index)) continue;
            const fields = withoutLinksTo(p.fields, refusedIds);
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
          ...(e.type === 'Patient' && demographicsProposed ? { demographicsProposed: true } : {})
        }));
        const summary = summarize(patientId, newPatient, bundle, outcomes, kept.filter((k) => k !== 'refused').length, { patient: wrotePatient, chart: wroteChart });
        return {
          response: transactionResponse(results),
          summary: { ...summary, refused: refusals.size, refusedReasons: countBy([...refusals.values()]), demographicsProposed }
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
  return { patientId, newPatient, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), kept, types, wrote, refused: 0, refusedReasons: {}, demographicsProposed: false };
}
