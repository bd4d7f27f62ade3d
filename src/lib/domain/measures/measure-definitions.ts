import type { ObservationFact, PatientFacts, Period } from './measure-facts';
import {
  agedAtEnd,
  agedAtStart,
  conditionBy,
  conditionOverlaps,
  eventIn,
  frail,
  frailWithAdvancedIllness,
  inHospice,
  latestDay,
  observationIn,
  palliative,
  shiftDays,
  shiftMonths,
  visitIn,
  visitsIn,
  within
} from './measure-rules';
import * as VS from './value-sets';
import { inList, type CodeList } from './value-sets';

/**
 * The six quality measures, after the CMS eCQM specifications for the 2025
 * performance period (eCQI Resource Center, https://ecqi.healthit.gov/ec,
 * versions named on each). Proportion measures: initial population →
 * denominator → denominator exclusions → numerator (counted among the
 * denominator left after exclusions).
 *
 * SIMPLIFIED, and so NOT certified eCQM results:
 * - code lists are short public lists (value-sets.ts), not the VSAC value sets;
 * - a qualifying visit is any visit recorded in the chart (the specs list
 *   visit types by CPT/SNOMED value set); the provider is the clinician of
 *   the patient's latest visit in the period;
 * - frailty is a frailty diagnosis, advanced illness a diagnosis or a
 *   dementia drug (measure-rules.ts); long-term care residence and the
 *   denominator exceptions (patient refused, medical reason) are not evaluated;
 * - dates are calendar days as recorded (no time zone conversion).
 */

export interface Membership {
  initialPopulation: boolean;
  denominator: boolean;
  denominatorExclusion: boolean;
  numerator: boolean;
}

export interface MeasureGroup {
  id: string;
  title: string;
  initialPopulation(f: PatientFacts, p: Period): boolean;
  /** Defaults to the initial population. */
  denominator?(f: PatientFacts, p: Period): boolean;
  exclusion(f: PatientFacts, p: Period): boolean;
  numerator(f: PatientFacts, p: Period): boolean;
}

export const MEASURE_IDS = ['CMS122', 'CMS165', 'CMS125', 'CMS130', 'CMS138', 'CMS2'] as const;
export type MeasureId = (typeof MEASURE_IDS)[number];

export interface MeasureDefinition {
  id: MeasureId;
  /** The CMS eCQM version followed (2025 performance period). */
  version: string;
  title: string;
  description: string;
  /** `decrease`: a lower rate is better (CMS122 counts poor control). */
  improvement: 'increase' | 'decrease';
  url: string;
  groups: MeasureGroup[];
}

const ECQI = 'https://ecqi.healthit.gov/ecqm/ec/2025';

/** The visit the rules need in the period; age bands are checked at the period's end as the specs say. */
const hadVisit = (f: PatientFacts, p: Period) => visitIn(f, p);
const commonExclusions = (f: PatientFacts, p: Period) => inHospice(f, p) || palliative(f, p) || frailWithAdvancedIllness(f, p);
/** Done as a procedure, report, care plan or as a result. */
const doneIn = (f: PatientFacts, l: CodeList, from: string, to: string) => eventIn(f, l, from, to) || observationIn(f, l, from, to);

// ── CMS122 ──────────────────────────────────────────────────────────────

/**
 * HbA1c in % (NGSP). IFCC results (mmol/mol) are converted with the NGSP/IFCC
 * master equation NGSP = 0.09148 × IFCC + 2.152 (Hoelzel et al., Clin Chem
 * 2004;50:166-74; https://ngsp.org/ifccngsp.asp).
 */
export function hba1cPercent(o: ObservationFact): number | undefined {
  if (o.value === undefined) return undefined;
  if (o.unit && /mmol\/mol/i.test(o.unit)) return 0.09148 * o.value + 2.152;
  return o.value;
}

