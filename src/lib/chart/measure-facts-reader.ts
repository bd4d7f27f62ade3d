import type * as Y from 'yjs';
import type { CodeableConcept } from '../domain/chart';
import type { ConditionFact, EncounterFact, EventFact, ObservationFact, PatientFacts } from '../domain/measures/measure-facts';
import { ALL_LISTS, CESSATION_TEXT, codeKey, DEMENTIA_MEDICATION, DEPRESSION_FOLLOW_UP_TEXT, inList } from '../domain/measures/value-sets';
import { listConditions, listEncounters } from './chart-doc';
import { listCarePlans, listMedications, listObservations, listProcedures, listReports } from './clinical-doc';
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
 */

const RESULT_STATUS = new Set(['final', 'amended', 'corrected']);
const VOID_STATUS = new Set(['entered-in-error', 'cancelled', 'not-done', 'revoked']);
const EVENT_TEXT = [CESSATION_TEXT, DEPRESSION_FOLLOW_UP_TEXT, DEMENTIA_MEDICATION];

const day = (s: string | undefined) => (s && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : '');

function keys(c: CodeableConcept | undefined): string[] {
  const out: string[] = [];
  for (const x of c?.coding ?? []) {
    const k = codeKey(x.system, x.code);
    if (k) out.push(k);
  }
  return out;
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
  for (const o of listObservations(doc)) {
    if (!RESULT_STATUS.has(o.status) || o.enteredInErrorAt) continue;
    const codes = keys(o.code);
    const components = (o.component ?? []).map((c) => ({ codes: keys(c.code), value: c.valueQuantity?.value ?? c.valueInteger }));
    if (!relevant(codes) && !components.some((c) => relevant(c.codes))) continue;
    const date = day(o.effectiveDateTime) || day(o.issued);
    if (!date) continue;
    const value = o.valueQuantity?.value ?? o.valueInteger;
    out.push({ codes, date, ...(value !== undefined ? { value } : {}), ...(o.valueQuantity?.unit ? { unit: o.valueQuantity.unit } : {}), valueCodes: keys(o.valueCodeableConcept), components });
  }
  return out;
}

function eventsOf(doc: Y.Doc): EventFact[] {
  const out: EventFact[] = [];
  const add = (kind: EventFact['kind'], codes: string[], text: string, date: string, status: string, error: string | undefined) => {
    if (!date || error || VOID_STATUS.has(status)) return;
    if (relevant(codes) || EVENT_TEXT.some((t) => t.test(text))) out.push({ kind, codes, text, date });
  };
  for (const p of listProcedures(doc)) add('procedure', keys(p.code), p.code.text, day(p.performedPeriod.start) || day(p.performedPeriod.end), p.status, p.enteredInErrorAt);
  for (const r of listReports(doc)) {
    if (!RESULT_STATUS.has(r.status)) continue;
    add('report', keys(r.code), r.code.text, day(r.effectiveDateTime) || day(r.issued), r.status, r.enteredInErrorAt);
  }
  for (const c of listCarePlans(doc)) {
    const concepts = [...c.category, ...c.activity.map((a) => a.code)];
    add('carePlan', concepts.flatMap(keys), concepts.map((x) => x.text).join('; '), day(c.period.start) || day(c.createdAt), c.status, c.enteredInErrorAt);
  }
  for (const m of listMedications(doc)) add('medication', keys(m.medicationCodeableConcept), m.medicationCodeableConcept.text, day(m.authoredOn) || day(m.createdAt), m.status, m.enteredInErrorAt);
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
  const text = JSON.stringify(ALL_LISTS.map((l) => [l.name, [...l.codes], l.icd10Prefixes])) + EVENT_TEXT.map((r) => r.source).join('|') + 'reader-1';
  let h = 5381;
  for (let i = 0; i < text.length; i++) h = ((h * 33) ^ text.charCodeAt(i)) >>> 0;
  return `1-${h.toString(36)}`;
})();
