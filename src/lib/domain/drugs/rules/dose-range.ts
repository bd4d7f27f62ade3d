/**
 * Dose outside the usual adult range (FDA labeling, per route); for a child
 * (under 18), the weight-based check in pediatric-dose.ts instead. The single
 * dose comes from the order in mg, mcg or g, or from a count (tablets,
 * capsules) or volume (mL) times the strength named in the product
 * ("Ketorolac Tromethamine 10 MG Oral Tablet"). The daily dose uses the order's
 * timing; weekly ceilings catch daily methotrexate given as if weekly.
 * When the dose cannot be checked the result says why.
 */
import type { Alert } from '../alert';
import type { MedicationInput } from '../inputs';
import type { DoseRange, Severity } from '../pack-schema';
import { ageInYears, involvedMed, PEDIATRIC_UNDER_YEARS, type RuleContext } from './context';
import { pediatricDoseOutcome } from './pediatric-dose';

const EPS = 1e-9;
export const TO_MG: Record<string, number> = { mg: 1, milligram: 1, milligrams: 1, mcg: 0.001, ug: 0.001, 'µg': 0.001, microgram: 0.001, micrograms: 0.001, g: 1000, gram: 1000, grams: 1000 };
const COUNT_UNITS = new Set(['tablet', 'tablets', 'tab', 'tabs', 'capsule', 'capsules', 'cap', 'caps', 'pill', 'pills', '{pill}', '{tbl}', '{tablet}', '{capsule}', 'each', 'ea', '1', 'patch', 'suppository', 'troche', 'lozenge']);
const PERIOD_DAYS: Record<string, number> = { s: 1 / 86400, min: 1 / 1440, h: 1 / 24, d: 1, wk: 7, mo: 30, a: 365 };

export type DoseOutcome =
  | { kind: 'alert'; alert: Alert }
  | { kind: 'not-checked'; reason: string }
  /** A child's dose, which is checked per kg, with no usable weight: `stale` when the only weight is too old. */
  | { kind: 'no-weight'; stale: boolean; reason: string }
  | { kind: 'ok' };

export function doseRangeOutcome(ctx: RuleContext): DoseOutcome {
  const { k, order, patient, now } = ctx;
  if (order.ingredients.length !== 1) return order.input.dose ? { kind: 'not-checked', reason: 'dose ranges are not checked for combination products' } : { kind: 'ok' };
  const drug = k.drugs.get(order.ingredients[0])!;
  const age = ageInYears(patient.birthDate, now);
  if (age !== undefined && age < PEDIATRIC_UNDER_YEARS) return pediatricDoseOutcome(ctx, drug, age);
  if (!drug.doses.length) return { kind: 'not-checked', reason: `the pack has no usual dose range for ${drug.name}${drug.note ? ` (${drug.note})` : ''}` };
  const route = order.route ?? (drug.routes.length === 1 ? drug.routes[0] : undefined);
  const range = drug.doses.find((d) => d.route === route);
  if (!range) return { kind: 'not-checked', reason: route ? `the pack has no ${route} dose range for ${drug.name}` : 'the route is not known' };
  if (!order.input.dose) return { kind: 'not-checked', reason: 'the order has no dose' };
  const single = singleDoseMg(order.input.dose, order.productText);
  if (single === undefined) return { kind: 'not-checked', reason: `the dose unit "${order.input.dose.unit}" could not be converted to mg` };
  const daily = dailyDoseMg(single, order.input.timing);
  const findings = compare(range, single, daily);
  if (!findings.length) return { kind: 'ok' };
  const severity = findings[0].severity;
  const usual = describeRange(range);
  return {
    kind: 'alert',
    alert: {
      kind: 'dose-range',
      severity,
      title: `Dose outside the usual adult range: ${drug.name} ${fmt(single)} mg${daily !== undefined ? ` (${fmt(daily)} mg/day)` : ''}`,
      detail: `${findings.map((f) => f.text).join(' ')} Usual adult ${range.route} range: ${usual}.${range.note ? ` ${range.note}` : ''}`,
      action: 'Check the dose and frequency against the indication, renal and hepatic function, and the prescribing information.',
      source: { citation: 'FDA-approved prescribing information (DailyMed), usual adult dosing.', url: 'https://dailymed.nlm.nih.gov/' },
      ruleId: 'dose-range',
      involved: [involvedMed(order, 'order')]
    }
  };
}

