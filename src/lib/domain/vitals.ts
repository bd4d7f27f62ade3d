import { z } from 'zod';
import type { Observation, ObservationInput } from './clinical';

/**
 * Vital signs: what each one is (LOINC code, UCUM unit), how a set recorded
 * at the bedside becomes FHIR Observations, how stored Observations read back
 * as readings, and which readings are outside adult ranges.
 *
 * The ranges are ADULT ranges (18 years and over). Children's normal values
 * depend on age (and for blood pressure on height centile), so a child's
 * reading is never compared with them: it is reported as `not-checked` and
 * the chart says so, rather than showing no flag as if it were normal.
 */

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

/** FHIR vital-signs profile codes; `unit` is the UCUM code the chart stores. */
export const VITALS = {
  bloodPressure: { loinc: '85354-9', text: 'Blood pressure', unit: 'mm[Hg]', display: 'mmHg' },
  systolic: { loinc: '8480-6', text: 'Systolic blood pressure', unit: 'mm[Hg]', display: 'mmHg' },
  diastolic: { loinc: '8462-4', text: 'Diastolic blood pressure', unit: 'mm[Hg]', display: 'mmHg' },
  heartRate: { loinc: '8867-4', text: 'Heart rate', unit: '/min', display: '/min' },
  respiratoryRate: { loinc: '9279-1', text: 'Respiratory rate', unit: '/min', display: '/min' },
  temperature: { loinc: '8310-5', text: 'Body temperature', unit: 'Cel', display: '°C' },
  spo2: { loinc: '59408-5', text: 'Oxygen saturation by pulse oximetry', unit: '%', display: '%' },
  weight: { loinc: '29463-7', text: 'Body weight', unit: 'kg', display: 'kg' },
  height: { loinc: '8302-2', text: 'Body height', unit: 'cm', display: 'cm' },
  bmi: { loinc: '39156-5', text: 'Body mass index', unit: 'kg/m2', display: 'kg/m²' },
  pain: { loinc: '72514-3', text: 'Pain severity (0–10 numeric rating)', unit: '{score}', display: '/10' },
  glucose: { loinc: '14743-9', text: 'Glucose [Moles/volume] in Capillary blood by Glucometer', unit: 'mmol/L', display: 'mmol/L' }
} as const;
export type VitalDefinition = (typeof VITALS)[keyof typeof VITALS];

/** The vitals the chart shows one reading (and one trend line) for; blood pressure carries both numbers. */
export const VITAL_KINDS = ['bloodPressure', 'heartRate', 'respiratoryRate', 'temperature', 'spo2', 'weight', 'height', 'bmi', 'pain', 'glucose'] as const;
export type VitalKind = (typeof VITAL_KINDS)[number];

export const VITAL_LABEL: Record<VitalKind, string> = {
  bloodPressure: 'Blood pressure',
  heartRate: 'Pulse',
  respiratoryRate: 'Respiratory rate',
  temperature: 'Temperature',
  spo2: 'SpO₂',
  weight: 'Weight',
  height: 'Height',
  bmi: 'BMI',
  pain: 'Pain',
  glucose: 'Blood glucose'
};

/** Other codes that mean the same vital: 55284-4 is the blood pressure panel Synthea and older systems send; 2708-6 is arterial O₂ saturation. */
const ALIASES: Record<string, VitalKind> = { '55284-4': 'bloodPressure', '2708-6': 'spo2', '41653-7': 'glucose' };

// ── Recording a set ─────────────────────────────────────────────────────

/**
 * Plausibility limits for typed values: they catch a slipped key (a pulse of
 * 880), not illness, so they are wide on purpose.
 */
const num = (min: number, max: number, what: string) =>
  z.number({ error: `${what} must be a number` }).min(min, `${what} below ${min} is not plausible`).max(max, `${what} above ${max} is not plausible`).optional();

