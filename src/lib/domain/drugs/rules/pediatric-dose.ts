/**
 * Weight-based dose check for children (under 18 on the day of the check).
 * The single dose and daily total, per kg of the most recent recorded
 * weight, are compared with the pack's cited pediatric range for the drug,
 * route and age band, and never allowed above the usual adult maximum (FDA
 * labeling). Whatever stops the check (no range for the drug, route or age,
 * no dose, no frequency, no weight or only an old one) is said, never skipped.
 *
 * How recent a weight must be is Outpost's choice, not taken from a source:
 * within 30 days for an infant under 1 year (infants gain weight fast enough
 * that an older weight can understate the dose per kg), within 90 days from
 * 1 year on.
 */
import type { ObservationInput, PatientContext } from '../inputs';
import type { Drug, PediatricDose, Severity } from '../pack-schema';
import { ageInMonths, DAY_MS, involvedMed, type RuleContext } from './context';
import { dailyDoseMg, singleDoseMg, TO_MG, type DoseOutcome } from './dose-range';

export const WEIGHT_LOINC = '29463-7';
/** Days a recorded weight stays usable: infants under 12 months, then older children. */
export const WEIGHT_MAX_AGE_DAYS = { infant: 30, child: 90 } as const;

const EPS = 1e-9;
const fmt = (n: number) => String(Math.round(n * 100) / 100);

export function pediatricDoseOutcome(ctx: RuleContext, drug: Drug, ageYears: number): DoseOutcome {
  const { order, patient, now } = ctx;
  const months = ageInMonths(patient.birthDate, now)!;
  const bands = drug.pediatricDoses ?? [];
  if (!bands.length) return notChecked(`the pack has no pediatric dose range for ${drug.name}, and adult ranges do not apply to a child (the patient is ${ageYears})`);
  const route = order.route ?? (drug.routes.length === 1 ? drug.routes[0] : undefined);
  if (!route) return notChecked('the route is not known');
  const forRoute = bands.filter((b) => b.route === route);
  if (!forRoute.length) return notChecked(`the pack has no ${route} pediatric dose range for ${drug.name}`);
  const band = forRoute.find((b) => months >= b.minAgeMonths && (b.maxAgeMonths === undefined || months < b.maxAgeMonths));
  if (!band) return notChecked(`the pack has no pediatric dose range for ${drug.name} at the patient\u2019s age (${describeAge(months)})`);
  if (!order.input.dose) return notChecked('the order has no dose');
  const single = singleDoseMg(order.input.dose, order.productText);
  if (single === undefined) return notChecked(`the dose unit "${order.input.dose.unit}" could not be converted to mg`);

  const weight = latestWeight(patient);
  if (!weight) return { kind: 'no-weight', stale: false, reason: 'no weight is recorded for this child, and children\u2019s doses are checked per kg' };
  const maxDays = months < 12 ? WEIGHT_MAX_AGE_DAYS.infant : WEIGHT_MAX_AGE_DAYS.child;
  const days = Math.floor((now.getTime() - Date.parse(weight.at)) / DAY_MS);
  if (!(days <= maxDays))
    return {
      kind: 'no-weight',
      stale: true,
      reason: `the most recent weight (${fmt(weight.kg)} kg, ${weight.at.slice(0, 10)}) is ${days} days old; a child ${months < 12 ? 'under 1 year' : 'of 1 year or more'} needs a weight from the last ${maxDays} days`
    };

  const daily = dailyDoseMg(single, order.input.timing);
  const findings = compare(band, drug, route, single, daily, weight.kg);
  if (!findings.length) {
    if (daily === undefined)
      return notChecked(`the order has no frequency, so the daily total per kg was not checked (the single dose, ${fmt(single / weight.kg)} mg/kg, is within the pediatric maximum of ${band.maxMgPerKgDose} mg/kg)`);
    return { kind: 'ok' };
  }
  const adultCap = findings.some((f) => f.adult);
  return {
    kind: 'alert',
    alert: {
      kind: 'dose-range',
      severity: findings[0].severity,
      title: `Dose above the pediatric range: ${drug.name} ${fmt(single)} mg (${fmt(single / weight.kg)} mg/kg per dose${daily !== undefined ? `, ${fmt(daily / weight.kg)} mg/kg/day` : ''})`,
      detail:
        `${findings.map((f) => f.text).join(' ')}${daily === undefined ? ' The order has no frequency, so the daily total was not checked.' : ''}` +
        ` Weight ${fmt(weight.kg)} kg (${weight.at.slice(0, 10)}), age ${describeAge(months)}. Pediatric ${route} maximum: ${band.maxMgPerKgDose} mg/kg per dose, ${band.maxMgPerKgDay} mg/kg/day.${band.note ? ` ${band.note}` : ''}`,
      action: 'Check the dose per kg against the indication and a pediatric formulary, and confirm the weight is current.',
      source: { citation: adultCap ? `${band.citation} Adult maximum: FDA-approved prescribing information (DailyMed).` : band.citation },
      ruleId: 'dose-range-pediatric',
      involved: [involvedMed(order, 'order')]
    }
  };
}

