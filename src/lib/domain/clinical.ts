import { z } from 'zod';
import type { ErrorMark, Provenance } from './chart';

/**
 * Chart collections beyond problems, allergies and visits: observations
 * (vitals and labs), medications, immunizations, procedures, diagnostic
 * reports and care plans. Field names and code systems follow FHIR R4 (LOINC
 * for observations, RxNorm for drugs, CVX for vaccines, SNOMED for
 * procedures) so FHIR import and export stay thin mappings. References to
 * other chart entries (the visit, a report's results) hold the entry id.
 */

export const CLINICAL_COLLECTIONS = ['observations', 'medications', 'immunizations', 'procedures', 'reports', 'carePlans'] as const;
export type ClinicalCollection = (typeof CLINICAL_COLLECTIONS)[number];

const codingSchema = z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() });
export const conceptSchema = z.object({ text: z.string(), coding: z.array(codingSchema).optional() });
export const quantitySchema = z.object({
  value: z.number(),
  unit: z.string().optional(),
  system: z.string().optional(),
  code: z.string().optional(),
  comparator: z.string().optional()
});
const periodSchema = z.object({ start: z.string().optional(), end: z.string().optional() });
const common = {
  /** The id the record had where it came from (for example a Synthea resource id); absent for entries made in Outpost. */
  sourceId: z.string().optional(),
  /** Chart entry id of the visit the entry belongs to. */
  encounterId: z.string().optional()
};

// ── Observations (vital signs, labs, surveys) ───────────────────────────
export const OBSERVATION_STATUS = ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'] as const;

const observationValue = {
  valueQuantity: quantitySchema.optional(),
  valueCodeableConcept: conceptSchema.optional(),
  valueString: z.string().optional(),
  valueBoolean: z.boolean().optional(),
  valueInteger: z.number().int().optional()
};

export const observationInputSchema = z.object({
  status: z.enum(OBSERVATION_STATUS).default('final'),
  /** observation-category code: `vital-signs`, `laboratory`, `survey`, … */
  category: z.string().default(''),
  code: conceptSchema,
  effectiveDateTime: z.string().default(''),
  issued: z.string().optional(),
  ...observationValue,
  /** Parts of a panel measured together, e.g. systolic and diastolic of one blood pressure. */
  component: z.array(z.object({ code: conceptSchema, ...observationValue })).optional(),
  referenceRange: z.array(z.object({ low: quantitySchema.optional(), high: quantitySchema.optional(), text: z.string().optional() })).optional(),
  interpretation: z.array(conceptSchema).optional(),
  /** Chart entry ids of the orders (ServiceRequest) this result answers. */
  basedOn: z.array(z.string()).optional(),
  /** Who did the test (FHIR Observation.performer), for a test done on the spot. */
  performer: z.array(z.object({ reference: z.string().optional(), display: z.string() })).optional(),
  /** A home reading the patient (`patient`) or someone acting for them (`proxy`) entered in the patient portal; set by the server only. */
  reportedBy: z.enum(['patient', 'proxy']).optional(),
  /** The test kit's lot number, for a point-of-care test. */
  kitLotNumber: z.string().optional(),
  /** The result of a test not in the catalogue: shown as such and never range-checked. */
  notInCatalogue: z.boolean().optional(),
  /** Who looked at the result and when (domain/result-review.ts); set once, by a clinician. */
  reviewedAt: z.string().optional(),
  reviewedBy: z.string().optional(),
  reviewedById: z.string().optional(),
  ...common
});
export type ObservationInput = z.input<typeof observationInputSchema>;
export type Observation = z.output<typeof observationInputSchema> & EntryBase;

// ── Medications (prescriptions and reported use) ─────────────────────────
export const medicationInputSchema = z.object({
  /** MedicationRequest: prescribed here or elsewhere; MedicationStatement: what the patient reports taking. */
  resourceType: z.enum(['MedicationRequest', 'MedicationStatement']).default('MedicationRequest'),
  status: z.string().default('active'),
  intent: z.string().optional(),
  medicationCodeableConcept: conceptSchema,
  authoredOn: z.string().default(''),
  dosageText: z.string().default(''),
  asNeeded: z.boolean().optional(),
  reasonCode: z.array(conceptSchema).optional(),
  ...common
});
export type MedicationInput = z.input<typeof medicationInputSchema>;
export type Medication = z.output<typeof medicationInputSchema> & EntryBase;

