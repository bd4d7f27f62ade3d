/**
 * What the quality measures read about one patient: plain, dated, coded
 * facts, already stripped of entries marked entered-in-error, cancelled,
 * refuted or not done (lib/chart/measure-facts-reader.ts builds them from
 * the patient's documents). Codes are `system|code` keys (value-sets.ts).
 * Dates are calendar dates, `YYYY-MM-DD`, taken as written in the record
 * (the clinic's day, not converted to UTC).
 */

export interface ConditionFact {
  codes: string[];
  /** Onset, else the date recorded; '' when neither is known (read as "before the period"). */
  onset: string;
  /** '' while the condition has not ended. */
  abatement: string;
}

export interface ObservationFact {
  codes: string[];
  date: string;
  value?: number;
  unit?: string;
  /** Codes of a coded answer (a finding such as "smokes tobacco daily", a LOINC answer). */
  valueCodes: string[];
  components: { codes: string[]; value?: number }[];
}

/** A procedure, care plan, diagnostic report or medication: something done or started on a date. */
export interface EventFact {
  kind: 'procedure' | 'carePlan' | 'report' | 'medication';
  codes: string[];
  text: string;
  date: string;
}

export interface EncounterFact {
  date: string;
  /** The visit type as written ("Office visit", "Annual physical", "Hospice visit"). */
  type: string;
  /** The clinician the visit is attributed to: who signed its note, else who opened it. */
  provider: string;
}

export interface PatientFacts {
  patientId: string;
  birthDate: string;
  /** Administrative gender as registered: female, male, other, unknown. */
  gender: string;
  conditions: ConditionFact[];
  observations: ObservationFact[];
  events: EventFact[];
  encounters: EncounterFact[];
}

/** A measurement period, both ends inclusive, `YYYY-MM-DD`. */
export interface Period {
  start: string;
  end: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The calendar year: the eCQM default measurement period. */
export function calendarYear(year: number): Period {
  return { start: `${year}-01-01`, end: `${year}-12-31` };
}

/** A valid period (real dates, start not after end, at most 5 years), or a readable reason. */
export function checkPeriod(start: string, end: string): { ok: true; period: Period } | { ok: false; message: string } {
  if (!DATE.test(start) || !validDate(start)) return { ok: false, message: 'The period start must be a date (YYYY-MM-DD).' };
  if (!DATE.test(end) || !validDate(end)) return { ok: false, message: 'The period end must be a date (YYYY-MM-DD).' };
  if (start > end) return { ok: false, message: 'The period start is after its end.' };
  if (shiftMonths(start, 60) <= end) return { ok: false, message: 'A measurement period may be at most five years long.' };
  return { ok: true, period: { start, end } };
}

function validDate(d: string): boolean {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

/**
 * Period edges are moved by the same few amounts for every patient, so the
 * answers are remembered (bounded: cleared past 1,000 entries).
 */
const shifted = { m: new Map<string, Map<number, string>>(), d: new Map<string, Map<number, string>>() };
function remembered(kind: 'm' | 'd', date: string, n: number, compute: () => string): string {
  const byDate = shifted[kind];
  let byN = byDate.get(date);
  if (!byN) {
    if (byDate.size > 1000) byDate.clear();
    byN = new Map();
    byDate.set(date, byN);
  }
  let v = byN.get(n);
  if (v === undefined) {
    v = compute();
    byN.set(n, v);
  }
  return v;
}

/** `date` moved by whole months (negative: back); the day is kept, or the month's last day when it has fewer. */
export function shiftMonths(date: string, months: number): string {
  return remembered('m', date, months, () => {
    const [y, m, d] = date.split('-').map(Number);
    const total = y * 12 + (m - 1) + months;
    const ny = Math.floor(total / 12);
    const nm = (total % 12) + 1;
    const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
    return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
  });
}

export function shiftDays(date: string, days: number): string {
  return remembered('d', date, days, () => {
    const t = new Date(`${date}T00:00:00Z`);
    t.setUTCDate(t.getUTCDate() + days);
    return t.toISOString().slice(0, 10);
  });
}

/** Whole years of age on `on` (birthday counted on the day itself); undefined without a birth date. */
export function ageOn(birthDate: string, on: string): number | undefined {
  if (!DATE.test(birthDate)) return undefined;
  // 'MM-DD' strings compare as the calendar does: the birthday not reached yet this year takes one off.
  return Number(on.slice(0, 4)) - Number(birthDate.slice(0, 4)) - (on.slice(5) < birthDate.slice(5) ? 1 : 0);
}

export const within = (date: string, from: string, to: string) => date !== '' && date >= from && date <= to;