function compare(range: DoseRange, single: number, daily: number | undefined) {
  const f = (mg: number) => mg / TO_MG[range.unit];
  const u = range.unit;
  const out: { severity: Severity; text: string }[] = [];
  if (daily !== undefined && range.maxWeekly && daily * 7 > range.maxWeekly * TO_MG[u] + EPS)
    out.push({ severity: 'serious', text: `Weekly total ${fmt(f(daily * 7))} ${u} exceeds the usual weekly maximum of ${range.maxWeekly} ${u}.` });
  if (daily !== undefined && range.maxDaily && daily > range.maxDaily * TO_MG[u] + EPS)
    out.push({ severity: 'serious', text: `Daily total ${fmt(f(daily))} ${u} exceeds the usual maximum of ${range.maxDaily} ${u}/day.` });
  if (range.maxSingle && single > range.maxSingle * TO_MG[u] + EPS)
    out.push({ severity: 'moderate', text: `Single dose ${fmt(f(single))} ${u} exceeds the usual maximum single dose of ${range.maxSingle} ${u}.` });
  if (range.minSingle && single < range.minSingle * TO_MG[u] - EPS)
    out.push({ severity: 'minor', text: `Single dose ${fmt(f(single))} ${u} is below the usual minimum of ${range.minSingle} ${u}.` });
  return out;
}

function describeRange(r: DoseRange): string {
  const parts = [
    r.minSingle !== undefined || r.maxSingle !== undefined ? `${r.minSingle ?? '?'}–${r.maxSingle ?? '?'} ${r.unit} per dose` : '',
    r.maxDaily ? `at most ${r.maxDaily} ${r.unit}/day` : '',
    r.maxWeekly ? `at most ${r.maxWeekly} ${r.unit}/week` : ''
  ];
  return parts.filter(Boolean).join(', ');
}

/** Dose per administration in mg, or undefined when it cannot be worked out. */
export function singleDoseMg(dose: NonNullable<MedicationInput['dose']>, productText: string): number | undefined {
  const unit = dose.unit.trim().toLowerCase();
  if (TO_MG[unit] !== undefined) return dose.value * TO_MG[unit];
  const seen = new Set<string>();
  const strengths = [...productText.matchAll(/(\d+(?:\.\d+)?)\s*(MG|MCG|G)\b(\s*\/\s*(ML|ACTUAT|HR|MG))?/gi)].filter((m) => {
    // Stryker disable next-line MethodExpression: the key only de-duplicates; folding to upper case groups the same strengths as folding to lower case.
    const key = `${Number(m[1])} ${m[2].toLowerCase()} ${(m[4] ?? '').toLowerCase()}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  if (COUNT_UNITS.has(unit)) {
    const perUnit = strengths.filter((m) => !m[3]);
    if (perUnit.length !== 1) return undefined;
    return dose.value * Number(perUnit[0][1]) * TO_MG[perUnit[0][2].toLowerCase()];
  }
  if (unit === 'ml') {
    const perMl = strengths.filter((m) => m[4]?.toUpperCase() === 'ML');
    if (perMl.length !== 1) return undefined;
    return dose.value * Number(perMl[0][1]) * TO_MG[perMl[0][2].toLowerCase()];
  }
  return undefined;
}

export function dailyDoseMg(single: number, timing: MedicationInput['timing']): number | undefined {
  if (!timing?.frequency || !timing.periodUnit) return undefined;
  const days = (timing.period ?? 1) * (PERIOD_DAYS[timing.periodUnit] ?? NaN);
  if (!Number.isFinite(days) || days <= 0) return undefined;
  return (single * timing.frequency) / days;
}

const fmt = (n: number) => String(Math.round(n * 1000) / 1000);
