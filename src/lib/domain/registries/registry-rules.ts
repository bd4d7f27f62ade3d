import { z } from 'zod';
import { immunizationSchedule, VACCINE_GROUPS } from '../immunization-schedule';
import type { Immunization } from '../clinical';
import { ageAt } from '../vitals';
import type { PatientFacts } from './patient-facts';
import { isPregnant } from './pregnancy';

/**
 * The one vocabulary registries are written in, built-in and clinic-defined
 * alike: each rule says something about one patient, and a registry lists
 * the patients every one of its rules holds for. The same schema checks a
 * definition in the app's form, on the way out of the clinic's document and
 * in the server's write policy, so a crafted rule is refused everywhere.
 *
 * A rule answers yes, no, or "cannot tell" with the reason (no birth date
 * for an age rule, a result in another unit than the rule's): a patient the
 * registry cannot judge is listed as such, never silently left out.
 */

/** ICD-10-CM code or leading part of one: a letter, two digits, then up to four more characters after an optional dot (E11, E11.6, I10). */
export const ICD10_PREFIX_RE = /^[A-TV-Z][0-9][0-9AB](\.?[0-9A-Z]{0,4})?$/;
/** LOINC code: digits, a dash and a check digit. */
export const LOINC_RE = /^\d{1,7}-\d$/;
const RXNORM_RE = /^\d{1,9}$/;

export const COMPARATORS = ['gt', 'ge', 'lt', 'le', 'eq'] as const;
export type Comparator = (typeof COMPARATORS)[number];
export const COMPARATOR_SIGN: Record<Comparator, string> = { gt: '>', ge: '≥', lt: '<', le: '≤', eq: '=' };

export const SEXES = ['female', 'male'] as const;

const months = z.number().int().min(1).max(600);

export const conditionRuleSchema = z.object({
  kind: z.literal('condition'),
  /** ICD-10-CM codes or prefixes; an active problem coded with any of them matches (E11 matches E11.65). */
  icd10Prefixes: z.array(z.string().trim().toUpperCase().regex(ICD10_PREFIX_RE, 'Use an ICD-10-CM code or its first characters, e.g. E11')).min(1).max(40)
});

export const resultRuleSchema = z
  .object({
    kind: z.literal('result'),
    loinc: z.string().trim().regex(LOINC_RE, 'Use a LOINC code, e.g. 4548-4'),
    /** Compare the latest value: e.g. gt 9 (%). */
    comparator: z.enum(COMPARATORS).optional(),
    value: z.number().finite().optional(),
    /** The unit the value is in; a result in another unit cannot be compared and is shown as not checked. */
    unit: z.string().trim().max(20).optional(),
    /** The latest result is older than this many months (or there is none). */
    olderThanMonths: months.optional(),
    /** No result with this code at all. */
    missing: z.literal(true).optional()
  })
  .superRefine((r, ctx) => {
    const compares = r.comparator !== undefined || r.value !== undefined;
    if (compares && (r.comparator === undefined || r.value === undefined)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'A comparison needs both a comparator and a value' });
    const tests = Number(compares) + Number(r.olderThanMonths !== undefined) + Number(r.missing === true);
    if (tests !== 1) ctx.addIssue({ code: 'custom', path: ['comparator'], message: 'A result rule tests one thing: its value, its age, or that there is none' });
  });

export const medicationRuleSchema = z
  .object({
    kind: z.literal('medication'),
    /** RxNorm codes of the medicine (ingredient or product). */
    rxnorm: z.array(z.string().trim().regex(RXNORM_RE, 'Use an RxNorm code (digits)')).max(40).default([]),
    /** A class of the drug pack, e.g. `statin`. */
    drugClass: z.string().trim().regex(/^[a-z0-9-]{2,60}$/, 'Use a class of the drug list, e.g. statin').optional()
  })
  .refine((r) => r.rxnorm.length > 0 || r.drugClass !== undefined, { message: 'Name a medicine by RxNorm code or class', path: ['rxnorm'] });

export const ageRuleSchema = z
  .object({ kind: z.literal('age'), minYears: z.number().int().min(0).max(130).optional(), maxYears: z.number().int().min(0).max(130).optional() })
  .refine((r) => r.minYears !== undefined || r.maxYears !== undefined, { message: 'Give a youngest or an oldest age', path: ['minYears'] })
  .refine((r) => r.minYears === undefined || r.maxYears === undefined || r.minYears <= r.maxYears, { message: 'The youngest age is above the oldest', path: ['maxYears'] });

export const sexRuleSchema = z.object({ kind: z.literal('sex'), sex: z.enum(SEXES) });
export const pregnancyRuleSchema = z.object({ kind: z.literal('pregnant') });
export const lastVisitRuleSchema = z.object({ kind: z.literal('last-visit-older'), months });
export const immunizationRuleSchema = z.object({ kind: z.literal('immunization-due'), group: z.enum(VACCINE_GROUPS).optional() });

const simpleRuleSchema = z.union([
  conditionRuleSchema,
  resultRuleSchema,
  medicationRuleSchema,
  ageRuleSchema,
  sexRuleSchema,
  pregnancyRuleSchema,
  lastVisitRuleSchema,
  immunizationRuleSchema
]);
export type SimpleRule = z.infer<typeof simpleRuleSchema>;

/** Any one of several rules (one level deep): "HbA1c over 9%, or older than 6 months". */
export const anyRuleSchema = z.object({ kind: z.literal('any'), rules: z.array(simpleRuleSchema).min(2).max(10) });
export const registryRuleSchema = z.union([simpleRuleSchema, anyRuleSchema]);
export type RegistryRule = z.infer<typeof registryRuleSchema>;
/** A rule as written before the schema fills in defaults. */
export type RegistryRuleInput = z.input<typeof registryRuleSchema>;
export type RuleKind = RegistryRule['kind'];

