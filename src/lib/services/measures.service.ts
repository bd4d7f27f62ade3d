import * as Y from 'yjs';
import { z } from 'zod';
import { MEASURE_FACTS_VERSION, measureFactsOf } from '../chart/measure-facts-reader';
import { readPatient } from '../chart/patient-doc';
import { docAccess, parseDocName } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { evaluateAll, providersIn, type Population } from '../domain/measures/evaluate-measures';
import { MEASURES } from '../domain/measures/measure-definitions';
import type { PatientFacts, Period } from '../domain/measures/measure-facts';
import { NOT_CERTIFIED, patientsCsv, summaryCsv, type PatientLabel } from '../domain/measures/measure-fhir';
import { toBase64 } from '../storage/base64';
import { api } from './api-client';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * The quality measures page's data: from the clinic server (all the
 * clinic's charts), or, when the server cannot be reached, computed on this
 * device with the same engine (domain/measures) over the charts synced to
 * it, which the page says. The device keeps each patient's facts keyed by
 * the documents' state vectors, in memory and sealed in the vault (read
 * back on the next page load), so computing again after a sync, or after
 * the app is opened again, re-reads only the charts that changed.
 */

export interface MeasureGroupView {
  id: string;
  title: string;
  rate: number | null;
  counts: Record<Population, number>;
  /** Patient ids per population; null for a role that may not open charts (administrators). */
  populations: Record<Population, string[]> | null;
}

export interface MeasuresView {
  disclaimer: string;
  period: Period;
  provider: string;
  providers: string[];
  patientLists: boolean;
  measures: { id: string; version: string; title: string; description: string; improvement: 'increase' | 'decrease'; url: string; groups: MeasureGroupView[] }[];
  patients: Record<string, PatientLabel>;
  /** Where the numbers come from: the server, or this device's synced charts. */
  source: 'server' | 'device';
  /** Device only: how many patients' records are on this device. */
  patientsOnDevice?: number;
}

function query(period: Period, provider: string): string {
  const q = new URLSearchParams({ periodStart: period.start, periodEnd: period.end });
  if (provider) q.set('provider', provider);
  return q.toString();
}

export function csvHref(period: Period, provider: string, kind: 'summary' | 'patients'): string {
  return `/api/measures/csv?${query(period, provider)}&kind=${kind}`;
}

export async function loadMeasures(period: Period, provider: string, ws: Workspace = currentWorkspace()): Promise<MeasuresView> {
  try {
    const view = await api<Omit<MeasuresView, 'source'>>(`/api/measures?${query(period, provider)}`);
    return { ...view, source: 'server' };
  } catch (err) {
    if (err instanceof AppError && err.code === 'unavailable') return measuresOnDevice(ws, period, provider);
    throw err;
  }
}

const codes = z.array(z.string());
const factsSchema = z.object({
  patientId: z.string(),
  birthDate: z.string(),
  gender: z.string(),
  conditions: z.array(z.object({ codes, onset: z.string(), abatement: z.string() })),
  observations: z.array(
    z.object({ codes, date: z.string(), value: z.number().optional(), unit: z.string().optional(), valueCodes: codes, components: z.array(z.object({ codes, value: z.number().optional() })) })
  ),
  events: z.array(z.object({ kind: z.enum(['procedure', 'carePlan', 'report', 'medication']), codes, text: z.string(), date: z.string() })),
  encounters: z.array(z.object({ date: z.string(), type: z.string(), provider: z.string() }))
});
const heldSchema = z.object({ sv: z.string(), facts: factsSchema, label: z.object({ mrn: z.string(), name: z.string() }) });
type Held = z.infer<typeof heldSchema>;
// The reader's version in the key: facts read by another version are read again.
const CACHE_KEY = `measures:facts:${MEASURE_FACTS_VERSION}`;
const cacheSchema = z.object({ patients: z.record(z.string(), heldSchema) });

