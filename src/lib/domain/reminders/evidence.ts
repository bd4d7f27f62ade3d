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
  if (VOID.includes(e.status ?? '') || e.verificationStatus === 'entered-in-error') return false;
  const codes = (e.code.coding ?? []).map((c) => c.code ?? '');
  if (q.codes?.some((c) => codes.includes(c))) return true;
  if (q.codePrefixes?.some((p) => codes.some((c) => c.startsWith(p)))) return true;
  return !!q.text && q.text.test(e.code.text);
}

/** Date of the newest observation, report or procedure matching the query, or undefined. */
export function lastDone(ctx: ReminderContext, q: EvidenceQuery): string | undefined {
  const dates: string[] = [];
  for (const o of ctx.observations) if (matches(o, q)) dates.push(o.effectiveDateTime || o.createdAt);
  for (const r of ctx.reports) if (matches(r, q)) dates.push(r.effectiveDateTime || r.createdAt);
  for (const p of ctx.procedures) if (matches(p, q)) dates.push(p.performedPeriod.start || p.createdAt);
  return dates.filter(Boolean).sort().at(-1);
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