export type RuleAnswer = { kind: 'yes'; why?: string } | { kind: 'no' } | { kind: 'unknown'; reason: string };

const YES: RuleAnswer = { kind: 'yes' };
const NO: RuleAnswer = { kind: 'no' };

function utc(date: string): number {
  return Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);
}

/** `date` is earlier than `n` calendar months before `now`. */
export function olderThanMonths(date: string, n: number, now: string): boolean {
  const d = new Date(utc(now.slice(0, 10)));
  d.setUTCMonth(d.getUTCMonth() - n);
  return utc(date.slice(0, 10)) < d.getTime();
}

function compare(a: number, c: Comparator, b: number): boolean {
  switch (c) {
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'eq':
      return a === b;
  }
}

/** Units written differently for the same thing ("%" and "%{HbA1c}"); compared after trimming annotations. */
function sameUnit(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\{[^}]*\}/g, '').trim().toLowerCase();
  return norm(a) === norm(b);
}

const normCode = (c: string) => c.toUpperCase().replace('.', '');
/** Prefixes normalised once per rule, not once per patient (a registry runs over a whole panel). */
const normalisedPrefixes = new WeakMap<readonly string[], string[]>();

function conditionMatches(codes: readonly string[], prefixes: readonly string[]): boolean {
  let norm = normalisedPrefixes.get(prefixes);
  if (!norm) normalisedPrefixes.set(prefixes, (norm = prefixes.map(normCode)));
  return codes.some((code) => {
    const c = normCode(code);
    return norm.some((p) => c.startsWith(p));
  });
}

function evaluateSimple(rule: SimpleRule, p: PatientFacts, now: string): RuleAnswer {
  switch (rule.kind) {
    case 'condition':
      return conditionMatches(p.conditionCodes, rule.icd10Prefixes) ? YES : NO;
    case 'result': {
      const latest = p.latestResults.find((r) => r.code === rule.loinc);
      if (rule.missing) return latest ? NO : YES;
      if (rule.olderThanMonths !== undefined) return !latest ? { kind: 'yes', why: 'none recorded' } : olderThanMonths(latest.at, rule.olderThanMonths, now) ? YES : NO;
      if (!latest) return NO;
      if (latest.value === undefined) return { kind: 'unknown', reason: `Latest ${latest.text || rule.loinc} has no number to compare` };
      if (rule.unit && latest.unit && !sameUnit(rule.unit, latest.unit)) return { kind: 'unknown', reason: `Latest ${latest.text || rule.loinc} is in ${latest.unit}, not ${rule.unit}` };
      return compare(latest.value, rule.comparator!, rule.value!) ? YES : NO;
    }
    case 'medication':
      return p.medications.some((m) => m.rxnorm.some((c) => rule.rxnorm.includes(c)) || (rule.drugClass !== undefined && m.classes.includes(rule.drugClass))) ? YES : NO;
    case 'age': {
      const age = ageAt(p.birthDate, now);
      if (age === undefined) return { kind: 'unknown', reason: 'Birth date not recorded' };
      return (rule.minYears === undefined || age >= rule.minYears) && (rule.maxYears === undefined || age <= rule.maxYears) ? YES : NO;
    }
    case 'sex':
      if (p.gender !== 'female' && p.gender !== 'male') return { kind: 'unknown', reason: 'Sex not recorded' };
      return p.gender === rule.sex ? YES : NO;
    case 'pregnant':
      return isPregnant(p.pregnancy, now.slice(0, 10)) ? YES : NO;
    case 'last-visit-older':
      if (!p.lastVisit) return { kind: 'yes', why: 'no visit recorded' };
      return olderThanMonths(p.lastVisit, rule.months, now) ? YES : NO;
    case 'immunization-due': {
      // The app's own schedule (immunization-schedule.ts), so the chart's reminders and the registry agree.
      const items = immunizationSchedule({ birthDate: p.birthDate, immunizations: p.immunizations as unknown as Immunization[], now }).filter((i) => !rule.group || i.group === rule.group);
      if (items.some((i) => i.status === 'due')) return YES;
      if (items.length > 0 && items.every((i) => i.status === 'not-evaluated')) return { kind: 'unknown', reason: items[0].status === 'not-evaluated' ? items[0].reason : 'Not evaluated' };
      return NO;
    }
  }
}

/** What one rule says about one patient today. */
export function evaluateRule(rule: RegistryRule, p: PatientFacts, now: string): RuleAnswer {
  if (rule.kind !== 'any') return evaluateSimple(rule, p, now);
  const answers = rule.rules.map((r) => evaluateSimple(r, p, now));
  const yes = answers.find((a) => a.kind === 'yes');
  if (yes) return yes;
  const unknown = answers.find((a): a is Extract<RuleAnswer, { kind: 'unknown' }> => a.kind === 'unknown');
  return unknown ?? NO;
}

/** Every rule together: no when any says no; cannot tell (with every reason) when none says no but some cannot tell. */
export function evaluateAll(rules: readonly RegistryRule[], p: PatientFacts, now: string): RuleAnswer {
  const reasons: string[] = [];
  for (const rule of rules) {
    const a = evaluateRule(rule, p, now);
    if (a.kind === 'no') return NO;
    if (a.kind === 'unknown' && !reasons.includes(a.reason)) reasons.push(a.reason);
  }
  return reasons.length ? { kind: 'unknown', reason: reasons.join('; ') } : YES;
}
