import type { Immunization } from './clinical';
import { ageAt } from './vitals';

/**
 * Which vaccines a patient is due for, from the CVX-coded doses in the
 * chart: a SUBSET of the CDC adult schedule (influenza also for children),
 * enough for primary-care reminders. It is not comprehensive: the child and
 * adolescent catch-up schedule, COVID-19, RSV, HPV, MMR, varicella,
 * meningococcal vaccines, pregnancy and risk-based indications (asplenia,
 * immunocompromise, travel) are not evaluated, and the screen says so.
 *
 * Source: CDC, Recommended Adult Immunization Schedule for ages 19 years or
 * older, United States, 2025 (ACIP); CDC, Recommended Child and Adolescent
 * Immunization Schedule, 2025 (influenza from 6 months).
 */

export const CVX_SYSTEM = 'http://hl7.org/fhir/sid/cvx';

export const SCHEDULE_SOURCE = {
  citation: 'CDC Recommended Adult Immunization Schedule, United States, 2025 (ACIP)',
  url: 'https://www.cdc.gov/vaccines/hcp/imz-schedules/adult-age.html'
} as const;
const CHILD_SOURCE = {
  citation: 'CDC Recommended Child and Adolescent Immunization Schedule, United States, 2025 (ACIP)',
  url: 'https://www.cdc.gov/vaccines/hcp/imz-schedules/child-adolescent-age.html'
} as const;

export const VACCINE_GROUPS = ['influenza', 'tetanus', 'pneumococcal', 'zoster', 'hepatitis-b'] as const;
export type VaccineGroup = (typeof VACCINE_GROUPS)[number];

export const GROUP_LABEL: Record<VaccineGroup, string> = {
  influenza: 'Influenza',
  tetanus: 'Tetanus, diphtheria (Td/Tdap)',
  pneumococcal: 'Pneumococcal',
  zoster: 'Zoster (shingles)',
  'hepatitis-b': 'Hepatitis B'
};

export interface Vaccine {
  cvx: string;
  name: string;
  group?: VaccineGroup;
}

/** Vaccines the chart offers when a dose is recorded (CDC CVX codes, public domain). */
export const VACCINES: readonly Vaccine[] = [
  { cvx: '140', name: 'Influenza, seasonal, injectable, preservative free', group: 'influenza' },
  { cvx: '150', name: 'Influenza, injectable, quadrivalent, preservative free', group: 'influenza' },
  { cvx: '197', name: 'Influenza, high-dose, quadrivalent', group: 'influenza' },
  { cvx: '88', name: 'Influenza, unspecified formulation', group: 'influenza' },
  { cvx: '115', name: 'Tdap', group: 'tetanus' },
  { cvx: '113', name: 'Td (adult) preservative free', group: 'tetanus' },
  { cvx: '20', name: 'DTaP', group: 'tetanus' },
  { cvx: '216', name: 'Pneumococcal conjugate PCV20', group: 'pneumococcal' },
  { cvx: '215', name: 'Pneumococcal conjugate PCV15', group: 'pneumococcal' },
  { cvx: '133', name: 'Pneumococcal conjugate PCV13', group: 'pneumococcal' },
  { cvx: '33', name: 'Pneumococcal polysaccharide PPSV23', group: 'pneumococcal' },
  { cvx: '187', name: 'Zoster vaccine recombinant (RZV)', group: 'zoster' },
  { cvx: '43', name: 'Hep B, adult', group: 'hepatitis-b' },
  { cvx: '189', name: 'Hep B, CpG-adjuvanted (Heplisav-B)', group: 'hepatitis-b' },
  { cvx: '08', name: 'Hep B, adolescent or pediatric', group: 'hepatitis-b' },
  { cvx: '03', name: 'MMR' },
  { cvx: '21', name: 'Varicella' },
  { cvx: '165', name: 'HPV9' },
  { cvx: '114', name: 'Meningococcal MCV4P' },
  { cvx: '52', name: 'Hep A, adult' },
  { cvx: '10', name: 'IPV' }
];