export const vitalsInputSchema = z
  .object({
    systolic: num(40, 300, 'Systolic'),
    diastolic: num(20, 200, 'Diastolic'),
    heartRate: num(20, 300, 'Pulse'),
    respiratoryRate: num(2, 80, 'Respiratory rate'),
    temperature: num(25, 45, 'Temperature (°C)'),
    spo2: num(50, 100, 'SpO₂'),
    weight: num(0.3, 500, 'Weight (kg)'),
    height: num(20, 272, 'Height (cm)'),
    pain: z.number().int('Pain is a whole number from 0 to 10').min(0).max(10, 'Pain is scored 0 to 10').optional()
  })
  .superRefine((v, ctx) => {
    if ((v.systolic === undefined) !== (v.diastolic === undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.systolic === undefined ? 'systolic' : 'diastolic'], message: 'Enter both blood pressure numbers' });
    }
    if (v.systolic !== undefined && v.diastolic !== undefined && v.diastolic >= v.systolic) {
      ctx.addIssue({ code: 'custom', path: ['diastolic'], message: 'Diastolic must be lower than systolic' });
    }
    if (Object.values(v).every((x) => x === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'Enter at least one vital sign' });
    }
  });
export type VitalsInput = z.input<typeof vitalsInputSchema>;

/** BMI = weight (kg) / height (m)², one decimal, as WHO defines it. */
export function bodyMassIndex(weightKg: number, heightCm: number): number {
  const m = heightCm / 100;
  return Math.round((weightKg / (m * m)) * 10) / 10;
}

function concept(def: VitalDefinition) {
  return { text: def.text, coding: [{ system: LOINC, code: def.loinc, display: def.text }] };
}
function quantity(def: VitalDefinition, value: number) {
  return { value, unit: def.unit, system: UCUM, code: def.unit };
}
function vitalObservation(def: VitalDefinition, value: number, at: string): ObservationInput {
  return { status: 'final', category: 'vital-signs', code: concept(def), effectiveDateTime: at, valueQuantity: quantity(def, value) };
}

/**
 * The Observations for one set of vitals taken at `at`: blood pressure as a
 * panel with systolic and diastolic components (FHIR vital-signs profile),
 * every other vital on its own, and BMI computed when weight and height were
 * both measured in this set. Input must already be valid.
 */
export function vitalsObservations(v: z.output<typeof vitalsInputSchema>, at: string): ObservationInput[] {
  const out: ObservationInput[] = [];
  if (v.systolic !== undefined && v.diastolic !== undefined) {
    out.push({
      status: 'final',
      category: 'vital-signs',
      code: concept(VITALS.bloodPressure),
      effectiveDateTime: at,
      component: [
        { code: concept(VITALS.systolic), valueQuantity: quantity(VITALS.systolic, v.systolic) },
        { code: concept(VITALS.diastolic), valueQuantity: quantity(VITALS.diastolic, v.diastolic) }
      ]
    });
  }
  const single = ['heartRate', 'respiratoryRate', 'temperature', 'spo2', 'weight', 'height', 'pain'] as const;
  for (const k of single) {
    const value = v[k];
    if (value !== undefined) out.push(vitalObservation(VITALS[k], value, at));
  }
  if (v.weight !== undefined && v.height !== undefined) out.push(vitalObservation(VITALS.bmi, bodyMassIndex(v.weight, v.height), at));
  return out;
}

// ── Reading them back ───────────────────────────────────────────────────

/** One reading of one vital, in the chart's canonical unit; `diastolic` only for blood pressure. */
export interface VitalReading {
  kind: VitalKind;
  observationId: string;
  /** A home reading the patient (or someone acting for them) entered in the patient portal. */
  reportedBy?: 'patient' | 'proxy';
  at: string;
  value: number;
  diastolic?: number;
}

const codesOf = (c: { coding?: { code?: string }[] }) => (c.coding ?? []).map((x) => x.code ?? '');

function kindOf(o: Observation): VitalKind | undefined {
  for (const code of codesOf(o.code)) {
    if (ALIASES[code]) return ALIASES[code];
    const k = VITAL_KINDS.find((kind) => VITALS[kind].loinc === code);
    if (k) return k;
  }
  return undefined;
}

/**
 * A stored value in the chart's unit. Other UCUM units a device or another
 * record may send are converted; an unknown unit gives undefined, so a
 * reading in pounds is never charted, or flagged, as kilograms.
 */
