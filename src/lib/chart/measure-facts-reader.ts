import * as Y from 'yjs';
import type { ConditionFact, EncounterFact, EventFact, ObservationFact, PatientFacts } from '../domain/measures/measure-facts';
import { ALL_LISTS, CESSATION_TEXT, codeKey, DEMENTIA_MEDICATION, DEPRESSION_FOLLOW_UP_TEXT, inList } from '../domain/measures/value-sets';
import { listConditions, listEncounters } from './chart-doc';
import { readPatient } from './patient-doc';

/**
 * A patient's `patient:` and `chart:` documents → the facts the quality
 * measures read (domain/measures). Shared by the server (over the clinic's
 * stored charts) and the device (over the charts synced to it).
 *
 * Only what a measure can use is kept: entries coded in one of the code
 * lists (or, for interventions, named like one), and every visit. Entries
 * marked entered-in-error, cancelled, refuted or not done never count.
 * Results count when final, amended or corrected (QI-Core's rule for
 * results used by eCQMs).
 *
 * Lean on purpose: the clinical entries (observations, procedures, reports,
 * care plans, medications) are read field by field from their Y.Maps, each
 * field checked for the type it must have, instead of validating the whole
 * entry with its zod schema (clinical-doc.ts listClinical), which cost most
 * of the time of reading 20,000 charts. Entries were validated where they
 * entered (putClinical on the device, the server's write policy on sync); a
 * field of the wrong type here is read as absent, and an entry without the
 * field a fact needs (its code, its date) is left out, as listClinical would.
 * The defaults are the schemas' (a result without status is final).
 */

const RESULT_STATUS = new Set(['final', 'amended', 'corrected']);
const VOID_STATUS = new Set(['entered-in-error', 'cancelled', 'not-done', 'revoked']);
const EVENT_TEXT = [CESSATION_TEXT, DEPRESSION_FOLLOW_UP_TEXT, DEMENTIA_MEDICATION];

const day = (s: string | undefined) => (s && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : '');

type Entry = Y.Map<unknown>;
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const number = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** A CodeableConcept as stored (`{ text, coding? }`); null when the value is not one. */
function concept(v: unknown): { text: string; coding: Json[] } | null {
  if (!isObject(v) || typeof v.text !== 'string') return null;
  return { text: v.text, coding: objects(v.coding) };
}

function keys(c: { coding?: readonly object[] } | null | undefined): string[] {
  const out: string[] = [];
  for (const x of c?.coding ?? []) {
    const k = codeKey(text((x as Json).system), text((x as Json).code));
    if (k) out.push(k);
  }
  return out;
}

/** A quantity's value and unit; absent unless `value` is a number. */
function quantity(v: unknown): { value: number; unit?: string } | undefined {
  if (!isObject(v)) return undefined;
  const value = number(v.value);
  if (value === undefined) return undefined;
  const unit = text(v.unit);
  return unit ? { value, unit } : { value };
}

/** The entries of one clinical collection that are Y.Maps, in creation order (as listClinical gives them). */
function entriesOf(doc: Y.Doc, name: string): Entry[] {
  const out: { e: Entry; at: string; id: string }[] = [];
  (doc.getMap(name) as Y.Map<unknown>).forEach((e, id) => {
    if (e instanceof Y.Map) out.push({ e: e as Entry, at: text(e.get('createdAt')) ?? '', id });
  });
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)).map((x) => x.e);
}

const relevant = (codes: string[]) => codes.length > 0 && ALL_LISTS.some((l) => inList(codes, l));

export function measureFactsOf(patientDoc: Y.Doc, chartDoc: Y.Doc | null, patientId: string): PatientFacts {
  const patient = readPatient(patientDoc);
  const facts: PatientFacts = { patientId, birthDate: patient?.birthDate ?? '', gender: patient?.gender ?? 'unknown', conditions: [], observations: [], events: [], encounters: [] };
  if (!chartDoc) return facts;
  facts.conditions = conditionsOf(chartDoc);
  facts.observations = observationsOf(chartDoc);
  facts.events = eventsOf(chartDoc);
  facts.encounters = encountersOf(chartDoc);
  return facts;
}

function conditionsOf(doc: Y.Doc): ConditionFact[] {
  const out: ConditionFact[] = [];
  for (const c of listConditions(doc)) {
    if (c.enteredInErrorAt || c.verificationStatus === 'entered-in-error' || c.verificationStatus === 'refuted') continue;
    const codes = keys(c.code);
    if (relevant(codes)) out.push({ codes, onset: day(c.onsetDate) || day(c.recordedDate), abatement: day(c.abatementDate) });
  }
  return out;
}

