import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourcesIn, toMedicationInput } from '../src/lib/domain/drugs/cds-hooks/fhir-input';
import { cdsHooksOrderSign } from '../src/lib/domain/drugs/cds-hooks/order-sign';
import { bundledDrugPack } from '../src/lib/domain/drugs/drug-pack';
import { knowledgeFor } from '../src/lib/domain/drugs/knowledge';
import { resolveMedication } from '../src/lib/domain/drugs/resolve';

/**
 * CDS Hooks order-sign check time against the size of the prefetched
 * medication list: 100 and 1,000 active medicines (1,000 is the most a
 * request may carry, see server/cds/cds-limits.ts), and the ratio. A check
 * whose work grows linearly with the list shows a ratio near 10; one that
 * grows with the square of it, near 100.
 *
 * Two lists: a clinic-like mix (25 common medicines, warfarin among them,
 * each under its own label) against a ketorolac order, and the worst case for
 * the PDDI rules: a warfarin order against a list made only of NSAIDs, where
 * every medicine is a hit whose factors read the whole list. Baseline in the
 * same process: mapping and resolving each of the 1,000 medicines once (FHIR
 * resource → check input → pack ingredients), the least any check must do.
 *
 *   npx tsx bench/cds-checks.bench.ts
 */

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const MIX = [
  'lisinopril 20 mg tablet', 'metformin 1000 mg tablet', 'atorvastatin 40 mg tablet', 'amlodipine 5 mg tablet', 'omeprazole 20 mg capsule',
  'sertraline 100 mg tablet', 'levothyroxine 100 mcg tablet', 'hydrochlorothiazide 25 mg tablet', 'gabapentin 300 mg capsule', 'warfarin 5 mg tablet',
  'furosemide 40 mg tablet', 'spironolactone 25 mg tablet', 'carvedilol 12.5 mg tablet', 'albuterol inhaler', 'fluticasone nasal spray',
  'tamsulosin 0.4 mg capsule', 'allopurinol 300 mg tablet', 'prednisone 5 mg tablet', 'montelukast 10 mg tablet', 'trazodone 50 mg tablet',
  'cetirizine 10 mg tablet', 'vitamin D3 1000 unit', 'ferrous sulfate 325 mg', 'acetaminophen 500 mg', 'Florbex 10 mg'
];
const NSAIDS = ['ibuprofen 400 mg tablet', 'naproxen 250 mg tablet', 'diclofenac 50 mg tablet', 'meloxicam 15 mg tablet', 'celecoxib 200 mg capsule'];

const medicationRequest = (text: string, status: string, extra: Record<string, unknown> = {}) => ({
  resource: { resourceType: 'MedicationRequest', status, medicationCodeableConcept: { text }, ...extra }
});

/** An order-sign request: one draft order, `n` active medicines (each label distinct), three allergies, the patient. */
export function cdsRequest(n: number, list: 'mix' | 'nsaids'): unknown {
  const names = list === 'mix' ? MIX : NSAIDS;
  const draft =
    list === 'mix'
      ? medicationRequest('Ketorolac Tromethamine 10 MG Oral Tablet', 'draft', {
          medicationCodeableConcept: { text: 'Ketorolac Tromethamine 10 MG Oral Tablet', coding: [{ system: RXNORM, code: '834022' }] },
          dosageInstruction: [{ doseQuantity: { value: 1, unit: 'tablet' }, timing: { repeat: { frequency: 4, period: 1, periodUnit: 'd' } } }]
        })
      : medicationRequest('warfarin 5 mg tablet', 'draft');
  const allergies = ['Penicillin', 'Sulfa', 'latex'].map((text) => ({ resource: { resourceType: 'AllergyIntolerance', code: { text }, category: ['medication'] } }));
  return {
    hook: 'order-sign',
    hookInstance: 'bench',
    context: { patientId: 'bench', draftOrders: { resourceType: 'Bundle', entry: [draft] } },
    prefetch: {
      patient: { resourceType: 'Patient', birthDate: '1948-04-02' },
      medications: { resourceType: 'Bundle', entry: Array.from({ length: n }, (_, i) => medicationRequest(`${names[i % names.length]} (list item ${i + 1})`, 'active')) },
      allergies: { resourceType: 'Bundle', entry: allergies }
    }
  };
}

/** Baseline: map and resolve every prefetched medicine once. */
function resolveOnly(request: unknown): number {
  const k = knowledgeFor(bundledDrugPack());
  const r = request as { prefetch: Record<string, unknown> };
  let ingredients = 0;
  for (const value of Object.values(r.prefetch)) {
    for (const resource of resourcesIn(value)) {
      const input = toMedicationInput(resource);
      if (input) ingredients += resolveMedication(k, input).ingredients.length;
    }
  }
  return ingredients;
}

function median(fn: () => unknown, budgetMs: number, maxRuns: number): number {
  const samples: number[] = [];
  const until = performance.now() + budgetMs;
  while (samples.length < maxRuns && (samples.length < 3 || performance.now() < until)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export async function run(): Promise<void> {
  cdsHooksOrderSign(cdsRequest(25, 'mix')); // pack validation and index build, once
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  for (const list of ['mix', 'nsaids'] as const) {
    const small = cdsRequest(100, list);
    const large = cdsRequest(1000, list);
    const t100 = median(() => cdsHooksOrderSign(small), 2000, 50);
    const t1000 = median(() => cdsHooksOrderSign(large), 6000, 20);
    const cards = cdsHooksOrderSign(large).cards;
    const bytes = Buffer.byteLength(JSON.stringify({ cards }));
    const base = median(() => resolveOnly(large), 1000, 50);
    const label = list === 'mix' ? 'ketorolac order vs a clinic-like mix' : 'warfarin order vs NSAIDs only';
    console.log(`CDS order-sign, ${label}:`);
    console.log(`  100 medicines   ${fmt(t100)}`);
    console.log(`  1,000 medicines ${fmt(t1000)}  (${cards.length} cards, ${(bytes / 1024).toFixed(0)} KiB answer)`);
    console.log(`  ratio 1,000/100: ${(t1000 / t100).toFixed(1)}x  (linear ≈ 10x, quadratic ≈ 100x)`);
    console.log(`  baseline, resolving the 1,000 medicines once: ${fmt(base)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