export function toCanonical(kind: VitalKind, value: number, unit: string | undefined): number | undefined {
  const u = (unit ?? '').trim();
  const canonical: string = VITALS[kind].unit;
  if (u === canonical || u === '' || (kind === 'bloodPressure' && u === 'mmHg') || (kind === 'bmi' && u === 'kg/m²')) return value;
  if (kind === 'temperature' && (u === '[degF]' || u === '°F')) return Math.round(((value - 32) * 5) / 9 * 10) / 10;
  if (kind === 'temperature' && u === '°C') return value;
  if (kind === 'weight' && (u === '[lb_av]' || u === 'lb')) return Math.round(value * 0.45359237 * 10) / 10;
  if (kind === 'weight' && u === 'g') return value / 1000;
  if (kind === 'height' && (u === '[in_i]' || u === 'in')) return Math.round(value * 2.54 * 10) / 10;
  if (kind === 'height' && u === 'm') return value * 100;
  if ((kind === 'heartRate' || kind === 'respiratoryRate') && (u === 'beats/min' || u === 'breaths/min' || u === '{beats}/min' || u === '{breaths}/min')) return value;
  if (kind === 'pain' && u === '{score}') return value;
  // 1 mmol/L of glucose (180.16 g/mol) is 18.016 mg/dL.
  if (kind === 'glucose' && u === 'mg/dL') return Math.round((value / 18.016) * 10) / 10;
  return undefined;
}

function componentValue(o: Observation, loinc: string): number | undefined {
  const c = o.component?.find((x) => codesOf(x.code).includes(loinc));
  return c?.valueQuantity ? toCanonical('bloodPressure', c.valueQuantity.value, c.valueQuantity.unit) : undefined;
}

/** The vital reading an Observation holds, or undefined for other observations, entered-in-error ones and unreadable units. */
export function readingOf(o: Observation): VitalReading | undefined {
  if (o.status === 'entered-in-error' || o.status === 'cancelled') return undefined;
  const kind = kindOf(o);
  if (!kind) return undefined;
  const base = { kind, observationId: o.id, at: o.effectiveDateTime || o.createdAt, ...(o.reportedBy ? { reportedBy: o.reportedBy } : {}) };
  if (kind === 'bloodPressure') {
    const s = componentValue(o, VITALS.systolic.loinc);
    const d = componentValue(o, VITALS.diastolic.loinc);
    return s !== undefined && d !== undefined ? { ...base, value: s, diastolic: d } : undefined;
  }
  const q = o.valueQuantity;
  const raw = q?.value ?? o.valueInteger;
  if (raw === undefined) return undefined;
  const value = toCanonical(kind, raw, q?.unit);
  return value === undefined ? undefined : { ...base, value };
}

/** Every reading of each vital, oldest first: the trend lines. */
export function vitalSeries(observations: Observation[]): Record<VitalKind, VitalReading[]> {
  const out = Object.fromEntries(VITAL_KINDS.map((k) => [k, [] as VitalReading[]])) as Record<VitalKind, VitalReading[]>;
  for (const o of observations) {
    const r = readingOf(o);
    if (r) out[r.kind].push(r);
  }
  for (const k of VITAL_KINDS) out[k].sort((a, b) => a.at.localeCompare(b.at));
  return out;
}

// ── Adult ranges ────────────────────────────────────────────────────────

export type FlagLevel = 'warn' | 'danger';

/** The source of each range below, as the flags cite it. */
export const VITAL_RANGE_SOURCE: Record<Exclude<VitalKind, 'weight' | 'height'>, string> = {
  bloodPressure: '2017 ACC/AHA High Blood Pressure Guideline (Whelton et al., Hypertension 2018), Table 6',
  heartRate: 'American Heart Association, "All about heart rate (pulse)"',
  respiratoryRate: 'Royal College of Physicians, NEWS2 (2017)',
  temperature: 'CDC, Definitions of symptoms for reportable illnesses; Brown et al., NEJM 2012',
  spo2: "BTS guideline for oxygen use in adults (O'Driscoll et al., Thorax 2017); NEWS2",
  bmi: 'WHO and CDC adult BMI categories',
  pain: 'Serlin et al., Pain 1995;61:277–84',
  glucose: 'International Consensus on Time in Range (Battelino et al., Diabetes Care 2019;42:1593–1603)'
};

/**
 * What the chart says about one reading. `not-checked` always carries the
 * reason a person sees (a child, an unknown birth date); `no-range` is a
 * vital that has no abnormal range of its own (weight, height).
 */