/** Per user vault: the facts of the last computation on this page. */
const heldBy = new WeakMap<Workspace['vault'], Map<string, Held>>();
const yieldToBrowser = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The facts of every patient whose record is on this device; re-read only where a document's state changed (also the dashboard's measure trends). */
export async function deviceFacts(ws: Workspace): Promise<{ facts: PatientFacts[]; labels: Map<string, PatientLabel> }> {
  const names = await ws.vault.docs.docNames();
  const ids = names.map(parseDocName).flatMap((p) => (p && p.kind === 'patient' ? [p.patientId] : []));
  let held = heldBy.get(ws.vault);
  if (!held) {
    const sealed = await ws.vault.meta.getSealed(CACHE_KEY, cacheSchema, 'measures').catch(() => null);
    held = new Map(Object.entries(sealed?.patients ?? {}));
    heldBy.set(ws.vault, held);
  }
  // Every state vector in one read (nothing decrypted).
  const vectors = await ws.vault.docs.stateVectors(ids.flatMap((id) => [`patient:${id}`, `chart:${id}`]));
  const facts: PatientFacts[] = [];
  const labels = new Map<string, PatientLabel>();
  let changed = held.size !== ids.length;
  let slice = performance.now();
  for (const [i, id] of ids.entries()) {
    const pair = [`patient:${id}`, `chart:${id}`];
    const sv = `${toBase64(vectors[2 * i])}.${toBase64(vectors[2 * i + 1])}`;
    let h = held.get(id);
    if (!h || h.sv !== sv) {
      changed = true;
      // Named: Yjs draws no random guid for them.
      const patientDoc = new Y.Doc({ guid: pair[0] });
      const chartDoc = new Y.Doc({ guid: pair[1] });
      try {
        if (!(await ws.vault.docs.loadInto(pair[0], patientDoc, null))) continue;
        const hasChart = await ws.vault.docs.loadInto(pair[1], chartDoc, null);
        const p = readPatient(patientDoc);
        h = { sv, facts: measureFactsOf(patientDoc, hasChart ? chartDoc : null, id), label: { mrn: p?.mrn ?? '', name: p ? [p.given.join(' '), p.family].filter(Boolean).join(' ') : '' } };
        held.set(id, h);
      } finally {
        patientDoc.destroy();
        chartDoc.destroy();
      }
      if (performance.now() - slice > 40) {
        await yieldToBrowser();
        slice = performance.now();
      }
    }
    facts.push(h.facts);
    labels.set(id, h.label);
  }
  if (changed) {
    const keep = new Set(ids);
    for (const id of held.keys()) if (!keep.has(id)) held.delete(id);
    // Written after the facts are handed back: the page paints first.
    void ws.vault.meta.setSealed(CACHE_KEY, { patients: Object.fromEntries(held) }).catch(() => undefined);
  }
  return { facts, labels };
}

async function measuresOnDevice(ws: Workspace, period: Period, provider: string): Promise<MeasuresView> {
  if (docAccess(ws.user.roles, 'chart') === 'none') {
    throw new AppError('unavailable', 'The clinic server cannot be reached, and quality measures on this device need access to the charts.');
  }
  const { facts, labels } = await deviceFacts(ws);
  const results = evaluateAll(facts, period, { provider });
  const patients: Record<string, PatientLabel> = {};
  for (const r of results) for (const g of r.groups) for (const id of g.populations.initialPopulation) patients[id] ??= labels.get(id) ?? { mrn: '', name: '' };
  lastDevice = { results, labels };
  return {
    disclaimer: NOT_CERTIFIED,
    period,
    provider,
    providers: providersIn(facts, period),
    patientLists: true,
    measures: MEASURES.map((m, i) => ({
      id: m.id,
      version: m.version,
      title: m.title,
      description: m.description,
      improvement: m.improvement,
      url: m.url,
      groups: results[i].groups.map((g) => ({
        id: g.id,
        title: g.title,
        rate: g.rate,
        counts: { initialPopulation: g.populations.initialPopulation.length, denominator: g.populations.denominator.length, denominatorExclusion: g.populations.denominatorExclusion.length, numerator: g.populations.numerator.length },
        populations: g.populations
      }))
    })),
    patients,
    source: 'device',
    patientsOnDevice: facts.length
  };
}

let lastDevice: { results: ReturnType<typeof evaluateAll>; labels: Map<string, PatientLabel> } | null = null;

/** The CSV of the last computation made on this device (offline), built here: the server's CSV needs the server. */
export function deviceCsv(kind: 'summary' | 'patients'): string | null {
  if (!lastDevice) return null;
  const { results, labels } = lastDevice;
  return kind === 'summary' ? summaryCsv(results) : patientsCsv(results, (id) => labels.get(id) ?? { mrn: '', name: '' });
}
