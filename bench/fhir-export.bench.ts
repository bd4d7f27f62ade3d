import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { addAllergy, addEncounter, initChartDoc, noteSection, signNote } from '../src/lib/chart/chart-doc';
import { putClinical, putEntry } from '../src/lib/chart/clinical-doc';
import { recordVaccination } from '../src/lib/chart/immunization-doc';
import { prescribe } from '../src/lib/chart/medication-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { recordVitals } from '../src/lib/chart/vitals-doc';
import { recordToFhir } from '../src/lib/fhir/export/chart-to-fhir';
import { addClinic, sessionCookieFor, startTestApp } from '../server/http/test-app';
import { chunkUpdates, twentyYearChart } from './twenty-year-chart';

/**
 * FHIR export on the real server over loopback HTTP.
 *
 * 1. `Patient/<id>/$everything` and `Patient/<id>/$summary` of the 20-year
 *    chart (twenty-year-chart.ts): ms per request, median of 7 after a
 *    warm-up. Baseline, same process: loading both documents and mapping them
 *    (recordToFhir) without HTTP. Target: $everything < 500 ms.
 * 2. Bulk `$export` of a clinic of 1,000 seeded patients (a small chart each):
 *    kick-off → status polled every 50 ms → manifest; resources/s from
 *    kick-off to manifest, the event loop's worst delay meanwhile, and peak
 *    RSS and heap sampled during the export against the figures just before.
 *    Baseline, same process: the same patients mapped in-process without files.
 */

const BULK_PATIENTS = 1000;
const RUNS = 7;

