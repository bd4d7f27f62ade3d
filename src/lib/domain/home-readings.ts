import { z } from 'zod';
import type { ObservationInput } from './clinical';
import { isUuid } from './doc-names';
import { flagReading, LOINC, readingOf, UCUM, VITALS, vitalsInputSchema, vitalsObservations, type VitalFlag, type VitalReading } from './vitals';

/**
 * Home readings: blood pressure, blood glucose, weight, temperature and SpO₂
 * that a patient (or someone acting for them) measures at home and enters in
 * the patient portal. The plausibility limits are the bedside form's
 * (vitals.ts vitalsInputSchema); glucose, which the bedside form does not
 * take, has its own (a meter's range). The flag is the chart's (vitals.ts
 * flagReading, with its cited adult ranges); a reading flagged at the
 * danger level is one the clinic is told about at once (an inbox item).
 */

export const HOME_READING_KINDS = ['bloodPressure', 'glucose', 'weight', 'temperature', 'spo2'] as const;
export type HomeReadingKind = (typeof HOME_READING_KINDS)[number];
export const GLUCOSE_UNITS = ['mmol/L', 'mg/dL'] as const;
export type GlucoseUnit = (typeof GLUCOSE_UNITS)[number];

/** A reading may be entered up to this long after it was taken (a diary copied in later). */
export const HOME_READING_MAX_AGE_DAYS = 30;
/** Clock difference allowed between the patient's device and the server. */
const FUTURE_SLACK_MS = 5 * 60_000;

const number = (what: string) => z.number({ error: `${what}: enter a number` }).finite();
const uuid = z.string().refine(isUuid, 'The reading needs its own id (a UUID)');
const takenAt = z.string().datetime({ offset: true, error: 'Say when the reading was taken, as a date and time' }).optional();

export const homeReadingInputSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.object({ id: uuid, kind: z.literal('bloodPressure'), systolic: number('The top number (systolic)'), diastolic: number('The bottom number (diastolic)'), takenAt }).strict(),
      z.object({ id: uuid, kind: z.literal('glucose'), value: number('Blood sugar'), unit: z.enum(GLUCOSE_UNITS, { error: 'Blood sugar is in mmol/L or mg/dL' }), takenAt }).strict(),
      z.object({ id: uuid, kind: z.literal('weight'), value: number('Weight (kg)'), takenAt }).strict(),
      z.object({ id: uuid, kind: z.literal('temperature'), value: number('Temperature (°C)'), takenAt }).strict(),
      z.object({ id: uuid, kind: z.literal('spo2'), value: number('Oxygen level (SpO₂)'), takenAt }).strict()
    ],
    { error: 'Choose what you measured: blood pressure, blood sugar, weight, temperature or oxygen level' }
  )
  .superRefine((r, ctx) => {
    // The bedside form's plausibility limits, message for message.
    const asVitals =
      r.kind === 'bloodPressure' ? { systolic: r.systolic, diastolic: r.diastolic } : r.kind === 'glucose' ? null : { [r.kind]: r.value };
    if (asVitals) {
      const checked = vitalsInputSchema.safeParse(asVitals);
      if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', path: r.kind === 'bloodPressure' ? issue.path.map(String) : ['value'], message: issue.message });
    } else if (r.kind === 'glucose') {
      const mmol = glucoseMmol(r.value, r.unit);
      if (mmol < 1 || mmol > 35) ctx.addIssue({ code: 'custom', path: ['value'], message: r.unit === 'mmol/L' ? 'Blood sugar between 1 and 35 mmol/L is what a meter shows: check the number' : 'Blood sugar between 18 and 630 mg/dL is what a meter shows: check the number' });
    }
  });
export type HomeReadingInput = z.input<typeof homeReadingInputSchema>;
export type HomeReading = z.output<typeof homeReadingInputSchema>;

/** mmol/L from what the meter showed (1 mmol/L = 18.016 mg/dL), one decimal. */
export function glucoseMmol(value: number, unit: GlucoseUnit): number {
  return unit === 'mmol/L' ? value : Math.round((value / 18.016) * 10) / 10;
}

/** Why `takenAt` is refused, or null: not in the future, not older than HOME_READING_MAX_AGE_DAYS. */
export function takenAtProblem(at: string, now: Date): string | null {
  const kind = takenAtProblemKind(at, now);
  if (kind === 'future') return 'The time of the reading is in the future: check the date and time';
  if (kind === 'too-old') return `Readings older than ${HOME_READING_MAX_AGE_DAYS} days cannot be added here: bring them to your next visit`;
  return null;
}

/** Which of takenAtProblem's refusals applies, as a code (the portal says it in the patient's language). */
export function takenAtProblemKind(at: string, now: Date): 'future' | 'too-old' | null {
  const t = Date.parse(at);
  if (t > now.getTime() + FUTURE_SLACK_MS) return 'future';
  if (t < now.getTime() - HOME_READING_MAX_AGE_DAYS * 86_400_000) return 'too-old';
  return null;
}

/** The Observation (FHIR vital-signs shape, chart units) for a valid reading taken at `at`. */
export function homeReadingObservation(r: HomeReading, at: string): ObservationInput {
  if (r.kind === 'glucose') {
    const def = VITALS.glucose;
    return {
      status: 'final',
      category: 'vital-signs',
      code: { text: def.text, coding: [{ system: LOINC, code: def.loinc, display: def.text }] },
      effectiveDateTime: at,
      valueQuantity: { value: glucoseMmol(r.value, r.unit), unit: def.unit, system: UCUM, code: def.unit }
    };
  }
  const input = r.kind === 'bloodPressure' ? { systolic: r.systolic, diastolic: r.diastolic } : { [r.kind]: r.value };
  const [o] = vitalsObservations(vitalsInputSchema.parse(input), at);
  return o;
}

/**
 * Whether the clinic is told at once: the chart's flag at the danger level
 * (blood pressure stage 2 or crisis, SpO₂ ≤91 %, hypothermia, level 2 hypo-
 * or hyperglycaemia). A warning-level flag (stage 1, elevated, fever) is
 * shown on the chart with its flag but raises no inbox item; a child's
 * reading is not checked against adult ranges and raises none.
 */
export function isUrgent(flag: VitalFlag): boolean {
  return flag.status === 'abnormal' && flag.level === 'danger';
}

/** The reading an Observation holds and its flag for a patient born on `birthDate`. */
export function flaggedReading(o: Parameters<typeof readingOf>[0], birthDate: string): { reading: VitalReading; flag: VitalFlag } | undefined {
  const reading = readingOf(o);
  return reading ? { reading, flag: flagReading(reading, birthDate) } : undefined;
}
