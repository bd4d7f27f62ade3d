/**
 * What the server's write policy costs per update (server/policy): every
 * websocket or batch update is first applied to the document's shadow,
 * judged entry by entry, and only then stored and applied to the live
 * document. Baseline in the same process: applying the same updates to the
 * live document alone, which is all the server did before the policy.
 *
 * Measured on a small chart and on the 20-year chart (bench/twenty-year-chart.ts,
 * 4.6 MiB), with a clinician's honest edits: typing into a draft note one
 * keystroke per update, adding problems and allergies. Also the cost of the
 * shadow itself: building it for a document (after a server start, an
 * eviction, or a refused update, which drops it).
 *
 * Signing a prescription costs more: the server runs the drug checks again
 * against the whole chart (rules/prescription-checks.ts), so signatures made
 * as the prescribe page makes them (the checks on the device, a reason for
 * each serious alert) are measured apart, on both charts.
 *
 *   npm run bench -- "write policy"
 */
import * as Y from 'yjs';
import { addAllergy, addCondition, addEncounter, initChartDoc, noteSection } from '../src/lib/chart/chart-doc';
import { PolicyGate, type Gated } from '../server/policy/policy-gate';
import type { Author } from '../server/policy/policy-types';
import { alertKey, checkDraft, emptyDraft, needsOverride, signPrescription, type PrescriptionDraft } from '../src/lib/services/prescribe.service';
import { twentyYearChart } from './twenty-year-chart';

const PATIENT = '0b9f6c1e-2d3a-4b5c-8d7e-6f5a4b3c2d1e';
const ACTOR = { id: 'u-bench', name: 'Dr Bench' };
const AUTHOR: Author = { kind: 'user', userId: ACTOR.id, name: ACTOR.name, roles: ['clinician'], via: 'websocket' };

function stats(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** A clinician's session on a device copy: the updates it sends, in order. */
function honestEdits(base: Y.Doc, count: number): Uint8Array[] {
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(base));
  const out: Uint8Array[] = [];
  device.on('update', (u: Uint8Array) => out.push(u));
  const visit = addEncounter(device, { class: 'ambulatory', type: 'Follow-up', reason: 'Review' }, ACTOR);
  const text = noteSection(device, visit, 'subjective');
  for (let i = 0; out.length < count; i++) {
    if (i % 50 === 49) addCondition(device, { text: `Problem ${i}`, clinicalStatus: 'active' }, ACTOR);
    else if (i % 97 === 96) addAllergy(device, { substance: `Substance ${i}`, category: 'medication', criticality: 'low', reaction: 'Rash', severity: 'mild' }, ACTOR);
    else text.insert(text.length, 'abcdefghij'[i % 10]);
  }
  return out.slice(0, count);
}

/** A clinician signing `count` prescriptions on a device copy, as the prescribe page signs them: the updates it sends. */
function signings(base: Y.Doc, count: number): Uint8Array[] {
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(base));
  const out: Uint8Array[] = [];
  device.on('update', (u: Uint8Array) => out.push(u));
  const drugs = ['acetaminophen', 'amlodipine', 'metformin', 'ibuprofen'];
  for (let i = 0; i < count; i++) {
    const draft: PrescriptionDraft = { ...emptyDraft(), drugId: drugs[i % drugs.length], strength: '500 mg', doseValue: 1, quantity: 30 };
    const reasons = Object.fromEntries(checkDraft({ chartDoc: device }, draft).filter(needsOverride).map((a) => [alertKey(a), 'Reviewed with the patient']));
    const r = signPrescription({ chartDoc: device }, draft, reasons, { actor: ACTOR, roles: ['clinician'] });
    if (!r.ok) throw new Error(r.message);
  }
  return out;
}

function measure(label: string, base: Y.Doc, count: number, make: (base: Y.Doc, count: number) => Uint8Array[] = honestEdits, what = 'honest updates'): void {
  const edits = make(base, count);
  const state = Y.encodeStateAsUpdate(base);

  // Baseline: the live document alone.
  const plain = new Y.Doc();
  Y.applyUpdate(plain, state);
  const baseSamples: number[] = [];
  for (const u of edits) {
    const t0 = performance.now();
    Y.applyUpdate(plain, u);
    baseSamples.push(performance.now() - t0);
  }

  // With the policy: judged on the shadow, then applied to the live document.
  const gate = new PolicyGate();
  const live: Gated = { identity: { name: `chart:${PATIENT}`, clinicId: 'c1', kind: 'chart', patientId: PATIENT }, doc: new Y.Doc(), shadow: null, unapplied: [] };
  Y.applyUpdate(live.doc, state);
  const samples: number[] = [];
  let refusedOrCorrected = 0;
  let shadowBuild = 0;
  for (const u of edits) {
    const t = performance.now();
    const r = gate.admit(live, u, AUTHOR);
    if (r.kind !== 'accepted' || r.correction) refusedOrCorrected++;
    Y.applyUpdate(live.doc, u);
    gate.applied(live, 1);
    const ms = performance.now() - t;
    if (samples.length === 0) shadowBuild = ms;
    samples.push(ms);
  }
  const b = stats(baseSamples);
  const p = stats(samples.slice(1));
  console.log(
    `${label}: ${edits.length} ${what} — with the policy p50 ${p.p50.toFixed(3)} ms, p99 ${p.p99.toFixed(3)} ms, mean ${p.mean.toFixed(3)} ms; ` +
      `baseline (apply only) p50 ${b.p50.toFixed(3)} ms, p99 ${b.p99.toFixed(3)} ms, mean ${b.mean.toFixed(3)} ms; ratio of means ${(p.mean / b.mean).toFixed(2)}x`
  );
  console.log(`  first update, which builds the shadow: ${shadowBuild.toFixed(1)} ms; refused or corrected: ${refusedOrCorrected} (expected 0)`);
}

export async function run(): Promise<void> {
  const small = new Y.Doc();
  initChartDoc(small, PATIENT);
  addAllergy(small, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Anaphylaxis', severity: 'severe' }, ACTOR);
  addCondition(small, { text: 'Hypertension', clinicalStatus: 'active' }, ACTOR);
  measure('small chart', small, 2000);
  measure('small chart', small, 40, signings, 'signed prescriptions');
  const big = twentyYearChart(PATIENT, ACTOR).doc;
  console.log(`20-year chart: ${(Y.encodeStateAsUpdate(big).length / 1048576).toFixed(1)} MiB`);
  measure('20-year chart', big, 2000);
  measure('20-year chart', big, 40, signings, 'signed prescriptions');
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
