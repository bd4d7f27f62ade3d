import { z } from 'zod';
import { AppError } from '../errors';
import { ALLERGY_ANSWERS, INTAKE_LIMITS, INTAKE_VERSION, MEDICINE_ANSWERS, type AllergyAnswer, type MedicineAnswer } from './questionnaires';
import { GAD7_ITEMS, PHQ2_ITEMS, PHQ9_ITEMS, scoreGad7, scorePhq, type Gad7Result, type PhqResult } from './scoring';

/**
 * A completed pre-visit form: what the patient's device sends (a
 * submission: answers only), and what the server keeps in the chart (a
 * response: the answers, the names of the medicines and allergies they
 * were about, and the scores the server computed). Every rule here runs on
 * the server; the device runs the same to guide the patient.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const item = z.number({ error: 'Each answer is one of the four choices' }).int('Each answer is one of the four choices').min(0, 'Each answer is one of the four choices').max(3, 'Each answer is one of the four choices');
const text = (max: number, what: string) => z.string({ error: `${what} must be text` }).trim().max(max, `${what} is at most ${max} characters`);

export const intakeSubmissionSchema = z.object({
  /** Made on the device; the same id sent again is answered with what was kept the first time. */
  id: z.string().regex(UUID, 'The form needs its id (a UUID)'),
  /** The appointment it is for; empty when sent without one. */
  appointmentId: z.string().max(100).default(''),
  reason: text(INTAKE_LIMITS.reason, 'The reason for the visit').default(''),
  medicines: z
    .array(z.object({ medicationId: z.string().min(1).max(100), answer: z.enum(MEDICINE_ANSWERS, { error: 'Say whether you still take it, stopped, or are not sure' }) }))
    .max(INTAKE_LIMITS.listed)
    .default([]),
  newMedicines: z
    .array(z.object({ name: text(INTAKE_LIMITS.name, 'A medicine name').pipe(z.string().min(2, 'Write the name of the medicine')), dose: text(INTAKE_LIMITS.detail, 'How much and how often').default('') }))
    .max(INTAKE_LIMITS.added, `At most ${INTAKE_LIMITS.added} medicines at a time`)
    .default([]),
  allergies: z
    .array(z.object({ allergyId: z.string().min(1).max(100), answer: z.enum(ALLERGY_ANSWERS, { error: 'Say whether you still have this allergy, or are not sure' }) }))
    .max(INTAKE_LIMITS.listed)
    .default([]),
  newAllergies: z
    .array(z.object({ substance: text(INTAKE_LIMITS.name, 'An allergy').pipe(z.string().min(2, 'Write what you are allergic to')), reaction: text(INTAKE_LIMITS.detail, 'What happens').default('') }))
    .max(INTAKE_LIMITS.added, `At most ${INTAKE_LIMITS.added} allergies at a time`)
    .default([]),
  /** PHQ-2 then PHQ-9: 2 answers (PHQ-2 below 3) or 9; null when the patient skipped it. */
  phq: z.array(item).max(PHQ9_ITEMS).nullable().default(null),
  /** 7 answers; null when skipped. */
  gad7: z.array(item).max(GAD7_ITEMS).nullable().default(null)
});
export type IntakeSubmission = z.input<typeof intakeSubmissionSchema>;

export interface IntakeMedicineStatement {
  medicationId: string;
  /** The medicine's name as the patient was shown it. */
  name: string;
  answer: MedicineAnswer;
}
export interface IntakeAllergyStatement {
  allergyId: string;
  substance: string;
  answer: AllergyAnswer;
}
export interface IntakeNewMedicine {
  /** Stable within the response ("m1", "m2"…): what an acceptance names. */
  key: string;
  name: string;
  dose: string;
}
export interface IntakeNewAllergy {
  key: string;
  substance: string;
  reaction: string;
}

export const INTAKE_FLAGS = ['self-harm'] as const;
export type IntakeFlag = (typeof INTAKE_FLAGS)[number];

