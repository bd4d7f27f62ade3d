/**
 * Registries over a 20,000-patient panel, as a device works them out:
 * every built-in registry's worklist (rules, filters, key result, sort)
 * over 20,000 synthetic patients' facts, and the per-chart cost of reading
 * those facts out of a `chart:` document (done once per chart change, then
 * kept with the chart's state vector). Baseline in the same process: a plain
 * pass over the same 20,000 facts that only counts E11 codes, the least any
 * registry must do.
 *
 *   npx tsx bench/registries.bench.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { addCondition, addEncounter, initChartDoc } from '../src/lib/chart/chart-doc';
import { addImmunization, addMedication, addObservation } from '../src/lib/chart/clinical-doc';
import { chartFacts } from '../src/lib/chart/registry-facts';
import { BUILT_IN_REGISTRIES } from '../src/lib/domain/registries/built-in-registries';
import { EMPTY_CHART_FACTS, type PatientFacts } from '../src/lib/domain/registries/patient-facts';
import { buildWorklist, filterRows, sortRows } from '../src/lib/domain/registries/registry-worklist';
import { mulberry32, pick } from '../server/seed/prng';

const PANEL = 20_000;
const NOW = '2026-12-01T10:00:00.000Z';

function time(fn: () => unknown, iterations: number): { p50: number; p99: number } {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((x, y) => x - y);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { p50: q(0.5), p99: q(0.99) };
}

const day = (rand: () => number, fromYear: number, toYear: number) => {
  const ms = Date.UTC(fromYear, 0, 1) + rand() * (Date.UTC(toYear, 0, 1) - Date.UTC(fromYear, 0, 1));
  return new Date(ms).toISOString().slice(0, 10);
};

/** A synthetic panel: a fifth diabetic, a quarter hypertensive, a third children, some pregnant. */
export function syntheticPanel(n = PANEL, seed = 42): PatientFacts[] {
  const rand = mulberry32(seed);
  const out: PatientFacts[] = [];
  for (let i = 0; i < n; i++) {
    const child = rand() < 0.3;
    const gender = rand() < 0.52 ? 'female' : 'male';
    const codes: string[] = [];
    if (!child && rand() < 0.2) codes.push(pick(rand, ['E11.9', 'E11.65', 'E10.9', 'E13.8']));
    if (!child && rand() < 0.25) codes.push(pick(rand, ['I10', 'I11.9', 'I12.9']));
    const results = [];
    if (codes.some((c) => c.startsWith('E1'))) results.push({ code: '4548-4', text: 'HbA1c', value: Math.round((5.5 + rand() * 6) * 10) / 10, unit: '%', at: day(rand, 2025, 2027) });
    if (rand() < 0.6) results.push({ code: '8480-6', text: 'Systolic', value: Math.round(100 + rand() * 70), unit: 'mm[Hg]', at: day(rand, 2024, 2027) });
    const pregnant = !child && gender === 'female' && rand() < 0.04;
    out.push({
      ...EMPTY_CHART_FACTS,
      patientId: `p-${i}`,
      name: `Patient ${String(i).padStart(5, '0')}`,
      birthDate: child ? day(rand, 2009, 2026) : day(rand, 1940, 2004),
      gender,
      conditionCodes: codes,
      latestResults: results,
      immunizations: rand() < 0.5 ? [{ id: `flu-${i}`, status: 'completed', vaccineCode: { text: 'Influenza', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] }, occurrenceDateTime: day(rand, 2025, 2027) }] : [],
      lastVisit: rand() < 0.9 ? day(rand, 2024, 2027) : '',
      pregnancy: { activeCondition: false, lmp: pregnant ? day(rand, 2026, 2027).replace(/^2027/, '2026') : '', edd: '' }
    });
  }
  return out;
}

/** One chart of the kind the facts are read from: problems, a few years of HbA1c and BP, medicines, vaccines and visits. */
function sampleChart(seed: number): Y.Doc {
  const rand = mulberry32(seed);
  const doc = new Y.Doc();
  const actor = { id: 'bench', name: 'Bench' };
  initChartDoc(doc, '7a1f3c2e-0b4d-4e5f-8a9b-1c2d3e4f5a6b');
  addCondition(doc, { text: 'Type 2 diabetes', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] }, actor);
  addCondition(doc, { text: 'Hypertension', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] }, actor);
  for (let k = 0; k < 12; k++) {
    addObservation(doc, { category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: day(rand, 2020, 2027), valueQuantity: { value: 6 + rand() * 5, unit: '%' } }, actor);
    addObservation(doc, { category: 'vital-signs', code: { text: 'Systolic', coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, effectiveDateTime: day(rand, 2020, 2027), valueQuantity: { value: 110 + rand() * 60, unit: 'mm[Hg]' } }, actor);
    addEncounter(doc, { reason: 'Review', start: `${day(rand, 2020, 2027)}T09:00:00.000Z` }, actor);
  }
  addMedication(doc, { medicationCodeableConcept: { text: 'Metformin 500 MG Oral Tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '861007' }] }, authoredOn: '2024-01-01' }, actor);
  addMedication(doc, { medicationCodeableConcept: { text: 'Atorvastatin 20 MG Oral Tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '617310' }] }, authoredOn: '2024-01-01' }, actor);
  addImmunization(doc, { vaccineCode: { text: 'Influenza', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] }, occurrenceDateTime: '2026-10-01' }, actor);
  return doc;
}

export async function run(): Promise<void> {
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  const panel = syntheticPanel();
  console.log(`registries: ${PANEL.toLocaleString('en')} synthetic patients' facts`);
  const baseline = time(() => panel.reduce((n, p) => n + Number(p.conditionCodes.some((c) => c.startsWith('E11'))), 0), 10);
  console.log(`  baseline: one pass counting E11 codes          p50 ${fmt(baseline.p50)}  p99 ${fmt(baseline.p99)}`);
  for (const r of BUILT_IN_REGISTRIES) {
    const list = buildWorklist(r, panel, NOW);
    const t = time(() => buildWorklist(r, panel, NOW), 5);
    console.log(`  ${r.id.padEnd(16)} worklist ${String(list.members.length).padStart(6)} members, ${String(list.notEvaluated.length).padStart(4)} not evaluated  p50 ${fmt(t.p50)}  p99 ${fmt(t.p99)}`);
  }
  const diabetes = buildWorklist(BUILT_IN_REGISTRIES[0], panel, NOW).members;
  const fs = time(() => sortRows(filterRows(diabetes, ['hba1c-over-9']), 'keyValue', 'desc'), 20);
  console.log(`  diabetes: filter HbA1c > 9% and sort (UI step)  p50 ${fmt(fs.p50)}  p99 ${fmt(fs.p99)}`);
  const charts = Array.from({ length: 50 }, (_, i) => sampleChart(i + 1));
  let i = 0;
  const facts = time(() => chartFacts(charts[i++ % charts.length]), charts.length);
  console.log(`  chartFacts per chart (36 results, 12 visits)   p50 ${facts.p50.toFixed(2)} ms  p99 ${facts.p99.toFixed(2)} ms; a first build over ${PANEL.toLocaleString('en')} charts ≈ ${((facts.p50 * PANEL) / 1000).toFixed(1)} s (projected from p50; later builds re-read changed charts only)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
