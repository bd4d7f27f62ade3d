/**
 * Decision-support reminders on a 20-year chart (bench/twenty-year-chart.ts:
 * thousands of observations): the time to evaluate every rule from the
 * chart's lists, as the reminders card does on each change. Baseline in the
 * same process: reading those lists out of the document, which every chart
 * card already does on each change.
 *
 *   npx tsx bench/reminders.bench.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listConditions } from '../src/lib/chart/chart-doc';
import { listImmunizations, listObservations, listProcedures, listReports } from '../src/lib/chart/clinical-doc';
import { listMedicationRecords } from '../src/lib/chart/medication-doc';
import { listOrders } from '../src/lib/chart/order-doc';
import { activeMedicationInputs, allergyInputs } from '../src/lib/chart/prescription-checks';
import { evaluateReminders, type ReminderContext } from '../src/lib/domain/reminders';
import { twentyYearChart } from './twenty-year-chart';

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

export async function run(): Promise<void> {
  const chart = twentyYearChart('7a1f3c2e-0b4d-4e5f-8a9b-1c2d3e4f5a6b', { id: 'bench', name: 'Bench' });
  const { doc } = chart;
  const read = (): ReminderContext => ({
    birthDate: '1958-04-02',
    gender: 'female',
    now: new Date().toISOString(),
    conditions: listConditions(doc),
    observations: listObservations(doc),
    reports: listReports(doc),
    procedures: listProcedures(doc),
    immunizations: listImmunizations(doc),
    orders: listOrders(doc),
    medications: activeMedicationInputs(listMedicationRecords(doc)),
    allergies: allergyInputs(doc)
  });
  const contexts = Array.from({ length: 60 }, read);
  let i = 0;
  // Each run gets chart lists it has not seen, as after a real edit, so no index is reused across runs.
  const evaluate = time(() => evaluateReminders(contexts[i++ % contexts.length]), contexts.length);
  const reading = time(read, 20);
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  console.log(`reminders: ${chart.counts.observations} observations, ${chart.counts.procedures} procedures, ${chart.counts.reports} reports, ${chart.counts.immunizations} immunizations`);
  console.log(`  evaluateReminders (all rules)       p50 ${fmt(evaluate.p50)}  p99 ${fmt(evaluate.p99)}; reminders: ${evaluateReminders(contexts[0]).length}`);
  console.log(`  reading the lists from the document p50 ${fmt(reading.p50)}  p99 ${fmt(reading.p99)}  (baseline: the work every chart card already does)`);
  console.log(`  ratio rules/reading p50: ${(evaluate.p50 / reading.p50).toFixed(2)}x`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