/** Every CVX code counted towards each group, older formulations included, so imported histories count. */
const GROUP_CODES: Record<VaccineGroup, readonly string[]> = {
  influenza: ['88', '111', '135', '140', '141', '144', '149', '150', '153', '155', '158', '161', '166', '168', '171', '185', '186', '197', '205'],
  tetanus: ['09', '20', '106', '107', '110', '113', '115', '120', '130', '138', '139', '146', '196'],
  pneumococcal: ['33', '133', '215', '216', '100', '109', '152'],
  zoster: ['187'],
  'hepatitis-b': ['08', '43', '44', '45', '104', '110', '146', '189']
};

export function vaccineByCvx(cvx: string): Vaccine | undefined {
  return VACCINES.find((v) => v.cvx === cvx);
}

/** The CVX code of an immunization (codes written without a leading zero are normalised: "8" → "08"). */
export function cvxOf(i: Pick<Immunization, 'vaccineCode'>): string {
  const c = i.vaccineCode.coding?.find((x) => x.system === CVX_SYSTEM && x.code) ?? i.vaccineCode.coding?.find((x) => x.code);
  const code = c?.code ?? '';
  return /^\d$/.test(code) ? `0${code}` : code;
}

export function groupsOf(i: Pick<Immunization, 'vaccineCode'>): VaccineGroup[] {
  const cvx = cvxOf(i);
  return VACCINE_GROUPS.filter((g) => GROUP_CODES[g].includes(cvx));
}

export interface ScheduleSource {
  citation: string;
  url?: string;
}

/** What the schedule says about one vaccine group for this patient today. */
export type ScheduleItem = { group: VaccineGroup; title: string; source: ScheduleSource } & (
  | {
      status: 'due';
      /** ISO date from which the dose is due; before today when overdue. */
      dueDate: string;
      overdue: boolean;
      detail: string;
      /** The CVX code to offer when recording the dose. */
      suggestedCvx: string;
      lastDose?: string;
    }
  | { status: 'up-to-date'; detail: string; lastDose?: string; nextDue?: string }
  | { status: 'not-evaluated'; reason: string }
);

export interface ScheduleInput {
  birthDate: string;
  immunizations: readonly Immunization[];
  /** Today, as an ISO date or time. */
  now: string;
}