/** What the server computes from a valid submission (provenance is added by the writer). */
export interface IntakeContent {
  id: string;
  version: string;
  appointmentId: string;
  reason: string;
  medicines: IntakeMedicineStatement[];
  newMedicines: IntakeNewMedicine[];
  allergies: IntakeAllergyStatement[];
  newAllergies: IntakeNewAllergy[];
  phq: PhqResult | null;
  gad7: Gad7Result | null;
  flags: IntakeFlag[];
}

export interface IntakeResponse extends IntakeContent {
  submittedAt: string;
  submittedBy: string;
  submittedById: string;
  relation: 'self' | 'proxy';
}

/** What the patient was shown of their record: the only medicines and allergies a submission may answer about. */
export interface IntakePrefill {
  medicines: { id: string; name: string; detail: string }[];
  allergies: { id: string; substance: string; reaction: string }[];
  appointments: { id: string; start: string; type?: string; provider?: string }[];
}

type Issue = { path: string; message: string };

function refuse(issues: Issue[]): never {
  throw new AppError('invalid', issues[0]?.message ?? 'The form is not valid', issues);
}

/**
 * Checks a submission against the record the patient was shown and
 * computes the scores. Throws AppError('invalid') with one readable issue
 * per problem. Anything else the client sent (a score, a band, a flag) is
 * not read.
 */
