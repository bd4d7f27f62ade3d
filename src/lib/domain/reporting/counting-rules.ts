import { z } from 'zod';
import { dayOf } from '../scheduling/time-zone';
import type { ReportingRecord, ReportingVisit } from './reporting-record';

/**
 * A small vocabulary of counting rules for monthly aggregate reports (what
 * a clinic sends to its country's DHIS2): what is counted (visits, new
 * diagnoses, vaccine doses), and whom it counts (sex, an age band at the
 * date of the event, a visit class, diagnosis codes, vaccine codes).
 *
 * Conventions, as national HMIS monthly forms use them (WHO, "Health
 * facility and community data toolkit", 2014, and the DHIS2 implementation
 * guide's age/sex disaggregations):
 * - Age is in completed years (or months) on the date of the event, not on
 *   the last day of the month: a woman seen the day before her 15th
 *   birthday is 14 at that visit.
 * - An age band is inclusive at both ends: "15–49" counts 15 and 49.
 * - The month is the clinic's calendar month (its time zone): a visit at
 *   23:30 local on the 31st belongs to that month even when it is already
 *   the 1st in UTC.
 * - Visits in error or cancelled are not counted; neither are problems in
 *   error or refuted, nor doses in error or not given.
 * - A "new diagnosis" is counted once per patient per month: the month of
 *   its onset date when the onset is a full date or a month, otherwise of
 *   the day it was entered; an onset given as a year only is an old
 *   diagnosis and is never new.
 */

export const COUNT_KINDS = ['visits', 'new-diagnoses', 'doses'] as const;
export type CountKind = (typeof COUNT_KINDS)[number];

const ageBound = z.object({ value: z.number().int().min(0).max(150), unit: z.enum(['years', 'months']) });
export type AgeBound = z.infer<typeof ageBound>;

const code = z.string().trim().min(1).max(20).regex(/^[A-Za-z0-9.]+$/, 'Codes are letters, digits and dots');

export const countingRuleSchema = z
  .object({
    count: z.enum(COUNT_KINDS),
    sex: z.enum(['female', 'male']).optional(),
    /** Youngest age counted, inclusive. */
    ageFrom: ageBound.optional(),
    /** Oldest age counted, inclusive (0 years = under one year old). */
    ageTo: ageBound.optional(),
    /** Visits only: which kinds of visit (in person, video, home, emergency); absent = all. */
    visitClasses: z.array(z.enum(['ambulatory', 'virtual', 'home', 'emergency'])).max(4).optional(),
    /** ICD-10 codes or code prefixes (E11 matches E11.9); visits: the visit's diagnosis; new-diagnoses: the problem. */
    diagnosisCodes: z.array(code).max(50).optional(),
    /** Doses only: CVX codes of the vaccines counted. */
    vaccineCvx: z.array(code).max(50).optional()
  })
  .strict()
  .refine((r) => r.count !== 'new-diagnoses' || (r.diagnosisCodes?.length ?? 0) > 0, { message: 'A new-diagnosis rule names the diagnosis codes it counts', path: ['diagnosisCodes'] })
  .refine((r) => r.count !== 'doses' || (r.vaccineCvx?.length ?? 0) > 0, { message: 'A dose rule names the vaccines (CVX) it counts', path: ['vaccineCvx'] });
export type CountingRule = z.infer<typeof countingRuleSchema>;

/** A reporting month: `YYYY-MM`. */
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Choose a month (YYYY-MM)');

/** Completed months between a birth date and an event date (both YYYY-MM-DD); negative when born after. */
export function ageInMonths(birthDate: string, onDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [ey, em, ed] = onDate.split('-').map(Number);
  let months = (ey - by) * 12 + (em - bm);
  // The month is not complete until the day of the month is reached (born 31 Jan: one month old on 28/29 Feb is not yet).
  if (ed < bd) months -= 1;
  return months;
}

function ageInUnit(birthDate: string, onDate: string, unit: AgeBound['unit']): number {
  const m = ageInMonths(birthDate, onDate);
  return unit === 'months' ? m : Math.floor(m / 12);
}

const FULL_DAY = /^\d{4}-\d{2}-\d{2}$/;

function ageMatches(rule: CountingRule, birthDate: string, onDate: string): boolean {
  if (!rule.ageFrom && !rule.ageTo) return true;
  if (!FULL_DAY.test(birthDate)) return false;
  if (rule.ageFrom && ageInUnit(birthDate, onDate, rule.ageFrom.unit) < rule.ageFrom.value) return false;
  if (rule.ageTo && ageInUnit(birthDate, onDate, rule.ageTo.unit) > rule.ageTo.value) return false;
  return true;
}

/** The clinic-local calendar day of a charted date: instants are placed in the time zone, plain days are taken as they are. */
export function localDay(value: string, timeZone: string): string | null {
  if (FULL_DAY.test(value)) return value;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || !/T/.test(value)) return null;
  return dayOf(ms, timeZone);
}

const normalize = (c: string) => c.replace(/\./g, '').toUpperCase();