function observationsOf(doc: Y.Doc): ObservationFact[] {
  const out: ObservationFact[] = [];
  for (const o of entriesOf(doc, 'observations')) {
    if (!RESULT_STATUS.has(text(o.get('status')) ?? 'final') || o.get('enteredInErrorAt')) continue;
    const code = concept(o.get('code'));
    if (!code) continue;
    const codes = keys(code);
    const components = objects(o.get('component')).map((c) => ({ codes: keys(concept(c.code)), value: quantity(c.valueQuantity)?.value ?? integer(c.valueInteger) }));
    if (!relevant(codes) && !components.some((c) => relevant(c.codes))) continue;
    const date = day(text(o.get('effectiveDateTime'))) || day(text(o.get('issued')));
    if (!date) continue;
    const q = quantity(o.get('valueQuantity'));
    const value = q?.value ?? integer(o.get('valueInteger'));
    out.push({ codes, date, ...(value !== undefined ? { value } : {}), ...(q?.unit ? { unit: q.unit } : {}), valueCodes: keys(concept(o.get('valueCodeableConcept'))), components });
  }
  return out;
}

const integer = (v: unknown) => (Number.isInteger(v) ? (v as number) : undefined);

function eventsOf(doc: Y.Doc): EventFact[] {
  const out: EventFact[] = [];
  const add = (kind: EventFact['kind'], codes: string[], name: string, date: string, status: string, error: unknown) => {
    if (!date || error || VOID_STATUS.has(status)) return;
    if (relevant(codes) || EVENT_TEXT.some((t) => t.test(name))) out.push({ kind, codes, text: name, date });
  };
  const period = (v: unknown) => (isObject(v) ? { start: text(v.start), end: text(v.end) } : {});
  for (const p of entriesOf(doc, 'procedures')) {
    const code = concept(p.get('code'));
    if (!code) continue;
    const performed = period(p.get('performedPeriod'));
    add('procedure', keys(code), code.text, day(performed.start) || day(performed.end), text(p.get('status')) ?? 'completed', p.get('enteredInErrorAt'));
  }
  for (const r of entriesOf(doc, 'reports')) {
    const status = text(r.get('status')) ?? 'final';
    const code = concept(r.get('code'));
    if (!RESULT_STATUS.has(status) || !code) continue;
    add('report', keys(code), code.text, day(text(r.get('effectiveDateTime'))) || day(text(r.get('issued'))), status, r.get('enteredInErrorAt'));
  }
  for (const c of entriesOf(doc, 'carePlans')) {
    const concepts = [...objects(c.get('category')), ...objects(c.get('activity')).map((a) => a.code)].map(concept);
    if (concepts.some((x) => x === null)) continue;
    const valid = concepts as { text: string; coding: Json[] }[];
    add('carePlan', valid.flatMap(keys), valid.map((x) => x.text).join('; '), day(period(c.get('period')).start) || day(text(c.get('createdAt'))), text(c.get('status')) ?? 'active', c.get('enteredInErrorAt'));
  }
  for (const m of entriesOf(doc, 'medications')) {
    const med = concept(m.get('medicationCodeableConcept'));
    if (!med) continue;
    add('medication', keys(med), med.text, day(text(m.get('authoredOn'))) || day(text(m.get('createdAt'))), text(m.get('status')) ?? 'active', m.get('enteredInErrorAt'));
  }
  return out;
}

function encountersOf(doc: Y.Doc): EncounterFact[] {
  const out: EncounterFact[] = [];
  for (const e of listEncounters(doc)) {
    if (e.status === 'cancelled' || e.status === 'entered-in-error' || e.enteredInErrorAt) continue;
    const date = day(e.start);
    if (!date) continue;
    out.push({ date, type: e.type, provider: e.note.status === 'signed' ? e.note.signedBy : e.createdBy });
  }
  return out;
}

/**
 * Changes whenever what the reader keeps changes (its code lists and name
 * patterns included), so facts stored by an older version are read again.
 */
export const MEASURE_FACTS_VERSION = (() => {
  const text = JSON.stringify(ALL_LISTS.map((l) => [l.name, [...l.codes], l.icd10Prefixes])) + EVENT_TEXT.map((r) => r.source).join('|') + 'reader-2';
  let h = 5381;
  for (let i = 0; i < text.length; i++) h = ((h * 33) ^ text.charCodeAt(i)) >>> 0;
  return `1-${h.toString(36)}`;
})();