export function evaluateIntake(raw: unknown, prefill: IntakePrefill): IntakeContent {
  const parsed = intakeSubmissionSchema.safeParse(raw);
  if (!parsed.success) refuse(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const s = parsed.data;
  const issues: Issue[] = [];
  const meds = new Map(prefill.medicines.map((m) => [m.id, m]));
  const allergies = new Map(prefill.allergies.map((a) => [a.id, a]));
  const seen = new Set<string>();
  s.medicines.forEach((m, i) => {
    if (!meds.has(m.medicationId)) issues.push({ path: `medicines.${i}`, message: 'That medicine is not on your record any more. Reload the form.' });
    else if (seen.has(m.medicationId)) issues.push({ path: `medicines.${i}`, message: 'Each medicine is answered once' });
    seen.add(m.medicationId);
  });
  s.allergies.forEach((a, i) => {
    if (!allergies.has(a.allergyId)) issues.push({ path: `allergies.${i}`, message: 'That allergy is not on your record any more. Reload the form.' });
    else if (seen.has(a.allergyId)) issues.push({ path: `allergies.${i}`, message: 'Each allergy is answered once' });
    seen.add(a.allergyId);
  });
  if (s.appointmentId && !prefill.appointments.some((a) => a.id === s.appointmentId)) issues.push({ path: 'appointmentId', message: 'That appointment is not one of yours.' });
  let phq: PhqResult | null = null;
  if (s.phq) {
    if (s.phq.length < PHQ2_ITEMS) issues.push({ path: 'phq', message: 'Answer both of the first two mood questions, or skip the mood questions' });
    else {
      try {
        phq = scorePhq(s.phq);
      } catch (err) {
        issues.push({ path: 'phq', message: err instanceof RangeError ? err.message : 'The mood answers are not valid' });
      }
    }
  }
  let gad7: Gad7Result | null = null;
  if (s.gad7) {
    if (s.gad7.length !== GAD7_ITEMS) issues.push({ path: 'gad7', message: 'Answer all seven worry questions, or skip them' });
    else gad7 = scoreGad7(s.gad7);
  }
  const empty = !s.reason && s.medicines.length === 0 && s.newMedicines.length === 0 && s.allergies.length === 0 && s.newAllergies.length === 0 && !s.phq && !s.gad7;
  if (empty) issues.push({ path: '', message: 'The form is empty: answer at least one question' });
  if (issues.length) refuse(issues);
  return {
    id: s.id.toLowerCase(),
    version: INTAKE_VERSION,
    appointmentId: s.appointmentId,
    reason: s.reason,
    medicines: s.medicines.map((m) => ({ medicationId: m.medicationId, name: meds.get(m.medicationId)!.name, answer: m.answer })),
    newMedicines: s.newMedicines.map((m, i) => ({ key: `m${i + 1}`, name: m.name, dose: m.dose })),
    allergies: s.allergies.map((a) => ({ allergyId: a.allergyId, substance: allergies.get(a.allergyId)!.substance, answer: a.answer })),
    newAllergies: s.newAllergies.map((a, i) => ({ key: `a${i + 1}`, substance: a.substance, reaction: a.reaction })),
    phq,
    gad7,
    flags: phq?.selfHarm ? ['self-harm'] : []
  };
}

const answers = z.array(z.number().int().min(0).max(3));

/** A stored response as the chart holds it; entries in another shape are not shown. */
export const intakeResponseSchema = z.object({
  id: z.string(),
  version: z.string(),
  appointmentId: z.string().default(''),
  reason: z.string().default(''),
  medicines: z.array(z.object({ medicationId: z.string(), name: z.string(), answer: z.enum(MEDICINE_ANSWERS) })).default([]),
  newMedicines: z.array(z.object({ key: z.string(), name: z.string(), dose: z.string() })).default([]),
  allergies: z.array(z.object({ allergyId: z.string(), substance: z.string(), answer: z.enum(ALLERGY_ANSWERS) })).default([]),
  newAllergies: z.array(z.object({ key: z.string(), substance: z.string(), reaction: z.string() })).default([]),
  phq: z
    .object({
      answers,
      phq2: z.number(),
      phq2Band: z.enum(['negative', 'positive']),
      phq9: z.number().nullable(),
      phq9Band: z.enum(['minimal', 'mild', 'moderate', 'moderately-severe', 'severe']).nullable(),
      selfHarm: z.boolean()
    })
    .nullable()
    .default(null),
  gad7: z.object({ answers, score: z.number(), band: z.enum(['minimal', 'mild', 'moderate', 'severe']) }).nullable().default(null),
  flags: z.array(z.enum(INTAKE_FLAGS)).default([]),
  submittedAt: z.string(),
  submittedBy: z.string(),
  submittedById: z.string(),
  relation: z.enum(['self', 'proxy'])
});

/** The fields a response entry holds in the chart (all written once, by the server). */
export const INTAKE_RESPONSE_FIELDS = ['id', 'version', 'appointmentId', 'reason', 'medicines', 'newMedicines', 'allergies', 'newAllergies', 'phq', 'gad7', 'flags', 'submittedAt', 'submittedBy', 'submittedById', 'relation', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy'] as const;

// ── Clinician decisions on what the patient stated ─────────────────────────
/** A clinician's decision on one statement of a response: never automatic. */
export const INTAKE_DECISIONS = ['allergy-added', 'medicine-added', 'medicine-stopped'] as const;
export type IntakeDecisionKind = (typeof INTAKE_DECISIONS)[number];

export interface IntakeDecision {
  id: string;
  responseId: string;
  /** The statement: a new allergy's or medicine's key ("a1", "m2"), or a listed medicine's id. */
  item: string;
  decision: IntakeDecisionKind;
  /** The chart entry it made or changed. */
  targetId: string;
  decidedAt: string;
  decidedBy: string;
  decidedById: string;
}

export const intakeDecisionSchema = z.object({
  id: z.string(),
  responseId: z.string(),
  item: z.string().min(1).max(100),
  decision: z.enum(INTAKE_DECISIONS),
  targetId: z.string().min(1).max(100),
  decidedAt: z.string(),
  decidedBy: z.string(),
  decidedById: z.string()
});

/**
 * How long a self-harm answer keeps its urgent flag on the chart: the
 * PHQ-9 asks about the last 2 weeks, so a flag stays at the top for 14 days
 * after the form was sent, even when a newer form follows.
 */
export const SELF_HARM_FLAG_DAYS = 14;

/** Forms, newest first, whose self-harm flag is still shown at `now`. */
export function recentSelfHarmForms<T extends Pick<IntakeResponse, 'flags' | 'submittedAt'>>(responses: readonly T[], now: Date): T[] {
  const since = now.getTime() - SELF_HARM_FLAG_DAYS * 86_400_000;
  return responses.filter((r) => r.flags.includes('self-harm') && Date.parse(r.submittedAt) >= since).sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
}
