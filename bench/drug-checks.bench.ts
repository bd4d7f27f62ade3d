/**
 * Drug-check latency: one new order against a 25-medication active list and
 * 10 recorded allergies (issue target: under 5 ms). Baseline in the same
 * process: a naive scan that lower-cases every medication name and compares it
 * with every rule member name, the work a check without indices would do.
 *
 *   npx tsx bench/drug-checks.bench.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOrder } from '../src/lib/domain/drugs/check-order';
import { bundledDrugPack } from '../src/lib/domain/drugs/drug-pack';
import type { AllergyInput, CheckOrderInput, MedicationInput } from '../src/lib/domain/drugs/inputs';
import { knowledgeFor } from '../src/lib/domain/drugs/knowledge';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ACTIVE_NAMES = [
  'lisinopril 20 mg tablet', 'metformin 1000 mg tablet', 'atorvastatin 40 mg tablet', 'amlodipine 5 mg tablet', 'omeprazole 20 mg capsule',
  'sertraline 100 mg tablet', 'levothyroxine 100 mcg tablet', 'hydrochlorothiazide 25 mg tablet', 'gabapentin 300 mg capsule', 'warfarin 5 mg tablet',
  'furosemide 40 mg tablet', 'spironolactone 25 mg tablet', 'carvedilol 12.5 mg tablet', 'albuterol inhaler', 'fluticasone nasal spray',
  'tamsulosin 0.4 mg capsule', 'allopurinol 300 mg tablet', 'prednisone 5 mg tablet', 'montelukast 10 mg tablet', 'trazodone 50 mg tablet',
  'cetirizine 10 mg tablet', 'vitamin D3 1000 unit', 'ferrous sulfate 325 mg', 'acetaminophen 500 mg', 'Florbex 10 mg'
];
const ALLERGY_NAMES = ['Penicillin', 'Sulfa', 'codeine', 'Aspirin', 'lisinopril', 'Keflex', 'erythromycin', 'latex', 'Tegretol', 'doxycycline'];

export function fixture(): CheckOrderInput {
  const activeMedications: MedicationInput[] = ACTIVE_NAMES.map((text, i) =>
    i % 3 === 0 ? { text } : { text, codings: [{ system: RXNORM, code: String(100000 + i), display: text }] }
  );
  const allergies: AllergyInput[] = ALLERGY_NAMES.map((text) => ({ text, category: 'medication' }));
  return {
    order: { codings: [{ system: RXNORM, code: '834022', display: 'Ketorolac Tromethamine 10 MG Oral Tablet' }], dose: { value: 1, unit: 'tablet' }, timing: { frequency: 4, period: 1, periodUnit: 'd' } },
    activeMedications,
    allergies,
    patient: { birthDate: '1948-04-02', conditions: [{ text: 'History of upper GI bleeding' }] },
    now: new Date('2026-01-15T00:00:00Z')
  };
}

/** Baseline: substring search of every rule member's name in every medication text. */
function naiveScan(input: CheckOrderInput): number {
  const k = knowledgeFor(bundledDrugPack());
  const texts = [input.order, ...input.activeMedications].map((m) => (m.text ?? m.codings?.[0]?.display ?? '').toLowerCase());
  let hits = 0;
  for (const rule of k.pack.interactions) {
    const { a, b } = k.ruleMembers.get(rule.id)!;
    const names = (ids: ReadonlySet<string>) => [...ids].map((id) => k.drugName(id).toLowerCase());
    const inA = texts.filter((t) => names(a).some((n) => t.includes(n)));
    const inB = texts.filter((t) => names(b).some((n) => t.includes(n)));
    hits += inA.length * inB.length;
  }
  return hits;
}

function time(fn: () => unknown, iterations: number): { p50: number; p99: number; mean: number } {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((x, y) => x - y);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { p50: q(0.5), p99: q(0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

export async function run(): Promise<void> {
  const input = fixture();
  const coldStart = performance.now();
  const first = checkOrder(input);
  const cold = performance.now() - coldStart;
  for (let i = 0; i < 200; i++) checkOrder(input);
  const iterations = 2000;
  const check = time(() => checkOrder(input), iterations);
  const naive = time(() => naiveScan(input), iterations);
  const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
  console.log(`drug checks: 1 order vs ${input.activeMedications.length} active medications + ${input.allergies.length} allergies, ${iterations} iterations`);
  console.log(`  first call (pack validation + index build): ${fmt(cold)}; alerts per check: ${first.length}`);
  console.log(`  checkOrder      p50 ${fmt(check.p50)}  p99 ${fmt(check.p99)}  mean ${fmt(check.mean)}`);
  console.log(`  naive name scan p50 ${fmt(naive.p50)}  p99 ${fmt(naive.p99)}  mean ${fmt(naive.mean)}  (baseline, drug–drug only)`);
  console.log(`  ratio checkOrder/naive p50: ${(check.p50 / naive.p50).toFixed(2)}x`);
  console.log(`  target p99 < 5 ms: ${check.p99 < 5 ? 'met' : 'NOT met'}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