// ── Immunizations ────────────────────────────────────────────────────────
export const immunizationInputSchema = z.object({
  status: z.enum(['completed', 'entered-in-error', 'not-done']).default('completed'),
  /** CVX coded. */
  vaccineCode: conceptSchema,
  occurrenceDateTime: z.string(),
  lotNumber: z.string().optional(),
  /** FHIR Immunization.site and .route (HL7 v3 ActSite / RouteOfAdministration codes). */
  site: conceptSchema.optional(),
  route: conceptSchema.optional(),
  primarySource: z.boolean().optional(),
  ...common
});
export type ImmunizationInput = z.input<typeof immunizationInputSchema>;
export type Immunization = z.output<typeof immunizationInputSchema> & EntryBase;

// ── Procedures ───────────────────────────────────────────────────────────
export const procedureInputSchema = z.object({
  status: z.string().default('completed'),
  code: conceptSchema,
  performedPeriod: periodSchema.default({}),
  reasonCode: z.array(conceptSchema).optional(),
  ...common
});
export type ProcedureInput = z.input<typeof procedureInputSchema>;
export type Procedure = z.output<typeof procedureInputSchema> & EntryBase;

// ── Diagnostic reports ───────────────────────────────────────────────────
export const reportInputSchema = z.object({
  status: z.string().default('final'),
  category: z.array(conceptSchema).default([]),
  code: conceptSchema,
  effectiveDateTime: z.string().default(''),
  issued: z.string().optional(),
  /** Entry ids in `observations`. */
  result: z.array(z.string()).default([]),
  conclusion: z.string().optional(),
  /** Chart entry ids of the orders (ServiceRequest) this report answers. */
  basedOn: z.array(z.string()).optional(),
  ...common
});
export type ReportInput = z.input<typeof reportInputSchema>;
export type Report = z.output<typeof reportInputSchema> & EntryBase;

// ── Care plans ───────────────────────────────────────────────────────────
export const carePlanInputSchema = z.object({
  status: z.string().default('active'),
  intent: z.string().default('plan'),
  category: z.array(conceptSchema).default([]),
  period: periodSchema.default({}),
  activity: z.array(z.object({ code: conceptSchema, status: z.string().optional() })).default([]),
  /** Entry ids in `conditions`. */
  addresses: z.array(z.string()).default([]),
  ...common
});
export type CarePlanInput = z.input<typeof carePlanInputSchema>;
export type CarePlan = z.output<typeof carePlanInputSchema> & EntryBase;

export interface EntryBase extends Provenance, ErrorMark {
  id: string;
}

/** The input schema of each collection, so one writer validates them all. */
export const CLINICAL_SCHEMAS = {
  observations: observationInputSchema,
  medications: medicationInputSchema,
  immunizations: immunizationInputSchema,
  procedures: procedureInputSchema,
  reports: reportInputSchema,
  carePlans: carePlanInputSchema
} as const;

/** FHIR resourceType stored on entries of each collection (medications say which of the two it is). */
export const CLINICAL_RESOURCE_TYPE: Record<ClinicalCollection, string> = {
  observations: 'Observation',
  medications: 'MedicationRequest',
  immunizations: 'Immunization',
  procedures: 'Procedure',
  reports: 'DiagnosticReport',
  carePlans: 'CarePlan'
};

export type ClinicalInput = {
  observations: ObservationInput;
  medications: MedicationInput;
  immunizations: ImmunizationInput;
  procedures: ProcedureInput;
  reports: ReportInput;
  carePlans: CarePlanInput;
};
export type ClinicalEntry = {
  observations: Observation;
  medications: Medication;
  immunizations: Immunization;
  procedures: Procedure;
  reports: Report;
  carePlans: CarePlan;
};