/** GET once more when the first attempt met a kept-alive connection the server had closed meanwhile (idle > 5 s while seeding). */
async function get(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

function smallChart(patientId: string, actor: { id: string; name: string }, i: number): Y.Doc {
  const chart = new Y.Doc();
  initChartDoc(chart, patientId);
  addAllergy(chart, { substance: i % 2 ? 'Penicillin' : 'Peanut', category: i % 2 ? 'medication' : 'food', recordedDate: '2024-01-05' }, actor);
  putEntry(chart, 'conditions', crypto.randomUUID(), { resourceType: 'Condition', code: { text: 'Hypertension', coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2020-03-01', abatementDate: '', note: '', recordedDate: '2024-01-05' }, actor);
  for (let v = 0; v < 3; v++) recordVitals(chart, { systolic: 120 + v + (i % 20), diastolic: 80, heartRate: 70 + v, weight: 70 + (i % 30) }, actor, `202${3 + v}-02-01T09:00:00.000Z`);
  putClinical(chart, 'observations', crypto.randomUUID(), { status: 'final', category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] }, effectiveDateTime: '2025-02-03T08:00:00.000Z', valueQuantity: { value: 5 + (i % 30) / 10, unit: '%' } }, actor);
  recordVaccination(chart, { cvx: '140', date: '2025-10-01', lotNumber: `LOT${i}`, site: 'LD', route: 'IM' }, actor);
  prescribe(chart, { medicationCodeableConcept: { text: 'Amlodipine 5 mg tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }] }, dosage: { text: '1 tablet once daily', route: { text: 'Oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 1, period: 1, periodUnit: 'd' }, asNeeded: false }, dispense: { quantity: { value: 30, unit: 'tablet' }, numberOfRepeatsAllowed: 2, expectedSupplyDuration: 30 } }, actor);
  const enc = addEncounter(chart, { type: 'Office visit', reason: 'Review', start: '2025-02-01T09:00:00.000Z' }, actor);
  noteSection(chart, enc, 'subjective').insert(0, 'Feels well. '.repeat(10));
  signNote(chart, enc, actor);
  return chart;
}

export async function run(): Promise<void> {
  const app = await startTestApp({ logger: (line: string) => (process.env.BENCH_LOG ? console.log(line) : undefined) } as never);
  try {
    await addClinic(app, 'Long Chart Clinic', [{ username: 'dr.demo', roles: ['clinician'] }]);
    const { clinicId: bulkClinic, ids } = await addClinic(app, 'Bulk Clinic', [{ username: 'bulk.doc', roles: ['clinician'] }]);
    const longCookie = await sessionCookieFor(app.url, 'dr.demo');
    const bulkCookie = await sessionCookieFor(app.url, 'bulk.doc');

    // ── 1. $everything and $summary of the 20-year chart ──
    const s0 = performance.now();
    const longClinic = (app.db.prepare("SELECT clinic_id FROM users WHERE username = 'dr.demo'").get() as { clinic_id: string }).clinic_id;
    const longActor = { id: (app.db.prepare("SELECT id FROM users WHERE username = 'dr.demo'").get() as { id: string }).id, name: 'Dr Demo' };
    const patientId = crypto.randomUUID();
    const longPatient = new Y.Doc();
    initPatientDoc(longPatient, patientId, { family: 'Longview', given: ['Twenty'], birthDate: '1961-04-12', gender: 'female' }, longActor, 'LONG-1');
    const { counts, updates } = twentyYearChart(patientId, longActor);
    // Written as the server's own seed (the import policy refuses rewriting entries charted here, which a 20-year history does).
    await app.sync.applyServerUpdate(`patient:${patientId}`, longClinic, Y.encodeStateAsUpdate(longPatient), longActor.id, 'seed');
    for (const part of chunkUpdates(updates, 512 * 1024)) await app.sync.applyServerUpdate(`chart:${patientId}`, longClinic, part, longActor.id, 'seed');
    const seedMs = performance.now() - s0;
    const timeGet = async (p: string, encoding?: string) => {
      const t = performance.now();
      const res = await get(`${app.url}${p}`, { headers: { cookie: longCookie, ...(encoding ? { 'accept-encoding': encoding } : {}) } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}: ${body.slice(0, 300)}`);
      return { ms: performance.now() - t, bytes: Buffer.byteLength(body), entries: (JSON.parse(body) as { entry: unknown[] }).entry.length };
    };
    // Cold: the chart changed just before (one problem added), so it is decoded and mapped again; warm: unchanged since the last request.
    let added = 0;
    const touch = async () => {
      const d = new Y.Doc();
      putEntry(d, 'conditions', crypto.randomUUID(), { resourceType: 'Condition', code: { text: `Bench problem ${added++}` }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2026-01-01', abatementDate: '', note: '', recordedDate: '2026-01-01' }, longActor);
      await app.sync.applyServerUpdate(`chart:${patientId}`, longClinic, Y.encodeStateAsUpdate(d), longActor.id, 'seed');
    };
    const figures: Record<string, { ms: number[]; bytes: number; entries: number }> = {};
    for (const op of ['$everything', '$summary']) {
      await timeGet(`/fhir/R4/Patient/${patientId}/${op}`); // warm-up
      for (const kind of ['cold', 'warm', 'warm gzip', 'warm identity']) {
        const ms: number[] = [];
        let last = { bytes: 0, entries: 0 };
        for (let i = 0; i < RUNS; i++) {
          if (kind === 'cold') await touch();
          const r = await timeGet(`/fhir/R4/Patient/${patientId}/${op}`, kind === 'warm gzip' ? 'gzip' : kind === 'warm identity' ? 'identity' : undefined);
          ms.push(r.ms);
          last = r;
        }
        figures[`${op} ${kind}`] = { ...last, ms };
      }
    }
    const base: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const docs = await Promise.all(['patient', 'chart'].map(async (k) => {
        const d = new Y.Doc();
        Y.applyUpdate(d, (await app.sync.readState(`${k}:${patientId}`, longClinic))!);
        return d;
      }));
      recordToFhir(docs[0], docs[1], patientId);
      base.push(performance.now() - t);
    }
    console.log(`20-year chart (${counts.encounters} visits, ${counts.observations} observations, ${counts.notes} notes; seeded in ${(seedMs / 1000).toFixed(1)} s), GET over loopback, median of ${RUNS} after a warm-up (cold: chart written just before; warm: unchanged; fetch's default Accept-Encoding gets brotli, also shown with gzip and identity):`);
    for (const [op, f] of Object.entries(figures)) {
      console.log(`  ${op.padEnd(26)} ${median(f.ms).toFixed(0)} ms  (min ${Math.min(...f.ms).toFixed(0)}, max ${Math.max(...f.ms).toFixed(0)}; ${f.entries} entries, ${(f.bytes / 1024).toFixed(0)} KiB)`);
    }
    const cold = median(figures['$everything cold'].ms);
    const warm = median(figures['$everything warm'].ms);
    console.log(`  baseline: load both documents + recordToFhir in-process, uncached ${median(base).toFixed(0)} ms; ratio $everything cold/baseline ${(cold / median(base)).toFixed(2)}x, warm/baseline ${(warm / median(base)).toFixed(2)}x`);
    console.log(`  target $everything < 500 ms: cold ${cold < 500 ? 'met' : 'NOT met'}, warm ${warm < 500 ? 'met' : 'NOT met'}`);

    // ── 2. Bulk $export of 1,000 patients ──
    const actor = { id: ids['bulk.doc'], name: 'Dr Bulk' };
    const b0 = performance.now();
    const pids: string[] = [];
    for (let i = 0; i < BULK_PATIENTS; i++) {
      const pid = crypto.randomUUID();
      pids.push(pid);
      const patient = new Y.Doc();
      initPatientDoc(patient, pid, { family: `Family${i}`, given: ['Given'], birthDate: '1970-01-01', gender: i % 2 ? 'female' : 'male' }, actor, `BULK-${i}`);
      const chart = smallChart(pid, actor, i);
      await app.sync.applyServerUpdate(`patient:${pid}`, bulkClinic, Y.encodeStateAsUpdate(patient), actor.id, 'seed');
      await app.sync.applyServerUpdate(`chart:${pid}`, bulkClinic, Y.encodeStateAsUpdate(chart), actor.id, 'seed');
      patient.destroy();
      chart.destroy();
    }
    const seedBulkMs = performance.now() - b0;

    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 20);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const t0 = performance.now();
    const kick = await get(`${app.url}/fhir/R4/$export`, { headers: { cookie: bulkCookie, prefer: 'respond-async' } });
    if (kick.status !== 202) throw new Error(`kick-off answered ${kick.status}`);
    const statusUrl = kick.headers.get('content-location')!;
    let manifest = null as { output: { type: string; url: string; count: number }[] } | null;
    let polls = 0;
    const pollMs: number[] = [];
    while (!manifest) {
      polls++;
      const p = performance.now();
      const res = await fetch(statusUrl, { headers: { cookie: bulkCookie } });
      pollMs.push(performance.now() - p);
      if (res.status === 200) manifest = (await res.json()) as typeof manifest;
      else if (res.status !== 202) throw new Error(`status answered ${res.status}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
    const exportMs = performance.now() - t0;
    loop.disable();
    clearInterval(sampler);
    const total = manifest!.output.reduce((n, o) => n + o.count, 0);
    const d0 = performance.now();
    let lines = 0;
    let bytes = 0;
    for (const o of manifest!.output) {
      const text = await (await fetch(o.url, { headers: { cookie: bulkCookie } })).text();
      bytes += Buffer.byteLength(text);
      lines += text.split('\n').length - 1;
    }
    const downloadMs = performance.now() - d0;
    if (lines !== total) throw new Error(`files hold ${lines} lines, the manifest says ${total}`);
    await fetch(statusUrl, { method: 'DELETE', headers: { cookie: bulkCookie } });

    const m0 = performance.now();
    let mapped = 0;
    for (const pid of pids) {
      const docs = await Promise.all(['patient', 'chart'].map(async (k) => {
        const d = new Y.Doc();
        Y.applyUpdate(d, (await app.sync.readState(`${k}:${pid}`, bulkClinic))!);
        return d;
      }));
      for (const r of recordToFhir(docs[0], docs[1], pid)) mapped += JSON.stringify(r).length > 0 ? 1 : 0;
    }
    const mapMs = performance.now() - m0;

    const types = manifest!.output.map((o) => `${o.type} ${o.count}`).join(', ');
    console.log(`bulk $export of ${BULK_PATIENTS} patients (seeded in ${(seedBulkMs / 1000).toFixed(1)} s): ${total} resources in ${manifest!.output.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB of NDJSON`);
    console.log(`  ${types}`);
    console.log(`  kick-off → manifest ${(exportMs / 1000).toFixed(2)} s = ${((total / exportMs) * 1000).toFixed(0)} resources/s (${polls} polls, status answered in median ${median(pollMs).toFixed(1)} ms, max ${Math.max(...pollMs).toFixed(1)} ms)`);
    console.log(`  event loop delay during the export: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
    console.log(`  memory: before RSS ${mib(before.rss)} heap ${mib(before.heapUsed)}; peak during RSS ${mib(peakRss)} (+${mib(peakRss - before.rss)}) heap ${mib(peakHeap)} (+${mib(peakHeap - before.heapUsed)})`);
    console.log(`  download of every file ${downloadMs.toFixed(0)} ms`);
    console.log(`  baseline: the same ${BULK_PATIENTS} patients mapped in-process, no files ${(mapMs / 1000).toFixed(2)} s = ${((mapped / mapMs) * 1000).toFixed(0)} resources/s; ratio export/baseline ${((total / exportMs) / (mapped / mapMs)).toFixed(2)}x`);
  } finally {
    await app.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