const CMS122: MeasureDefinition = {
  id: 'CMS122',
  version: 'CMS122v13',
  title: 'Diabetes: Glycemic Status Assessment Greater Than 9%',
  description:
    'Patients 18–75 with diabetes whose most recent HbA1c or GMI in the period was above 9.0%, or had none (a lower rate is better).',
  improvement: 'decrease',
  url: `${ECQI}/cms0122v13`,
  groups: [
    {
      id: 'main',
      title: 'Glycemic status > 9% or not done',
      initialPopulation: (f, p) => agedAtEnd(f, p, 18, 75) && hadVisit(f, p) && conditionOverlaps(f, VS.DIABETES, p.start, p.end),
      exclusion: commonExclusions,
      // No result in the period, a result without a value, or above 9.0% all count as poor control.
      // Several results on the newest day: the highest is taken.
      numerator: (f, p) => {
        const last = latestDay(f, VS.HBA1C, p.start, p.end);
        if (last.length === 0) return true;
        const values = last.map(hba1cPercent);
        if (values.some((v) => v === undefined)) return true;
        return Math.max(...(values as number[])) > 9.0;
      }
    }
  ]
};

// ── CMS165 ──────────────────────────────────────────────────────────────

/** Systolic and diastolic values of the results on one day: panel components and single readings alike. */
function bpValues(day: ObservationFact[]): { systolic: number[]; diastolic: number[] } {
  const systolic: number[] = [];
  const diastolic: number[] = [];
  for (const o of day) {
    if (inList(o.codes, VS.SYSTOLIC) && o.value !== undefined) systolic.push(o.value);
    if (inList(o.codes, VS.DIASTOLIC) && o.value !== undefined) diastolic.push(o.value);
    for (const c of o.components) {
      if (c.value === undefined) continue;
      if (inList(c.codes, VS.SYSTOLIC)) systolic.push(c.value);
      if (inList(c.codes, VS.DIASTOLIC)) diastolic.push(c.value);
    }
  }
  return { systolic, diastolic };
}

const BP_ANY: CodeList = { name: 'Blood pressure', codes: new Set([...VS.BP_PANEL.codes, ...VS.SYSTOLIC.codes, ...VS.DIASTOLIC.codes]), icd10Prefixes: [] };

const CMS165: MeasureDefinition = {
  id: 'CMS165',
  version: 'CMS165v13',
  title: 'Controlling High Blood Pressure',
  description: 'Patients 18–85 with essential hypertension whose most recent blood pressure in the period was below 140/90 mmHg.',
  improvement: 'increase',
  url: `${ECQI}/cms0165v13`,
  groups: [
    {
      id: 'main',
      title: 'Blood pressure < 140/90',
      // Hypertension starting before, or in the first six months of, the period.
      initialPopulation: (f, p) =>
        agedAtEnd(f, p, 18, 85) && hadVisit(f, p) && conditionOverlaps(f, VS.ESSENTIAL_HYPERTENSION, p.start, shiftDays(shiftMonths(p.start, 6), -1)),
      exclusion: (f, p) =>
        commonExclusions(f, p) ||
        conditionOverlaps(f, VS.KIDNEY_FAILURE, '0000-01-01', p.end) ||
        eventIn(f, VS.KIDNEY_FAILURE, '0000-01-01', p.end) ||
        conditionOverlaps(f, VS.PREGNANCY, p.start, p.end) ||
        (agedAtEnd(f, p, 81) && frail(f, p)),
      // The newest day with a reading; several readings that day: the lowest systolic and the lowest diastolic.
      numerator: (f, p) => {
        const { systolic, diastolic } = bpValues(latestDayWithBoth(f, p));
        if (systolic.length === 0 || diastolic.length === 0) return false;
        return Math.min(...systolic) < 140 && Math.min(...diastolic) < 90;
      }
    }
  ]
};

/** The newest day in the period that has both a systolic and a diastolic value. */
function latestDayWithBoth(f: PatientFacts, p: Period): ObservationFact[] {
  const days = new Map<string, ObservationFact[]>();
  for (const o of f.observations) {
    if (!within(o.date, p.start, p.end) || !(inList(o.codes, BP_ANY) || o.components.some((c) => inList(c.codes, BP_ANY)))) continue;
    days.set(o.date, [...(days.get(o.date) ?? []), o]);
  }
  for (const d of [...days.keys()].sort().reverse()) {
    const v = bpValues(days.get(d)!);
    if (v.systolic.length && v.diastolic.length) return days.get(d)!;
  }
  return [];
}

// ── CMS125 ──────────────────────────────────────────────────────────────

