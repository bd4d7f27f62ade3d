import { z } from 'zod';

/**
 * Clinical entries as the chart stores them. Field names and code systems
 * follow FHIR R4 (AllergyIntolerance, Condition, Encounter) so FHIR export
 * and import are thin mappings. Clinical data is never deleted: an entry
 * recorded by mistake is marked `entered-in-error` with a reason.
 */

export const CHART_COLLECTIONS = [
  'conditions',
  'allergies',
  'medications',
  'observations',
  'immunizations',
  'encounters',
  'attachments'
] as const;
export type ChartCollection = (typeof CHART_COLLECTIONS)[number];

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface CodeableConcept {
  text: string;
  coding?: Coding[];
}

export interface Provenance {
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface ErrorMark {
  enteredInErrorAt?: string;
  enteredInErrorBy?: string;
  enteredInErrorReason?: string;
}

// ── Allergies ────────────────────────────────────────────────────────────
export const ALLERGY_CATEGORIES = ['medication', 'food', 'environment', 'biologic'] as const;
export const ALLERGY_CRITICALITIES = ['low', 'high', 'unable-to-assess'] as const;
export const REACTION_SEVERITIES = ['mild', 'moderate', 'severe'] as const;
/** FHIR AllergyIntolerance.verificationStatus, `entered-in-error` included. */
export const ALLERGY_VERIFICATION = ['unconfirmed', 'confirmed', 'refuted', 'entered-in-error'] as const;
export const ALLERGY_CLINICAL = ['active', 'inactive', 'resolved'] as const;

export const allergyInputSchema = z.object({
  substance: z.string().trim().min(1, 'Substance is required').max(200),
  coding: z.array(z.object({ system: z.string(), code: z.string(), display: z.string().optional() })).optional(),
  category: z.enum(ALLERGY_CATEGORIES),
  criticality: z.enum(ALLERGY_CRITICALITIES).default('unable-to-assess'),
  reaction: z.string().trim().max(500).default(''),
  severity: z.union([z.enum(REACTION_SEVERITIES), z.literal('')]).default(''),
  verificationStatus: z.enum(['unconfirmed', 'confirmed']).default('confirmed'),
  recordedDate: z.string().optional()
});
export type AllergyInput = z.input<typeof allergyInputSchema>;

export interface Allergy extends Provenance, ErrorMark {
  id: string;
  code: CodeableConcept;
  category: (typeof ALLERGY_CATEGORIES)[number];
  criticality: (typeof ALLERGY_CRITICALITIES)[number];
  reaction: string;
  severity: (typeof REACTION_SEVERITIES)[number] | '';
  clinicalStatus: (typeof ALLERGY_CLINICAL)[number];
  verificationStatus: (typeof ALLERGY_VERIFICATION)[number];
  recordedDate: string;
}

// ── Problems (Condition) ─────────────────────────────────────────────────
export const CONDITION_CLINICAL = ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] as const;
export const CONDITION_VERIFICATION = ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error'] as const;

export const conditionInputSchema = z.object({
  text: z.string().trim().min(1, 'Problem is required').max(300),
  coding: z.array(z.object({ system: z.string(), code: z.string(), display: z.string().optional() })).optional(),
  clinicalStatus: z.enum(CONDITION_CLINICAL).default('active'),
  onsetDate: z.union([z.literal(''), z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'Use YYYY, YYYY-MM or YYYY-MM-DD')]).default(''),
  abatementDate: z.union([z.literal(''), z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'Use YYYY, YYYY-MM or YYYY-MM-DD')]).default(''),
  note: z.string().max(1000).default('')
});
export type ConditionInput = z.input<typeof conditionInputSchema>;

export interface Condition extends Provenance, ErrorMark {
  id: string;
  code: CodeableConcept;
  clinicalStatus: (typeof CONDITION_CLINICAL)[number];
  verificationStatus: (typeof CONDITION_VERIFICATION)[number];
  onsetDate: string;
  abatementDate: string;
  note: string;
  recordedDate: string;
}

// ── Encounters and notes ─────────────────────────────────────────────────
export const ENCOUNTER_CLASSES = ['ambulatory', 'virtual', 'home', 'emergency'] as const;
export const ENCOUNTER_STATUS = ['in-progress', 'finished', 'cancelled', 'entered-in-error'] as const;
/** SOAP sections, each a Y.Text that several people may type in at once. */
export const NOTE_SECTIONS = ['subjective', 'objective', 'assessment', 'plan'] as const;
export type NoteSection = (typeof NOTE_SECTIONS)[number];

export const encounterInputSchema = z.object({
  class: z.enum(ENCOUNTER_CLASSES).default('ambulatory'),
  type: z.string().trim().max(100).default('Office visit'),
  reason: z.string().trim().max(300).default(''),
  start: z.string().optional()
});
export type EncounterInput = z.input<typeof encounterInputSchema>;

export type NoteState =
  | { status: 'draft' }
  | { status: 'signed'; signedBy: string; signedAt: string };

export interface Encounter extends Provenance, ErrorMark {
  id: string;
  class: (typeof ENCOUNTER_CLASSES)[number];
  type: string;
  reason: string;
  start: string;
  end: string;
  status: (typeof ENCOUNTER_STATUS)[number];
  note: NoteState;
}

export interface Actor {
  /** The user's id (server-issued). */
  id: string;
  /** The user's display name, shown in provenance lines. */
  name: string;
}
