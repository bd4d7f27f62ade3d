import * as Y from 'yjs';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { clinicalFields, putEntry, type PutOutcome } from '../../src/lib/chart/clinical-doc';
import { initPatientDoc, patientMap, updatePatient } from '../../src/lib/chart/patient-doc';
import { metaOf } from '../../src/lib/chart/schema';
import { NOTE_SECTIONS, type Actor } from '../../src/lib/domain/chart';
import type { ClinicalCollection } from '../../src/lib/domain/clinical';
import { docName, isUuid } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import type { SyncService } from '../types';
import type { FhirStore, KeptOutcome } from './fhir-store';
import { nameUuid } from './ids';
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
      const plan = bundle.entries.map((entry): Planned => {
        const write = entry.type === 'Patient' ? null : mapEntry(entry, bundle);
        if (!write) return { entry, write };
        const fields = isClinical(write.collection) ? clinicalFields(write.collection, write.fields as never) : (write.fields as Record<string, unknown>);
        return { entry, write, fields };
      });
      const { id: patientId, sources } = await resolvePatient(caller.clinicId, bundle);
      const actor: Actor = { id: caller.userId, name: caller.name };

      return queue.run(patientId, async () => {
        const patient = await load(docName('patient', patientId), caller.clinicId);
        const chart = await load(docName('chart', patientId), caller.clinicId);
        const newPatient = !patientMap(patient.doc).get('id');
        writePatient(patient.doc, patientId, bundle, actor, newPatient);

        const outcomes = new Map<number, PutOutcome | KeptOutcome>();
        chart.doc.transact(() => {
          if (metaOf(chart.doc).get('kind') !== 'chart') initChartDoc(chart.doc, patientId);
          for (const p of plan) {
            if (!p.write || !p.fields) continue;
            outcomes.set(p.entry.index, putEntry(chart.doc, p.write.collection, p.entry.entryId, p.fields, actor, p.write.collection === 'encounters' ? addNote : undefined));
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
        const kept = deps.store.keep(caller.clinicId, patientId, keep.map((p) => ({ type: p.entry.type, entryId: p.entry.entryId, json: JSON.stringify(p.entry.resource) })));
        keep.forEach((p, i) => outcomes.set(p.entry.index, kept[i]));
        deps.store.linkPatient(caller.clinicId, sources, patientId);

        const results: EntryResult[] = bundle.entries.map((e) => ({
          entry: e,
          location: e.type === 'Patient' ? `Patient/${patientId}` : `${e.type}/${e.entryId}`,
          created: e.type === 'Patient' ? newPatient : outcomes.get(e.index) === 'created',
          kept: keptIndexes.has(e.index)
        }));
        return { response: transactionResponse(results), summary: summarize(patientId, newPatient, bundle, outcomes, keep.length, { patient: wrotePatient, chart: wroteChart }) };
      });
    }
  };
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

function writePatient(doc: Y.Doc, patientId: string, bundle: ValidBundle, actor: Actor, isNew: boolean): void {
  const { input, identifiers } = bundle.patient.mapped;
  if (isNew) {
    initPatientDoc(doc, patientId, input, actor, input.mrn ?? '');
  } else {
    // The clinic's MRN stays what it is; everything else follows the sending system.
    const { mrn: _mrn, ...changes } = input;
    updatePatient(doc, changes, actor);
  }
  const map = patientMap(doc);
  if (JSON.stringify(map.get('identifier') ?? []) !== JSON.stringify(identifiers)) {
    doc.transact(() => map.set('identifier', identifiers), 'local');
  }
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
  return { patientId, newPatient, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), kept, types, wrote };
}