export type VitalFlag =
  | { status: 'normal'; label: string }
  | { status: 'abnormal'; level: FlagLevel; label: string }
  | { status: 'not-checked'; reason: string }
  | { status: 'no-range' };

/** Adult ranges apply from this age (years). */
export const ADULT_AGE = 18;

const normal = (label = 'Normal'): VitalFlag => ({ status: 'normal', label });
const abnormal = (level: FlagLevel, label: string): VitalFlag => ({ status: 'abnormal', level, label });

/**
 * Blood pressure category, 2017 ACC/AHA Guideline for the Prevention,
 * Detection, Evaluation and Management of High Blood Pressure in Adults
 * (Whelton et al., Hypertension 2018;71:e13–e115), Table 6: normal <120 and
 * <80; elevated 120–129 and <80; stage 1 130–139 or 80–89; stage 2 ≥140 or
 * ≥90 mmHg. Hypertensive crisis >180 and/or >120 (same guideline, §11.2).
 * Systolic below 90 is flagged low (AHA, "Low blood pressure – when blood
 * pressure is too low", heart.org, which names 90/60 as the usual cut-off).
 */
export function bloodPressureFlag(systolic: number, diastolic: number): VitalFlag {
  if (systolic > 180 || diastolic > 120) return abnormal('danger', 'Hypertensive crisis');
  if (systolic >= 140 || diastolic >= 90) return abnormal('danger', 'Stage 2 hypertension');
  if (systolic >= 130 || diastolic >= 80) return abnormal('warn', 'Stage 1 hypertension');
  if (systolic < 90) return abnormal('warn', 'Low');
  if (systolic >= 120) return abnormal('warn', 'Elevated');
  return normal();
}

/** Adult resting heart rate 60–100 beats/min (American Heart Association, "All about heart rate (pulse)", heart.org). */
export function heartRateFlag(bpm: number): VitalFlag {
  if (bpm < 60) return abnormal('warn', 'Low (bradycardia)');
  if (bpm > 100) return abnormal('warn', 'High (tachycardia)');
  return normal();
}

/**
 * Adult respiratory rate 12–20 breaths/min: the band that scores 0 in the
 * Royal College of Physicians' National Early Warning Score 2 (NEWS2, 2017);
 * ≤8 or ≥25 score 3, so they are marked as danger.
 */
export function respiratoryRateFlag(rate: number): VitalFlag {
  if (rate <= 8) return abnormal('danger', 'Very low');
  if (rate >= 25) return abnormal('danger', 'Very high');
  if (rate < 12) return abnormal('warn', 'Low');
  if (rate > 20) return abnormal('warn', 'High');
  return normal();
}

/**
 * Fever at ≥38.0 °C (100.4 °F), CDC "Definitions of symptoms for reportable
 * illnesses"; hypothermia below 35.0 °C (Brown et al., Accidental
 * hypothermia, N Engl J Med 2012;367:1930–8).
 */
export function temperatureFlag(celsius: number): VitalFlag {
  if (celsius < 35) return abnormal('danger', 'Hypothermia');
  if (celsius >= 38) return abnormal('warn', 'Fever');
  return normal();
}

/**
 * SpO₂ below 94 % is under the target range for most adults (BTS guideline
 * for oxygen use in adults, O'Driscoll et al., Thorax 2017;72:i1–i90);
 * ≤91 % scores 3 in NEWS2 (scale 1), so it is marked as danger. Not for
 * patients with hypercapnic respiratory failure, whose target is 88–92 %.
 */
export function spo2Flag(percent: number): VitalFlag {
  if (percent <= 91) return abnormal('danger', 'Low');
  if (percent < 94) return abnormal('warn', 'Low');
  return normal();
}

/**
 * Adult BMI categories (WHO, "A healthy lifestyle – WHO recommendations";
 * CDC "Adult BMI categories"): underweight <18.5, healthy 18.5–24.9,
 * overweight 25–29.9, obesity ≥30 kg/m².
 */
export function bmiFlag(bmi: number): VitalFlag {
  if (bmi < 18.5) return abnormal('warn', 'Underweight');
  if (bmi >= 30) return abnormal('warn', 'Obesity');
  if (bmi >= 25) return abnormal('warn', 'Overweight');
  return normal('Healthy weight');
}

