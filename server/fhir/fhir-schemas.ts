import { z } from 'zod';
import { isRealDate } from '../../src/lib/domain/patient';

/**
 * Zod schemas for the parts of FHIR R4 resources the import reads. Loose:
 * elements Outpost does not chart are allowed and ignored (the whole
 * resource is still kept where it has no chart home). Dates are checked as
 * FHIR defines them (date: YYYY, YYYY-MM or YYYY-MM-DD; dateTime adds a time
 * with a zone) and must name real calendar days.
 */

const DATE_RE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

function realPartialDate(s: string): boolean {
  if (s.length === 4) return true;
  if (s.length === 7) return isRealDate(`${s}-01`);
  return isRealDate(s);
}

export const fhirDate = z.string().refine((s) => DATE_RE.test(s) && realPartialDate(s), 'Not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)');
export const fhirDateTime = z
  .string()
  .refine((s) => {
    if (DATE_RE.test(s)) return realPartialDate(s);
    const m = DATETIME_RE.exec(s);
    return !!m && isRealDate(m[1]) && !Number.isNaN(Date.parse(s));
  }, 'Not a FHIR dateTime (a date, or YYYY-MM-DDThh:mm:ss with a time zone)');

export const coding = z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() }).loose();
export const concept = z.object({ coding: z.array(coding).optional(), text: z.string().optional() }).loose();
export const reference = z.object({ reference: z.string().optional(), display: z.string().optional() }).loose();
export const quantity = z
  .object({ value: z.number(), unit: z.string().optional(), system: z.string().optional(), code: z.string().optional(), comparator: z.string().optional() })
  .loose();
export const period = z.object({ start: fhirDateTime.optional(), end: fhirDateTime.optional() }).loose();

export type Concept = z.infer<typeof concept>;
export type Quantity = z.infer<typeof quantity>;

export const patientSchema = z
  .object({
    id: z.string().optional(),
    identifier: z.array(z.object({ system: z.string().optional(), value: z.string().optional(), type: concept.optional() }).loose()).optional(),
    name: z
      .array(z.object({ use: z.string().optional(), family: z.string().optional(), given: z.array(z.string()).optional() }).loose())
      .min(1, 'A patient needs a name'),
    gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
    birthDate: fhirDate,
    deceasedDateTime: fhirDateTime.optional(),
    telecom: z.array(z.object({ system: z.string().optional(), value: z.string().optional() }).loose()).optional(),
    address: z.array(z.object({ line: z.array(z.string()).optional(), city: z.string().optional(), postalCode: z.string().optional() }).loose()).optional()
  })
  .loose();

export const encounterSchema = z
  .object({
    status: z.string(),
    class: coding.optional(),
    type: z.array(concept).optional(),
    reasonCode: z.array(concept).optional(),
    period: period.optional()
  })
  .loose();

export const conditionSchema = z
  .object({
    code: concept,
    clinicalStatus: concept.optional(),
    verificationStatus: concept.optional(),
    onsetDateTime: fhirDateTime.optional(),
    abatementDateTime: fhirDateTime.optional(),
    recordedDate: fhirDateTime.optional(),
    encounter: reference.optional()
  })
  .loose();

const observationValue = {
  valueQuantity: quantity.optional(),
  valueCodeableConcept: concept.optional(),
  valueString: z.string().optional(),
  valueBoolean: z.boolean().optional(),
  valueInteger: z.number().int().optional()
};

export const observationSchema = z
  .object({
    status: z.string(),
    category: z.array(concept).optional(),
    code: concept,
    effectiveDateTime: fhirDateTime.optional(),
    issued: fhirDateTime.optional(),
    ...observationValue,
    component: z.array(z.object({ code: concept, ...observationValue }).loose()).optional(),
    referenceRange: z.array(z.object({ low: quantity.optional(), high: quantity.optional(), text: z.string().optional() }).loose()).optional(),
    interpretation: z.array(concept).optional(),
    encounter: reference.optional()
  })
  .loose();

