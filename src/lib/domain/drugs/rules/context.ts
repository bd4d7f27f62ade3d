/** What every rule sees: the pack indices, the resolved medicines and the patient. */
import type { InvolvedItem } from '../alert';
import type { PatientContext } from '../inputs';
import type { DrugKnowledge } from '../knowledge';
import type { ResolvedMedication } from '../resolve';

export interface RuleContext {
  k: DrugKnowledge;
  order: ResolvedMedication;
  actives: ResolvedMedication[];
  patient: PatientContext;
  now: Date;
}

export function involvedMed(m: ResolvedMedication, role: 'order' | 'active-medication'): InvolvedItem {
  return { role, name: m.label, ingredients: m.ingredients, ...(m.rxcui ? { rxcui: m.rxcui } : {}) };
}

/** Whole years between an ISO birth date and `now`; undefined when unknown or malformed. */
export function ageInYears(birthDate: string | undefined, now: Date): number | undefined {
  const m = birthDate?.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < mo || (now.getUTCMonth() + 1 === mo && now.getUTCDate() < d)) age--;
  return age;
}

/** Whole months between an ISO birth date and `now` (a month is complete on the same day of the month); undefined when unknown or malformed. */
export function ageInMonths(birthDate: string | undefined, now: Date): number | undefined {
  const m = birthDate?.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let months = (now.getUTCFullYear() - y) * 12 + (now.getUTCMonth() + 1 - mo);
  if (now.getUTCDate() < d) months--;
  return months;
}

/** Children's doses are checked per kg under this age in whole years (dose-range.ts); no check reads an adult's weight. */
export const PEDIATRIC_UNDER_YEARS = 18;

export const DAY_MS = 86_400_000;

/**
 * How many medicines a factor's detail names before it only counts the rest.
 * A chart's list is short; a CDS request may prefetch a thousand, and naming
 * every other medicine in every alert made the answer grow with the square
 * of the list (one alert per NSAID, each naming all the others).
 */
export const NAMED_AT_MOST = 10;

/** Labels of the first medicines, then "and N more" when `total` exceeds NAMED_AT_MOST. */
export function namesOf(meds: readonly { label: string }[], total: number = meds.length): string {
  const shown = meds.slice(0, NAMED_AT_MOST).map((m) => m.label).join(', ');
  return total > NAMED_AT_MOST ? `${shown} and ${total - NAMED_AT_MOST} more` : shown;
}

/**
 * What a rule reads from the whole patient (co-medications, labs, history)
 * is the same for every hit of one check: computed on the first hit and
 * kept for the others, so a check stays linear in the medication list
 * however many of its medicines hit the rule.
 */
export function perCheck<T>(cache: WeakMap<RuleContext, T>, ctx: RuleContext, build: (ctx: RuleContext) => T): T {
  let value = cache.get(ctx);
  if (value === undefined) {
    value = build(ctx);
    cache.set(ctx, value);
  }
  return value;
}
