import type { ChartFacts } from './patient-facts';

/**
 * Pregnancy dates for the pregnancy registry.
 *
 * Expected delivery date by Naegele's rule: first day of the last menstrual
 * period, plus one year, minus three months, plus seven days (Naegele F.C.,
 * Lehrbuch der Geburtshülfe, 1830; as taught in Williams Obstetrics, 26th
 * ed., 2022, ch. 9 "Prenatal care": a 280-day pregnancy from the LMP for a
 * 28-day cycle). A recorded EDD (from an ultrasound dating scan, say) wins
 * over the LMP: it is the clinician's own dating.
 *
 * Gestational age: completed weeks and days since the LMP, or counted back
 * from the EDD (280 days before it) when only an EDD is recorded.
 */

const DAY = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function utc(date: string): number {
  return Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
}
function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Naegele's rule, in the order it is taught: first day of the LMP, add
 * seven days, take away three months, add one year. A day that does not
 * exist in the month reached (31 May + 7 days − 3 months) is the last day
 * of that month. Null for an unreadable date.
 */
export function naegeleEdd(lmp: string): string | null {
  if (!DATE_RE.test(lmp) || Number.isNaN(utc(lmp))) return null;
  const plus7 = new Date(utc(lmp) + 7 * DAY);
  const year = plus7.getUTCFullYear() + 1;
  const month = plus7.getUTCMonth() - 3; // Date.UTC takes a negative month into the year before
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return iso(Date.UTC(year, month, Math.min(plus7.getUTCDate(), lastDay)));
}

export interface PregnancyDates {
  /** Expected delivery date, YYYY-MM-DD. */
  edd: string;
  /** Where the EDD comes from. */
  eddFrom: 'recorded' | 'lmp';
  /** Completed weeks and days of gestation on `today`. */
  weeks: number;
  days: number;
}

/** The EDD and gestational age on `today`, or null when neither an EDD nor an LMP is recorded. */
export function pregnancyDates(p: ChartFacts['pregnancy'], today: string): PregnancyDates | null {
  const recorded = DATE_RE.test(p.edd) ? p.edd : '';
  const fromLmp = p.lmp ? naegeleEdd(p.lmp) : null;
  const edd = recorded || fromLmp;
  if (!edd) return null;
  const start = recorded ? utc(recorded) - 280 * DAY : utc(p.lmp);
  const elapsed = Math.floor((utc(today) - start) / DAY);
  return { edd, eddFrom: recorded ? 'recorded' : 'lmp', weeks: Math.floor(elapsed / 7), days: ((elapsed % 7) + 7) % 7 };
}

/**
 * Pregnant on `today` by the chart: an active pregnancy problem, or dates
 * that place today inside a pregnancy (LMP or EDD recorded and the EDD not
 * more than two weeks past: 42 weeks is post-term, ACOG Committee Opinion
 * 579, "Definition of term pregnancy", 2013). Without either the answer is
 * "no": registries list who the chart says is pregnant.
 */
export function isPregnant(p: ChartFacts['pregnancy'], today: string): boolean {
  if (p.activeCondition) return true;
  const dates = pregnancyDates(p, today);
  if (!dates) return false;
  return dates.weeks >= 0 && utc(today) <= utc(dates.edd) + 14 * DAY;
}