const dosage = z
  .object({
    text: z.string().optional(),
    asNeededBoolean: z.boolean().optional(),
    timing: z.object({ repeat: z.object({ frequency: z.number().optional(), period: z.number().optional(), periodUnit: z.string().optional() }).loose().optional() }).loose().optional(),
    doseAndRate: z.array(z.object({ doseQuantity: z.object({ value: z.number().optional(), unit: z.string().optional() }).loose().optional() }).loose()).optional()
  })
  .loose();
export type Dosage = z.infer<typeof dosage>;

export const medicationSchema = z
  .object({
    status: z.string(),
    intent: z.string().optional(),
    medicationCodeableConcept: concept.optional(),
    medicationReference: reference.optional(),
    authoredOn: fhirDateTime.optional(),
    dateAsserted: fhirDateTime.optional(),
    effectiveDateTime: fhirDateTime.optional(),
    effectivePeriod: period.optional(),
    dosageInstruction: z.array(dosage).optional(),
    dosage: z.array(dosage).optional(),
    reasonCode: z.array(concept).optional(),
    encounter: reference.optional(),
    context: reference.optional()
  })
  .loose()
  .refine((m) => m.medicationCodeableConcept || m.medicationReference, { message: 'A medication needs medicationCodeableConcept or medicationReference', path: ['medicationCodeableConcept'] });

export const allergySchema = z
  .object({
    code: concept,
    category: z.array(z.string()).optional(),
    criticality: z.string().optional(),
    clinicalStatus: concept.optional(),
    verificationStatus: concept.optional(),
    recordedDate: fhirDateTime.optional(),
    onsetDateTime: fhirDateTime.optional(),
    reaction: z
      .array(z.object({ manifestation: z.array(concept).optional(), description: z.string().optional(), severity: z.string().optional() }).loose())
      .optional()
  })
  .loose();

export const immunizationSchema = z
  .object({
    status: z.string(),
    vaccineCode: concept,
    occurrenceDateTime: fhirDateTime,
    lotNumber: z.string().optional(),
    primarySource: z.boolean().optional(),
    encounter: reference.optional()
  })
  .loose();

export const procedureSchema = z
  .object({
    status: z.string(),
    code: concept,
    performedDateTime: fhirDateTime.optional(),
    performedPeriod: period.optional(),
    reasonCode: z.array(concept).optional(),
    encounter: reference.optional()
  })
  .loose();

export const reportSchema = z
  .object({
    status: z.string(),
    category: z.array(concept).optional(),
    code: concept,
    effectiveDateTime: fhirDateTime.optional(),
    issued: fhirDateTime.optional(),
    result: z.array(reference).optional(),
    conclusion: z.string().optional(),
    encounter: reference.optional()
  })
  .loose();

export const carePlanSchema = z
  .object({
    status: z.string(),
    intent: z.string(),
    category: z.array(concept).optional(),
    period: period.optional(),
    activity: z.array(z.object({ detail: z.object({ code: concept.optional(), status: z.string().optional() }).loose().optional() }).loose()).optional(),
    addresses: z.array(reference).optional(),
    encounter: reference.optional()
  })
  .loose();

/** The resource types Outpost charts, with the schema each must pass. Anything else is kept as-is. */
export const CHARTED_SCHEMAS = {
  Patient: patientSchema,
  Encounter: encounterSchema,
  Condition: conditionSchema,
  Observation: observationSchema,
  MedicationRequest: medicationSchema,
  MedicationStatement: medicationSchema,
  AllergyIntolerance: allergySchema,
  Immunization: immunizationSchema,
  Procedure: procedureSchema,
  DiagnosticReport: reportSchema,
  CarePlan: carePlanSchema
} as const;
export type ChartedType = keyof typeof CHARTED_SCHEMAS;

export function isCharted(type: string): type is ChartedType {
  return Object.hasOwn(CHARTED_SCHEMAS, type);
}