/** True when one of the codes starts with one of the prefixes (dots ignored, so E11.9 and E119 are the same code). */
export function codeMatches(codes: readonly string[], prefixes: readonly string[]): boolean {
  const wanted = prefixes.map(normalize);
  return codes.some((c) => {
    const n = normalize(c);
    return wanted.some((p) => n.startsWith(p));
  });
}

function visitCounts(rule: CountingRule, v: ReportingVisit): boolean {
  if (v.status === 'cancelled' || v.status === 'entered-in-error') return false;
  if (rule.visitClasses && !rule.visitClasses.includes(v.class)) return false;
  if (rule.diagnosisCodes?.length && !codeMatches(v.diagnosisCodes, rule.diagnosisCodes)) return false;
  return true;
}

/** The month (YYYY-MM) a problem is new in, or null when it never counts as new. */
export function diagnosisMonth(onsetDate: string, recordedDate: string): string | null {
  if (/^\d{4}-\d{2}(-\d{2})?$/.test(onsetDate)) return onsetDate.slice(0, 7);
  if (/^\d{4}$/.test(onsetDate)) return null;
  return /^\d{4}-\d{2}/.test(recordedDate) ? recordedDate.slice(0, 7) : null;
}

/** The event day of a new diagnosis (for the age check): the onset day, the 1st of the onset month, or the day entered. */
function diagnosisDay(onsetDate: string, recordedDate: string): string {
  if (FULL_DAY.test(onsetDate)) return onsetDate;
  if (/^\d{4}-\d{2}$/.test(onsetDate)) return `${onsetDate}-01`;
  return recordedDate.slice(0, 10);
}

/**
 * How many events of one record the rule counts in the month (`YYYY-MM`),
 * with the clinic's time zone deciding which day an instant falls on.
 */
export function countInRecord(rule: CountingRule, record: ReportingRecord, month: string, timeZone: string): number {
  if (rule.sex && record.sex !== rule.sex) return 0;
  switch (rule.count) {
    case 'visits': {
      let n = 0;
      for (const v of record.visits) {
        const day = localDay(v.start, timeZone);
        if (!day || day.slice(0, 7) !== month) continue;
        if (visitCounts(rule, v) && ageMatches(rule, record.birthDate, day)) n++;
      }
      return n;
    }
    case 'new-diagnoses': {
      const isNew = record.diagnoses.some((d) => {
        if (d.verificationStatus === 'entered-in-error' || d.verificationStatus === 'refuted') return false;
        if (!codeMatches(d.codes, rule.diagnosisCodes ?? [])) return false;
        if (diagnosisMonth(d.onsetDate, d.recordedDate) !== month) return false;
        return ageMatches(rule, record.birthDate, diagnosisDay(d.onsetDate, d.recordedDate));
      });
      return isNew ? 1 : 0;
    }
    case 'doses': {
      let n = 0;
      for (const d of record.doses) {
        if (d.status !== 'completed') continue;
        const day = localDay(d.date, timeZone);
        if (!day || day.slice(0, 7) !== month) continue;
        if (!(rule.vaccineCvx ?? []).includes(d.cvx)) continue;
        if (ageMatches(rule, record.birthDate, day)) n++;
      }
      return n;
    }
  }
}

/** The rule's count over the whole clinic for the month. */
export function countRule(rule: CountingRule, records: readonly ReportingRecord[], month: string, timeZone: string): number {
  let total = 0;
  for (const r of records) total += countInRecord(rule, r, month, timeZone);
  return total;
}

/**
 * Ready-made rules an administrator picks from when mapping to DHIS2 data
 * elements. Codes: ICD-10 E10–E14 diabetes mellitus, R50 fever of other and
 * unknown origin; CVX 05 measles live, 03 MMR, 94 MMRV (CDC CVX code set).
 */
export const RULE_PRESETS = {
  'opd-visits': { count: 'visits', visitClasses: ['ambulatory', 'virtual', 'home'] },
  'opd-visits-female-15-49': { count: 'visits', sex: 'female', ageFrom: { value: 15, unit: 'years' }, ageTo: { value: 49, unit: 'years' }, visitClasses: ['ambulatory', 'virtual', 'home'] },
  'opd-visits-under-5': { count: 'visits', ageTo: { value: 4, unit: 'years' }, visitClasses: ['ambulatory', 'virtual', 'home'] },
  'fever-visits-under-5': { count: 'visits', ageTo: { value: 4, unit: 'years' }, diagnosisCodes: ['R50'] },
  'video-visits': { count: 'visits', visitClasses: ['virtual'] },
  'home-visits': { count: 'visits', visitClasses: ['home'] },
  'new-diabetes': { count: 'new-diagnoses', diagnosisCodes: ['E10', 'E11', 'E13', 'E14'] },
  'measles-doses-under-1': { count: 'doses', ageTo: { value: 11, unit: 'months' }, vaccineCvx: ['05', '03', '94'] }
} as const satisfies Record<string, CountingRule>;
export type RulePresetId = keyof typeof RULE_PRESETS;
export const RULE_PRESET_IDS = Object.keys(RULE_PRESETS) as RulePresetId[];