const CMS125: MeasureDefinition = {
  id: 'CMS125',
  version: 'CMS125v13',
  title: 'Breast Cancer Screening',
  description: 'Women 52–74 who had a mammogram from October 1 two years before the period to its end (27 months).',
  improvement: 'increase',
  url: `${ECQI}/cms0125v13`,
  groups: [
    {
      id: 'main',
      title: 'Mammogram in 27 months',
      // Sex as registered: only patients registered female are counted.
      initialPopulation: (f, p) => f.gender === 'female' && agedAtEnd(f, p, 52, 74) && hadVisit(f, p),
      exclusion: (f, p) =>
        commonExclusions(f, p) ||
        conditionBy(f, VS.BILATERAL_MASTECTOMY, p.end) ||
        eventIn(f, VS.BILATERAL_MASTECTOMY, '0000-01-01', p.end) ||
        (conditionBy(f, VS.RIGHT_MASTECTOMY, p.end) && conditionBy(f, VS.LEFT_MASTECTOMY, p.end)),
      // For a calendar year: October 1 two years before the period starts (15 months before its start).
      numerator: (f, p) => doneIn(f, VS.MAMMOGRAPHY, shiftMonths(p.start, -15), p.end)
    }
  ]
};

// ── CMS130 ──────────────────────────────────────────────────────────────

const CMS130: MeasureDefinition = {
  id: 'CMS130',
  version: 'CMS130v13',
  title: 'Colorectal Cancer Screening',
  description:
    'Patients 46–75 screened: colonoscopy in the period or 9 years before, FIT/FOBT in the period, stool DNA with FIT in the period or 2 years before, flexible sigmoidoscopy or CT colonography in the period or 4 years before.',
  improvement: 'increase',
  url: `${ECQI}/cms0130v13`,
  groups: [
    {
      id: 'main',
      title: 'Colorectal cancer screening up to date',
      initialPopulation: (f, p) => agedAtEnd(f, p, 46, 75) && hadVisit(f, p),
      exclusion: (f, p) =>
        commonExclusions(f, p) ||
        conditionBy(f, VS.COLORECTAL_CANCER, p.end) ||
        conditionBy(f, VS.TOTAL_COLECTOMY, p.end) ||
        eventIn(f, VS.TOTAL_COLECTOMY, '0000-01-01', p.end),
      numerator: (f, p) =>
        doneIn(f, VS.COLONOSCOPY, shiftMonths(p.start, -12 * 9), p.end) ||
        doneIn(f, VS.FOBT, p.start, p.end) ||
        doneIn(f, VS.STOOL_DNA, shiftMonths(p.start, -12 * 2), p.end) ||
        doneIn(f, VS.FLEXIBLE_SIGMOIDOSCOPY, shiftMonths(p.start, -12 * 4), p.end) ||
        doneIn(f, VS.CT_COLONOGRAPHY, shiftMonths(p.start, -12 * 4), p.end)
    }
  ]
};

// ── CMS138 ──────────────────────────────────────────────────────────────

/** The newest tobacco answer in the period: 'user', 'non-user', or null when not screened (an assessment without a coded answer does not count). */
export function tobaccoStatus(f: PatientFacts, p: Period): 'user' | 'non-user' | null {
  const answered = f.observations.filter((o) => within(o.date, p.start, p.end) && inList(o.codes, VS.TOBACCO_SCREENING) && o.valueCodes.length > 0);
  if (answered.length === 0) return null;
  const last = answered.reduce((d, o) => (o.date > d ? o.date : d), '');
  // Several answers on the newest day: any "user" answer counts as user.
  return answered.some((o) => o.date === last && inList(o.valueCodes, VS.TOBACCO_USER)) ? 'user' : 'non-user';
}

/** Counselling or a cessation drug in the period or the six months before it. */
const cessation = (f: PatientFacts, p: Period) => eventIn(f, VS.TOBACCO_CESSATION, shiftMonths(p.start, -6), p.end, VS.CESSATION_TEXT);

/** Aged 12 or more at the period's start, with two visits or one preventive visit in it. */
const cms138Population = (f: PatientFacts, p: Period) => {
  if (!agedAtStart(f, p, 12)) return false;
  const visits = visitsIn(f, p);
  return visits.length >= 2 || visits.some((v) => /preventive|annual|wellness|well visit|check-?up|physical/i.test(v.type));
};