interface Dose {
  cvx: string;
  text: string;
  date: string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ms = (d: string) => Date.parse(d.length === 10 ? `${d}T00:00:00Z` : d);
function addYears(d: string, years: number): string {
  const x = new Date(ms(d));
  x.setUTCFullYear(x.getUTCFullYear() + years);
  return iso(x.getTime());
}
function addMonths(d: string, months: number): string {
  const x = new Date(ms(d));
  x.setUTCMonth(x.getUTCMonth() + months);
  return iso(x.getTime());
}

/** Doses actually given (not entered-in-error or not-done), oldest first. */
function dosesOf(list: readonly Immunization[], group: VaccineGroup): Dose[] {
  return list
    .filter((i) => i.status === 'completed' && i.occurrenceDateTime && groupsOf(i).includes(group))
    .map((i) => ({ cvx: cvxOf(i), text: i.vaccineCode.text, date: i.occurrenceDateTime.slice(0, 10) }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/**
 * The influenza season a date falls in starts on 1 August: ACIP advises
 * offering the season's vaccine from when it is available (usually August)
 * and ideally by the end of October (CDC, Prevention and Control of Seasonal
 * Influenza with Vaccines, ACIP recommendations, 2024–25).
 */
export function influenzaSeasonStart(on: string): string {
  const d = new Date(ms(on));
  const y = d.getUTCMonth() >= 7 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
  return `${y}-08-01`;
}

function influenza(input: ScheduleInput, ageMonths: number): ScheduleItem {
  const base = { group: 'influenza' as const, title: 'Influenza vaccine, every season', source: { citation: `${SCHEDULE_SOURCE.citation}; ${CHILD_SOURCE.citation}`, url: SCHEDULE_SOURCE.url } };
  const today = input.now.slice(0, 10);
  const season = influenzaSeasonStart(today);
  const last = dosesOf(input.immunizations, 'influenza').at(-1);
  if (ageMonths < 6) return { ...base, status: 'up-to-date', detail: 'Not before 6 months of age', nextDue: addMonths(input.birthDate, 6) };
  if (last && last.date >= season) {
    return { ...base, status: 'up-to-date', detail: 'Given this season', lastDose: last.date, nextDue: addYears(season, 1) };
  }
  const overdue = today > `${season.slice(0, 4)}-10-31`;
  return {
    ...base,
    status: 'due',
    dueDate: season,
    overdue,
    detail: `No dose recorded this season (from ${season})${ageMonths < 108 ? '; children 6 months–8 years may need 2 doses 4 weeks apart (not checked)' : ''}`,
    suggestedCvx: '140',
    lastDose: last?.date
  };
}

/** Adults: Tdap once if never given, then Td or Tdap every 10 years. */
function tetanus(input: ScheduleInput): ScheduleItem {
  const base = { group: 'tetanus' as const, title: 'Td/Tdap booster every 10 years', source: SCHEDULE_SOURCE };
  const doses = dosesOf(input.immunizations, 'tetanus');
  const last = doses.at(-1);
  const hadTdap = doses.some((d) => d.cvx === '115');
  const today = input.now.slice(0, 10);
  if (!last) {
    return { ...base, status: 'due', dueDate: today, overdue: false, detail: 'No tetanus-containing dose recorded: give Tdap unless an earlier dose is documented elsewhere', suggestedCvx: '115' };
  }
  const next = addYears(last.date, 10);
  if (next > today) return { ...base, status: 'up-to-date', detail: `Last dose ${last.text}`, lastDose: last.date, nextDue: next };
  return { ...base, status: 'due', dueDate: next, overdue: true, detail: `Last dose more than 10 years ago${hadTdap ? '' : '; Tdap has not been recorded'}`, suggestedCvx: hadTdap ? '113' : '115', lastDose: last.date };
}

/**
 * Adults 50 and over: one dose of PCV20 or PCV21, or PCV15 followed by
 * PPSV23 (ACIP, October 2024, in the 2025 adult schedule). A PCV13 history
 * is completed with PCV20/PCV21 or PPSV23.
 */
function pneumococcal(input: ScheduleInput, age: number): ScheduleItem {
  const base = { group: 'pneumococcal' as const, title: 'Pneumococcal vaccine at 50 and over', source: SCHEDULE_SOURCE };
  const doses = dosesOf(input.immunizations, 'pneumococcal');
  const pcv21 = input.immunizations.some((i) => i.status === 'completed' && /PCV ?21|21-valent/i.test(i.vaccineCode.text));
  const has = (cvx: string) => doses.some((d) => d.cvx === cvx);
  const last = doses.at(-1)?.date;
  const fiftieth = addYears(input.birthDate, 50);
  if (age < 50) return { ...base, status: 'up-to-date', detail: 'From age 50 (earlier only with risk conditions, not checked)', nextDue: fiftieth };
  if (has('216') || pcv21) return { ...base, status: 'up-to-date', detail: 'PCV20 or PCV21 given: series complete', lastDose: last };
  if (has('33') && (has('215') || has('133'))) return { ...base, status: 'up-to-date', detail: 'Conjugate vaccine and PPSV23 given: series complete', lastDose: last };
  if (has('215') || has('133')) {
    const conj = doses.filter((d) => d.cvx === '215' || d.cvx === '133').at(-1)!.date;
    const due = addYears(conj, 1);
    return { ...base, status: 'due', dueDate: due, overdue: due < input.now.slice(0, 10), detail: 'Conjugate vaccine given; complete with PPSV23 (or PCV20) at least 1 year later', suggestedCvx: '33', lastDose: conj };
  }
  return { ...base, status: 'due', dueDate: fiftieth, overdue: false, detail: has('33') ? 'PPSV23 only: give PCV20 or PCV21 at least 1 year later' : 'No pneumococcal conjugate vaccine recorded', suggestedCvx: '216', lastDose: last };
}

/** Adults 50 and over: two doses of recombinant zoster vaccine, 2–6 months apart. Live zoster vaccine does not count. */
function zoster(input: ScheduleInput, age: number): ScheduleItem {
  const base = { group: 'zoster' as const, title: 'Recombinant zoster vaccine (2 doses) at 50 and over', source: SCHEDULE_SOURCE };
  const doses = dosesOf(input.immunizations, 'zoster');
  const fiftieth = addYears(input.birthDate, 50);
  if (age < 50) return { ...base, status: 'up-to-date', detail: 'From age 50 (earlier only if immunocompromised, not checked)', nextDue: fiftieth };
  if (doses.length >= 2) return { ...base, status: 'up-to-date', detail: 'Two doses given: series complete', lastDose: doses.at(-1)!.date };
  if (doses.length === 1) {
    const due = addMonths(doses[0].date, 2);
    const today = input.now.slice(0, 10);
    if (due > today) return { ...base, status: 'up-to-date', detail: 'First dose given; second dose 2–6 months later', lastDose: doses[0].date, nextDue: due };
    return { ...base, status: 'due', dueDate: due, overdue: addMonths(doses[0].date, 6) < today, detail: 'Second dose due (2–6 months after the first)', suggestedCvx: '187', lastDose: doses[0].date };
  }
  return { ...base, status: 'due', dueDate: fiftieth, overdue: false, detail: 'No recombinant zoster vaccine recorded', suggestedCvx: '187' };
}

/** Adults 19–59: hepatitis B vaccination (universal since ACIP 2022). Series completion is not checked. */
function hepatitisB(input: ScheduleInput, age: number): ScheduleItem | null {
  if (age > 59) return null;
  const base = { group: 'hepatitis-b' as const, title: 'Hepatitis B vaccine, adults 19–59', source: SCHEDULE_SOURCE };
  const doses = dosesOf(input.immunizations, 'hepatitis-b');
  if (doses.length > 0) return { ...base, status: 'up-to-date', detail: `${doses.length} dose(s) recorded (whether the series is complete is not checked)`, lastDose: doses.at(-1)!.date };
  return { ...base, status: 'due', dueDate: input.now.slice(0, 10), overdue: false, detail: 'No hepatitis B dose recorded (2-, 3- or 4-dose series depending on vaccine)', suggestedCvx: '43' };
}

/**
 * The schedule for one patient today: one item per vaccine group. Without a
 * readable birth date nothing can be evaluated, and each group says so; a
 * child gets influenza only, and a "not evaluated" item for the rest of the
 * child schedule.
 */
export function immunizationSchedule(input: ScheduleInput): ScheduleItem[] {
  const age = ageAt(input.birthDate, input.now);
  if (age === undefined) {
    return VACCINE_GROUPS.map((group) => ({ group, title: GROUP_LABEL[group], source: SCHEDULE_SOURCE, status: 'not-evaluated' as const, reason: 'Birth date unknown' }));
  }
  const months = Math.floor((ms(input.now) - ms(input.birthDate)) / (30.4375 * DAY));
  const out: ScheduleItem[] = [influenza(input, months)];
  if (age < 19) {
    out.push({ group: 'tetanus', title: 'Child and adolescent schedule', source: CHILD_SOURCE, status: 'not-evaluated', reason: 'Only influenza is checked for under-19s: check the CDC child and adolescent schedule' });
    return out;
  }
  out.push(tetanus(input), pneumococcal(input, age), zoster(input, age));
  const hepB = hepatitisB(input, age);
  if (hepB) out.push(hepB);
  return out;
}

/** What the schedule does not look at; shown with the reminders so nobody reads silence as "nothing due". */
export const SCHEDULE_COVERAGE =
  'Checks influenza, Td/Tdap, pneumococcal, recombinant zoster and hepatitis B (adults 19–59) against the CDC 2025 schedules. Not comprehensive: the child catch-up schedule, COVID-19, RSV, HPV, MMR, varicella, meningococcal, pregnancy and risk-based indications are not checked.';
