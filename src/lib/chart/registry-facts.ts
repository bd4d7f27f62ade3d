import type * as Y from 'yjs';
import { bundledDrugPack } from '../domain/drugs';
import { knowledgeFor, type DrugKnowledge } from '../domain/drugs/knowledge';
import { resolveMedication } from '../domain/drugs/resolve';
import type { Observation } from '../domain/clinical';
import type { ChartFacts, ResultFact } from '../domain/registries/patient-facts';
import { listConditions, listEncounters } from './chart-doc';
import { listImmunizations, listObservations } from './clinical-doc';
import { listMedicationRecords } from './medication-doc';
import { activeMedicationInputs } from './prescription-checks';
import { listIncoming } from './incoming-doc';
import { listTransfers } from './transfer-outbox-doc';
import { referralFact } from '../domain/referrals';

/**
 * Reads the facts the registry rules need (domain/registries/patient-facts.ts)
 * out of one `chart:` document, in one pass per collection. The registry
 * service keeps them per chart, with the chart's state vector, so a
 * worklist over a whole panel re-reads only the charts that changed.
 */

/** LOINC codes of the pregnancy dates (LMP start date; delivery date, estimated). */
export const LMP_LOINC = '8665-2';
export const EDD_LOINC = '11778-8';
/** Pregnancy status (LOINC 82810-3) answered "Pregnant" (SNOMED CT 77386006). */
const PREGNANCY_STATUS_LOINC = '82810-3';
const PREGNANT_SNOMED = '77386006';

const ACTIVE_PROBLEM = ['active', 'recurrence', 'relapse'];
const USABLE_RESULT = ['final', 'amended', 'corrected', 'preliminary'];
/**
 * Pregnancy problems: ICD-10-CM Z33.1 (pregnant state, incidental), Z34
 * (supervision of normal pregnancy), Z3A (weeks of gestation) and chapter
 * 15, O00–O9A (pregnancy, childbirth and the puerperium) — FY2026 tabular
 * list; SNOMED CT 77386006 (pregnant).
 */
const PREGNANCY_CODE = /^(Z33\.?1|Z34|Z3A|O\d|O9A|77386006$)/i;

let knowledge: DrugKnowledge | null = null;
function drugKnowledge(): DrugKnowledge {
  knowledge ??= knowledgeFor(bundledDrugPack());
  return knowledge;
}

function codesOf(concept: { coding?: { code?: string }[] } | undefined): string[] {
  return (concept?.coding ?? []).map((c) => c.code ?? '').filter(Boolean);
}

/**
 * Problems imported with SNOMED CT codes only (most FHIR records, the
 * demo clinic's Synthea patients) would never meet a registry's ICD-10-CM
 * rule. For the concepts the built-in registries ask about, the ICD-10-CM
 * code the NLM SNOMED CT to ICD-10-CM map gives as its default target is
 * added: 44054006 type 2 diabetes → E11.9, 46635009 type 1 diabetes →
 * E10.9, 73211009 diabetes mellitus → E11.9, 59621000 essential
 * hypertension and 38341003 hypertensive disorder → I10.
 */
const SNOMED_TO_ICD10: Readonly<Record<string, string>> = {
  '44054006': 'E11.9',
  '46635009': 'E10.9',
  '73211009': 'E11.9',
  '59621000': 'I10',
  '38341003': 'I10'
};
const SNOMED = 'http://snomed.info/sct';

function conditionCodesOf(concept: { coding?: { system?: string; code?: string }[] } | undefined): string[] {
  const codes = codesOf(concept);
  for (const c of concept?.coding ?? []) if (c.system === SNOMED && c.code && SNOMED_TO_ICD10[c.code]) codes.push(SNOMED_TO_ICD10[c.code]);
  return codes;
}

function dateValue(o: Observation): string {
  const v = o.valueString ?? (o as { valueDateTime?: string }).valueDateTime ?? '';
  return /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : '';
}

export function chartFacts(doc: Y.Doc): ChartFacts {
  const conditions = listConditions(doc).filter((c) => c.verificationStatus !== 'entered-in-error' && c.verificationStatus !== 'refuted' && ACTIVE_PROBLEM.includes(c.clinicalStatus));
  const conditionCodes = [...new Set(conditions.flatMap((c) => conditionCodesOf(c.code)))];

  const latest = new Map<string, ResultFact>();
  let lmp = { at: '', date: '' };
  let edd = { at: '', date: '' };
  let pregnantByStatus = { at: '', yes: false };
  const keep = (f: ResultFact) => {
    const seen = latest.get(f.code);
    if (!seen || seen.at < f.at) latest.set(f.code, f);
  };
  for (const o of listObservations(doc)) {
    if (!USABLE_RESULT.includes(o.status)) continue;
    const at = o.effectiveDateTime || o.issued || '';
    if (!at) continue;
    const codes = codesOf(o.code);
    for (const code of codes) {
      keep({ code, text: o.code.text, unit: o.valueQuantity?.unit ?? '', at, ...(o.valueQuantity ? { value: o.valueQuantity.value } : o.valueInteger !== undefined ? { value: o.valueInteger } : {}) });
      if (code === LMP_LOINC && at > lmp.at && dateValue(o)) lmp = { at, date: dateValue(o) };
      if (code === EDD_LOINC && at > edd.at && dateValue(o)) edd = { at, date: dateValue(o) };
      if (code === PREGNANCY_STATUS_LOINC && at > pregnantByStatus.at) pregnantByStatus = { at, yes: codesOf(o.valueCodeableConcept).includes(PREGNANT_SNOMED) };
    }
    for (const part of o.component ?? []) {
      for (const code of codesOf(part.code)) {
        if (part.valueQuantity) keep({ code, text: part.code.text, value: part.valueQuantity.value, unit: part.valueQuantity.unit ?? '', at });
      }
    }
  }

  const k = drugKnowledge();
  const medications = activeMedicationInputs(listMedicationRecords(doc)).map((m) => {
    const r = resolveMedication(k, m);
    const classes = new Set<string>();
    for (const ing of r.ingredients) for (const c of k.classesOf.get(ing) ?? []) classes.add(c);
    return { text: r.label, rxnorm: [...new Set([...(m.codings ?? []).map((c) => c.code ?? '').filter(Boolean), ...(r.rxcui ? [r.rxcui] : [])])], classes: [...classes] };
  });

  const visits = listEncounters(doc).filter((e) => e.status !== 'cancelled' && e.status !== 'entered-in-error' && e.start);
  const lastVisit = visits.reduce((max, e) => (e.start > max ? e.start : max), '');

  const replies = listIncoming(doc).map((r) => ({ sourceName: r.sourceName ?? '', receivedAt: r.receivedAt }));
  const referrals = listTransfers(doc)
    .filter((t) => t.state === 'delivered' || t.state === 'review')
    .map((t) => referralFact({ id: t.id, destinationName: t.destinationName, sentAt: t.sentAt || t.updatedAt }, replies, visits.map((v) => v.start)));

  return {
    conditionCodes,
    latestResults: [...latest.values()],
    medications,
    immunizations: listImmunizations(doc).map((i) => ({ id: i.id, status: i.status, vaccineCode: { text: i.vaccineCode.text, coding: (i.vaccineCode.coding ?? []).map((c) => ({ system: c.system, code: c.code })) }, occurrenceDateTime: i.occurrenceDateTime })),
    lastVisit,
    pregnancy: {
      activeCondition: conditionCodes.some((c) => PREGNANCY_CODE.test(c)) || pregnantByStatus.yes,
      lmp: lmp.date,
      edd: edd.date
    },
    referrals
  };
}
