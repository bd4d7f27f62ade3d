import type { PatientFacts, Period } from './measure-facts';
import { MEASURES, type MeasureDefinition, type MeasureGroup, type Membership } from './measure-definitions';
import { attributedProvider } from './measure-rules';

/**
 * Runs the measures over a clinic's patients: which patients fall in each
 * population of each group, and the performance rate. The same function
 * answers the server's `$evaluate-measure` and the page computed on the
 * device from synced charts.
 */

export const POPULATIONS = ['initialPopulation', 'denominator', 'denominatorExclusion', 'numerator'] as const;
export type Population = (typeof POPULATIONS)[number];

export interface GroupResult {
  id: string;
  title: string;
  /** Patient ids in each population, sorted. */
  populations: Record<Population, string[]>;
  /** numerator / (denominator − exclusions); null when nobody is left to count. */
  rate: number | null;
}

export interface MeasureResult {
  measureId: MeasureDefinition['id'];
  period: Period;
  /** The provider filter applied ('' for the whole clinic). */
  provider: string;
  groups: GroupResult[];
}

/** One patient's membership in one group: each population inside the one before it. */
export function membership(g: MeasureGroup, f: PatientFacts, p: Period): Membership {
  const initialPopulation = g.initialPopulation(f, p);
  const denominator = initialPopulation && (g.denominator ? g.denominator(f, p) : true);
  const denominatorExclusion = denominator && g.exclusion(f, p);
  const numerator = denominator && !denominatorExclusion && g.numerator(f, p);
  return { initialPopulation, denominator, denominatorExclusion, numerator };
}

export interface EvaluateOptions {
  /** Only patients attributed to this provider (measure-rules.ts attributedProvider); '' or absent: all. */
  provider?: string;
}

/**
 * Each patient's memberships per measure and period, remembered for as long
 * as the facts object lives: facts are replaced, never changed, when a chart
 * changes (server/measures/measure-service.ts), so a recompute after ten
 * charts changed evaluates ten patients, and the provider filter or a CSV
 * download of the same period evaluates none.
 */
type Outcome = { provider: string; groups: Membership[] };
const remembered = new WeakMap<PatientFacts, { period: string; byMeasure: Map<string, Outcome> }>();

/** One patient's outcome for one measure; `periodKey` names the period (one period is remembered per patient: the page shows one at a time). */
function patientOutcome(m: MeasureDefinition, f: PatientFacts, period: Period, periodKey: string): Outcome {
  let held = remembered.get(f);
  if (!held || held.period !== periodKey) {
    held = { period: periodKey, byMeasure: new Map() };
    remembered.set(f, held);
  }
  let out = held.byMeasure.get(m.id);
  if (!out) {
    out = { provider: attributedProvider(f, period), groups: m.groups.map((g) => membership(g, f, period)) };
    held.byMeasure.set(m.id, out);
  }
  return out;
}

export function evaluateMeasure(m: MeasureDefinition, patients: Iterable<PatientFacts>, period: Period, opts: EvaluateOptions = {}): MeasureResult {
  const provider = opts.provider ?? '';
  const groups = m.groups.map((g) => ({ g, populations: { initialPopulation: [], denominator: [], denominatorExclusion: [], numerator: [] } as Record<Population, string[]> }));
  const periodKey = `${period.start}/${period.end}`;
  for (const f of patients) {
    const outcome = patientOutcome(m, f, period, periodKey);
    if (provider && outcome.provider !== provider) continue;
    groups.forEach(({ populations }, i) => {
      const mem = outcome.groups[i];
      for (const pop of POPULATIONS) if (mem[pop]) populations[pop].push(f.patientId);
    });
  }
  return {
    measureId: m.id,
    period,
    provider,
    groups: groups.map(({ g, populations }) => {
      for (const pop of POPULATIONS) populations[pop].sort();
      const counted = populations.denominator.length - populations.denominatorExclusion.length;
      return { id: g.id, title: g.title, populations, rate: counted > 0 ? populations.numerator.length / counted : null };
    })
  };
}

export function evaluateAll(patients: readonly PatientFacts[], period: Period, opts: EvaluateOptions = {}): MeasureResult[] {
  return MEASURES.map((m) => evaluateMeasure(m, patients, period, opts));
}

/** The providers patients are attributed to in the period, for the filter. */
export function providersIn(patients: readonly PatientFacts[], period: Period): string[] {
  const names = new Set<string>();
  for (const f of patients) {
    const p = attributedProvider(f, period);
    if (p) names.add(p);
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}