/**
 * Pain on the 0–10 numeric rating scale: 1–4 mild, 5–6 moderate, 7–10
 * severe (Serlin et al., Pain 1995;61:277–84). Severe pain is flagged; any
 * pain is named so it is not mistaken for "normal".
 */
export function painFlag(score: number): VitalFlag {
  if (score >= 7) return abnormal('danger', 'Severe pain');
  if (score >= 5) return abnormal('warn', 'Moderate pain');
  if (score >= 1) return normal('Mild pain');
  return normal('No pain');
}

/**
 * Capillary blood glucose, mmol/L: the glycaemic levels of the International
 * Consensus on Time in Range (Battelino et al., Diabetes Care
 * 2019;42:1593–1603), which the ADA Standards of Care use: target 3.9–10.0;
 * below 3.9 level 1 and below 3.0 level 2 hypoglycaemia; above 10.0 level 1
 * and above 13.9 level 2 hyperglycaemia. Level 2 is marked as danger.
 */
export function glucoseFlag(mmol: number): VitalFlag {
  if (mmol < 3) return abnormal('danger', 'Very low');
  if (mmol > 13.9) return abnormal('danger', 'Very high');
  if (mmol < 3.9) return abnormal('warn', 'Low');
  if (mmol > 10) return abnormal('warn', 'High');
  return normal();
}

/**
 * The flag for a reading of a patient with this birth date, taken at the
 * reading's time. Children and unknown ages are `not-checked`, with the
 * reason the chart shows.
 */
export function flagReading(r: Pick<VitalReading, 'kind' | 'value' | 'diastolic' | 'at'>, birthDate: string): VitalFlag {
  if (r.kind === 'weight' || r.kind === 'height') return { status: 'no-range' };
  const age = ageAt(birthDate, r.at);
  if (age === undefined) return { status: 'not-checked', reason: 'Birth date unknown: adult ranges not checked' };
  if (age < ADULT_AGE) return { status: 'not-checked', reason: 'Child: adult ranges not checked' };
  switch (r.kind) {
    case 'bloodPressure':
      return r.diastolic === undefined ? { status: 'not-checked', reason: 'Diastolic missing' } : bloodPressureFlag(r.value, r.diastolic);
    case 'heartRate':
      return heartRateFlag(r.value);
    case 'respiratoryRate':
      return respiratoryRateFlag(r.value);
    case 'temperature':
      return temperatureFlag(r.value);
    case 'spo2':
      return spo2Flag(r.value);
    case 'bmi':
      return bmiFlag(r.value);
    case 'pain':
      return painFlag(r.value);
    case 'glucose':
      return glucoseFlag(r.value);
  }
}

/** Completed years between a YYYY-MM-DD birth date and an ISO time; undefined when either is unreadable. */
export function ageAt(birthDate: string, at: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return undefined;
  const on = new Date(at);
  if (Number.isNaN(on.getTime())) return undefined;
  const [y, m, d] = birthDate.split('-').map(Number);
  let age = on.getUTCFullYear() - y;
  if (on.getUTCMonth() + 1 < m || (on.getUTCMonth() + 1 === m && on.getUTCDate() < d)) age--;
  return age;
}

/** "162/101 mmHg", "37.2 °C": a reading as the chart prints it. */
export function formatReading(r: Pick<VitalReading, 'kind' | 'value' | 'diastolic'>): string {
  const unit = VITALS[r.kind].display;
  if (r.kind === 'bloodPressure') return `${Math.round(r.value)}/${r.diastolic === undefined ? '—' : Math.round(r.diastolic)} ${unit}`;
  if (r.kind === 'pain') return `${Math.round(r.value)}${unit}`;
  // One decimal is the precision of the instruments (scales, thermometers); other records send more.
  return `${Math.round(r.value * 10) / 10} ${unit}`;
}

/** Readings taken at the same time, newest set first: the rows of the vitals history. */
export function readingSets(series: Record<VitalKind, VitalReading[]>): { at: string; readings: VitalReading[] }[] {
  const byTime = new Map<string, VitalReading[]>();
  for (const k of VITAL_KINDS) for (const r of series[k]) byTime.set(r.at, [...(byTime.get(r.at) ?? []), r]);
  return [...byTime.entries()].map(([at, readings]) => ({ at, readings })).sort((a, b) => b.at.localeCompare(a.at));
}
