import type * as Y from 'yjs';
import type { CodeableConcept } from '../src/lib/domain/chart';
import type { ConditionFact, EncounterFact, EventFact, ObservationFact, PatientFacts } from '../src/lib/domain/measures/measure-facts';
import { ALL_LISTS, CESSATION_TEXT, codeKey, DEMENTIA_MEDICATION, DEPRESSION_FOLLOW_UP_TEXT, inList } from '../src/lib/domain/measures/value-sets';
import { listConditions, listEncounters } from '../src/lib/chart/chart-doc';
import { listCarePlans, listMedications, listObservations, listProcedures, listReports } from '../src/lib/chart/clinical-doc';
import { readPatient } from '../src/lib/chart/patient-doc';

/**
 * The measure facts reader as it was before the lean one
 * (src/lib/chart/measure-facts-reader.ts): every clinical entry validated
 * whole with its zod schema (listClinical). Kept for the quality measures
 * bench, which runs it beside the lean reader in the same process (the
 * baseline and the ratio) and checks both give the same facts.
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

export function referenceMeasureFactsOf(patientDoc: Y.Doc, chartDoc: Y.Doc | null, patientId: string): PatientFacts {
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
