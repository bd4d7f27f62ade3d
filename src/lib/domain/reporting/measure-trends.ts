import { evaluateMeasure } from '../measures/evaluate-measures';
import { MEASURES, type MeasureDefinition, type MeasureId } from '../measures/measure-definitions';
import { shiftDays, shiftMonths, type PatientFacts, type Period } from '../measures/measure-facts';

/**
 * The quality measures month by month, for the clinic dashboard: each
 * measure's rate, with the same engine as the measures page
 * (domain/measures), over a rolling measurement period per month.
 *
 * The period of a month is the 12 months ending on that month's last day
 * (1 December 2025 – 30 November 2026 for November 2026): the eCQM
 * measurement period is one year (CMS eCQM specifications, 2025
 * performance period, "Measurement Period"), here rolled forward a month at
 * a time instead of fixed to the calendar year. The current month ends on
 * `to` (today): a period never ends in the future.
 */

export interface TrendMonth {
  /** `YYYY-MM`. */
  label: string;
  period: Period;
}

export interface MeasureTrend {
  measureId: MeasureId;
  /** The group drawn: the measure's only one, or its overall group (CMS138). */
  groupId: string;
  /** One rate per month, oldest first; null when nobody was left to count. */
  rates: (number | null)[];
}

const lastDayOfMonth = (month: string) => shiftDays(shiftMonths(`${month}-01`, 1), -1);

/** The `count` months ending with the month of `to` (a `YYYY-MM-DD` day), oldest first, each with its rolling year. */
export function trendMonths(to: string, count = 12): TrendMonth[] {
  const thisMonth = to.slice(0, 7);
  const months: TrendMonth[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const label = shiftMonths(`${thisMonth}-01`, -back).slice(0, 7);
    const end = back === 0 ? to : lastDayOfMonth(label);
    months.push({ label, period: { start: shiftDays(shiftMonths(end, -12), 1), end } });
  }
  return months;
}

/** The group a trend line follows: a single-group measure's group, else the one that sums the measure up. */
export function headlineGroup(m: MeasureDefinition): string {
  return (m.groups.find((g) => g.id === 'overall') ?? m.groups[0]).id;
}

/** Each measure's rate (its headline group's) over one month's period, in MEASURES order. */
export function monthRates(patients: readonly PatientFacts[], month: TrendMonth, provider = ''): (number | null)[] {
  return MEASURES.map((m) => {
    const groupId = headlineGroup(m);
    return evaluateMeasure(m, patients, month.period, { provider }).groups.find((g) => g.id === groupId)?.rate ?? null;
  });
}

/** Lays per-month rates (oldest first) out as one trend per measure. */
export function toTrends(perMonth: readonly (number | null)[][]): MeasureTrend[] {
  return MEASURES.map((m, i) => ({ measureId: m.id, groupId: headlineGroup(m), rates: perMonth.map((r) => r[i]) }));
}

/** Each measure's rate per month; `provider` ('' for all) keeps the patients attributed to that clinician in each month's period. */
export function measureTrends(patients: readonly PatientFacts[], months: readonly TrendMonth[], provider = ''): MeasureTrend[] {
  return toTrends(months.map((month) => monthRates(patients, month, provider)));
}