const CMS138: MeasureDefinition = {
  id: 'CMS138',
  version: 'CMS138v13',
  title: 'Preventive Care and Screening: Tobacco Use: Screening and Cessation Intervention',
  description:
    'Patients 12 and over: (1) screened for tobacco use in the period; (2) users who received a cessation intervention; (3) screened and, if a user, received an intervention.',
  improvement: 'increase',
  url: `${ECQI}/cms0138v13`,
  groups: [
    { id: 'screened', title: 'Screened for tobacco use', initialPopulation: cms138Population, exclusion: inHospice, numerator: (f, p) => tobaccoStatus(f, p) !== null },
    {
      id: 'intervention',
      title: 'Tobacco users given cessation intervention',
      initialPopulation: cms138Population,
      denominator: (f, p) => tobaccoStatus(f, p) === 'user',
      exclusion: inHospice,
      numerator: cessation
    },
    {
      id: 'overall',
      title: 'Screened and, if a user, given intervention',
      initialPopulation: cms138Population,
      exclusion: inHospice,
      numerator: (f, p) => {
        const s = tobaccoStatus(f, p);
        return s === 'non-user' || (s === 'user' && cessation(f, p));
      }
    }
  ]
};

// ── CMS2 ────────────────────────────────────────────────────────────────

/**
 * A positive screen: PHQ-9 (or PHQ-9 modified for teens) 10 or more, PHQ-2
 * 3 or more (Kroenke et al., J Gen Intern Med 2001;16:606-13 and Med Care
 * 2003;41:1284-92), or the answer "Positive" to a yes/no screening assessment.
 */
export function positiveScreen(o: ObservationFact): boolean {
  if (o.valueCodes.includes(VS.SCREEN_POSITIVE_ANSWER)) return true;
  if (o.value === undefined) return false;
  if (o.codes.includes('loinc|55758-7')) return o.value >= 3;
  if (o.codes.includes('loinc|44261-6') || o.codes.includes('loinc|89204-2')) return o.value >= 10;
  return false;
}

const followUp = (f: PatientFacts, from: string, to: string) => eventIn(f, VS.DEPRESSION_FOLLOW_UP, from, to, VS.DEPRESSION_FOLLOW_UP_TEXT);

const CMS2: MeasureDefinition = {
  id: 'CMS2',
  version: 'CMS2v14',
  title: 'Preventive Care and Screening: Screening for Depression and Follow-Up Plan',
  description:
    'Patients 12 and over screened for depression with a standard tool on the day of a visit or up to 14 days before it and, if positive, with a follow-up plan on the day of the visit or up to 2 days after.',
  improvement: 'increase',
  url: `${ECQI}/cms0002v14`,
  groups: [
    {
      id: 'main',
      title: 'Screened and, if positive, follow-up plan',
      initialPopulation: (f, p) => agedAtStart(f, p, 12) && hadVisit(f, p),
      // Depression or bipolar disorder diagnosed before the (latest) qualifying visit.
      exclusion: (f, p) => {
        const last = visitsIn(f, p).reduce((d, v) => (v.date > d ? v.date : d), '');
        return conditionBy(f, VS.DEPRESSION_OR_BIPOLAR, shiftDays(last, -1));
      },
      // The newest screening in the period, taken on a visit day or up to 14 days before a visit in the period.
      numerator: (f, p) => {
        const screens = f.observations.filter((o) => within(o.date, p.start, p.end) && inList(o.codes, VS.DEPRESSION_SCREENING)).sort((a, b) => b.date.localeCompare(a.date));
        const screen = screens[0];
        if (!screen) return false;
        const visit = visitsIn(f, p)
          .map((v) => v.date)
          .filter((d) => d >= screen.date && d <= shiftDays(screen.date, 14))
          .sort()[0];
        if (!visit) return false;
        const positive = screens.filter((s) => s.date === screen.date).some(positiveScreen);
        return !positive || followUp(f, visit, shiftDays(visit, 2));
      }
    }
  ]
};

export const MEASURES: readonly MeasureDefinition[] = [CMS122, CMS165, CMS125, CMS130, CMS138, CMS2];

export function measureById(id: string): MeasureDefinition | undefined {
  return MEASURES.find((m) => m.id === id);
}
