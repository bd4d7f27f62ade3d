import { vitalSeries, type VitalKind, type VitalReading } from '../vitals';
import type { ReminderContext } from './types';

/**
 * Finding the evidence a rule needs in the chart: the newest entry with one
 * of a set of codes (LOINC, SNOMED, ICD-10-CM) or, for records that arrive
 * with text only, a name pattern. Entries marked entered-in-error or
 * cancelled never count.
 */

const DAY = 86_400_000;
const VOID = ['entered-in-error', 'cancelled', 'not-done', 'revoked'];

export interface EvidenceQuery {
  codes?: readonly string[];
  /** Code prefixes, for hierarchical systems such as ICD-10-CM (E11 covers E11.9). */
  codePrefixes?: readonly string[];
  text?: RegExp;
}

interface Coded {
  status?: string;
  verificationStatus?: string;
  code: { text: string; coding?: { code?: string }[] };
}

function matches(e: Coded, q: EvidenceQuery): boolean {
  // A refuted problem was ruled out: it is not the patient's problem (as with refuted allergies in the drug checks).
  if (VOID.includes(e.status ?? '') || e.verificationStatus === 'entered-in-error' || e.verificationStatus === 'refuted') return false;
  // Stryker disable next-line StringLiteral: the stand-in for a coding without a code is never a code a query lists or a prefix starts, whatever string it is
  const codes = (e.code.coding ?? []).map((c) => c.code ?? '');
  if (q.codes?.some((c) => codes.includes(c))) return true;
  if (q.codePrefixes?.some((p) => codes.some((c) => c.startsWith(p)))) return true;
  return !!q.text && q.text.test(e.code.text);
}

/** Newest date per code and per name across a chart's results and procedures, built once per chart state. */
interface EvidenceIndex {
  byCode: Map<string, string>;
  byText: Map<string, string>;
}
const indexes = new WeakMap<readonly unknown[], EvidenceIndex>();

function keepLatest(map: Map<string, string>, key: string, date: string): void {
  const seen = map.get(key);
  if (!seen || seen < date) map.set(key, date);
}

/**
 * A 20-year chart holds thousands of observations and a dozen rules ask
 * about them on every change, so each rule reads an index (latest date per
 * code and per name) instead of scanning the chart again.
 */
function indexOf(ctx: ReminderContext): EvidenceIndex {
  const cached = indexes.get(ctx.observations);
  if (cached && indexes.get(ctx.reports) === cached && indexes.get(ctx.procedures) === cached) return cached;
  const index: EvidenceIndex = { byCode: new Map(), byText: new Map() };
  const add = (e: Coded, date: string) => {
    // Stryker disable next-line StringLiteral: the stand-in for an entry without a status is never one of the VOID statuses, whatever string it is
    if (!date || VOID.includes(e.status ?? '')) return;
    for (const c of e.code.coding ?? []) if (c.code) keepLatest(index.byCode, c.code, date);
    keepLatest(index.byText, e.code.text, date);
  };
  for (const o of ctx.observations) add(o, o.effectiveDateTime || o.createdAt);
  for (const r of ctx.reports) add(r, r.effectiveDateTime || r.createdAt);
  for (const p of ctx.procedures) add(p, p.performedPeriod.start || p.createdAt);
  for (const list of [ctx.observations, ctx.reports, ctx.procedures]) indexes.set(list, index);
  return index;
}

/** Date of the newest observation, report or procedure matching the query, or undefined. */
export function lastDone(ctx: ReminderContext, q: EvidenceQuery): string | undefined {
  const { byCode, byText } = indexOf(ctx);
  const dates: string[] = [];
  // Stryker disable next-line ArrayDeclaration: a query without codes looks up nothing by code; a stand-in string is no chart code either
  for (const c of q.codes ?? []) {
    const d = byCode.get(c);
    if (d) dates.push(d);
  }
  if (q.codePrefixes) for (const [c, d] of byCode) if (q.codePrefixes.some((p) => c.startsWith(p))) dates.push(d);
  if (q.text) for (const [t, d] of byText) if (q.text.test(t)) dates.push(d);
  return dates.sort().at(-1);
}

/** True when the date lies within `years` before now. */
export function within(date: string | undefined, years: number, now: string): boolean {
  if (!date) return false;
  return Date.parse(now) - Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date) <= years * 365.25 * DAY;
}

/** An active problem on the list matching the query. */
export function hasProblem(ctx: ReminderContext, q: EvidenceQuery): boolean {
  return ctx.conditions.some((c) => ['active', 'recurrence', 'relapse'].includes(c.clinicalStatus) && matches(c, q));
}

/** An active or draft order for one of the codes, so a reminder shows "ordered" rather than "due". */
export function openOrderFor(ctx: ReminderContext, codes: readonly string[]): string | undefined {
  return ctx.orders.find((o) => (o.status === 'active' || o.status === 'draft') && (o.code.coding ?? []).some((c) => codes.includes(c.code ?? '')))?.id;
}

const series = new WeakMap<readonly unknown[], Record<VitalKind, VitalReading[]>>();

/** The vital-sign trend lines of the chart (domain/vitals.ts), computed once per chart state. */
export function seriesOf(ctx: ReminderContext): Record<VitalKind, VitalReading[]> {
  let s = series.get(ctx.observations);
  if (!s) series.set(ctx.observations, (s = vitalSeries([...ctx.observations])));
  return s;
}
