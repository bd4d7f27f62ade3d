import 'fake-indexeddb/auto';
import { pathToFileURL } from 'node:url';
import Dexie from 'dexie';
import * as Y from 'yjs';
import { chartSummary } from '../src/lib/chart/chart-summary';
import { chartTimeline } from '../src/lib/chart/timeline-doc';
import { docName } from '../src/lib/domain/doc-names';
import { createVault } from '../src/lib/storage/user-vault';
import { storeChartProjection } from '../src/lib/sync/chart-projection-refresh';
import { twentyYearChart } from './twenty-year-chart';

/**
 * Opening a 20-year chart (520 visits, 5,460 observations, 105 typed notes;
 * see twenty-year-chart.ts) from the encrypted device store: read and
 * decrypt the stored rows, load them into a Y.Doc, and compute what the
 * chart summary renders (active problems, allergies and their status,
 * medications, last vitals, immunizations, care team), and reading the
 * sealed copy of that summary the chart page draws first. The timeline model
 * (every entry merged and sorted) is timed on top, as its page computes it.
 * Baseline in the same process: the same rows stored unencrypted.
 * Storage is fake-indexeddb in Node (several times slower than Chromium's
 * IndexedDB), so the figures overstate a browser; chart-render.bench.ts
 * measures the real page in Chromium.
 */
const RUNS = 9;
const TARGET_MS = 300;

class PlainDatabase extends Dexie {
  updates!: Dexie.Table<{ seq?: number; doc: string; data: Uint8Array }, number>;
  constructor() {
    super(`bench-plain-${crypto.randomUUID()}`);
    this.version(1).stores({ updates: '++seq, doc' });
  }
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (n: number) => `${n.toFixed(1)} ms`;

export async function run(): Promise<void> {
  const pid = crypto.randomUUID();
  const name = docName('chart', pid);
  const built = performance.now();
  const { doc: source, counts } = twentyYearChart(pid, { id: 'bench', name: 'Dr. Bench' });
  const update = Y.encodeStateAsUpdate(source);
  console.log(
    `20-year chart: ${counts.encounters} visits, ${counts.observations} observations, ${counts.notes} notes with text, ${counts.conditions} problems, ${counts.medications} medications, ${counts.immunizations} immunizations, ${counts.reports} reports; ${(update.length / 1024 / 1024).toFixed(1)} MiB as one Yjs update (built in ${(performance.now() - built).toFixed(0)} ms)`
  );

  const vault = await createVault(crypto.randomUUID(), 'bench password');
  await vault.docs.append(name, update, { pending: false });
  await vault.docs.compact(name);
  const plain = new PlainDatabase();
  await plain.updates.add({ doc: name, data: update });

  // The chart page's fast path: the sealed summary projection, current against the stored chart.
  const projected = new Y.Doc();
  await vault.docs.loadInto(name, projected, null);
  await storeChartProjection(vault, pid, projected);
  projected.destroy();
  const fromCopy: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const copy = await vault.chartSummaries.getCurrent(pid);
    fromCopy.push(performance.now() - t0);
    if (!copy || copy.summary.latestVitals.length === 0) throw new Error('the stored summary did not come back current');
  }

  const load: number[] = [];
  const summary: number[] = [];
  const timeline: number[] = [];
  const clear: number[] = [];
  let events = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const doc = new Y.Doc();
    await vault.docs.loadInto(name, doc, null);
    const t1 = performance.now();
    const s = chartSummary(doc);
    const t2 = performance.now();
    events = chartTimeline(doc).length;
    const t3 = performance.now();
    if (s.latestVitals.length === 0 || s.allergies.length === 0) throw new Error('summary came out empty');
    load.push(t1 - t0);
    summary.push(t2 - t0);
    timeline.push(t3 - t2);

    const c0 = performance.now();
    const plainDoc = new Y.Doc();
    const rows = await plain.updates.where('doc').equals(name).toArray();
    Y.applyUpdate(plainDoc, rows[0].data);
    chartSummary(plainDoc);
    clear.push(performance.now() - c0);
  }
  console.log(`open from the encrypted store to summary data, p50 of ${RUNS}:`);
  console.log(`  read + decrypt + Y.Doc            ${f(p50(load))}`);
  console.log(`  … + summary data (what it renders) ${f(p50(summary))}`);
  console.log(`  baseline, same rows unencrypted     ${f(p50(clear))}  → ratio ${(p50(summary) / p50(clear)).toFixed(2)}×`);
  console.log(`  timeline model (${events} events), on top ${f(p50(timeline))}`);
  console.log(`  stored summary copy (read + decrypt + currency check), what the chart page draws first ${f(p50(fromCopy))}`);
  console.log(`  target < ${TARGET_MS} ms to summary data: from the stored copy ${p50(fromCopy) < TARGET_MS ? 'met' : 'NOT met'} (${f(p50(fromCopy))}); from the loaded document ${p50(summary) < TARGET_MS ? 'met' : 'NOT met'} (${f(p50(summary))})`);
  vault.close();
  plain.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