function compare(band: PediatricDose, drug: Drug, route: string, single: number, daily: number | undefined, kg: number) {
  const out: { severity: Severity; text: string; adult?: boolean }[] = [];
  if (daily !== undefined && daily / kg > band.maxMgPerKgDay + EPS)
    out.push({ severity: 'serious', text: `Daily total ${fmt(daily / kg)} mg/kg/day (${fmt(daily)} mg/day) exceeds the pediatric maximum of ${band.maxMgPerKgDay} mg/kg/day.` });
  const adult = drug.doses.find((d) => d.route === route);
  const u = adult ? TO_MG[adult.unit] : 1;
  if (adult?.maxDaily && daily !== undefined && daily > adult.maxDaily * u + EPS)
    out.push({ severity: 'serious', adult: true, text: `Daily total ${fmt(daily)} mg exceeds the usual adult maximum of ${adult.maxDaily} ${adult.unit}/day.` });
  if (single / kg > band.maxMgPerKgDose + EPS)
    out.push({ severity: 'moderate', text: `Single dose ${fmt(single / kg)} mg/kg (${fmt(single)} mg) exceeds the pediatric maximum of ${band.maxMgPerKgDose} mg/kg per dose.` });
  if (adult?.maxSingle && single > adult.maxSingle * u + EPS)
    out.push({ severity: 'moderate', adult: true, text: `Single dose ${fmt(single)} mg exceeds the usual adult maximum single dose of ${adult.maxSingle} ${adult.unit}.` });
  return out;
}

const notChecked = (reason: string): DoseOutcome => ({ kind: 'not-checked', reason });

function describeAge(months: number): string {
  if (months < 24) return `${months} month${months === 1 ? '' : 's'}`;
  return `${Math.floor(months / 12)} years`;
}

const WEIGHT_TO_KG: Record<string, number> = { kg: 1, g: 0.001, '[lb_av]': 0.45359237, lb: 0.45359237 };

/** The patient's weight, or the latest body-weight Observation (LOINC 29463-7) in a known unit. */
export function latestWeight(patient: PatientContext): { kg: number; at: string } | undefined {
  if (patient.weight && patient.weight.kg > 0 && !Number.isNaN(Date.parse(patient.weight.at))) return patient.weight;
  let best: { kg: number; at: string } | undefined;
  for (const o of patient.observations ?? []) {
    const w = observedWeight(o);
    if (w && (!best || Date.parse(w.at) > Date.parse(best.at))) best = w;
  }
  return best;
}

function observedWeight(o: ObservationInput): { kg: number; at: string } | undefined {
  if (!o.codings?.some((c) => c.code === WEIGHT_LOINC) || o.value === undefined || !o.effective || Number.isNaN(Date.parse(o.effective))) return undefined;
  const factor = WEIGHT_TO_KG[(o.unit ?? '').trim()];
  if (!factor || !(o.value > 0)) return undefined;
  return { kg: o.value * factor, at: o.effective };
}
