/**
 * Maps the FHIR resources of a CDS Hooks request (R4, and the STU3 shapes the
 * PDDI-CDS examples use) to the check inputs. Validation is deliberately
 * lenient per resource: a malformed entry is skipped and counted, never fatal,
 * because a partial prefetch should still produce the checks it can.
 */
import { z } from 'zod';
import type { AllergyInput, Coding, ConditionInput, MedicationInput, ObservationInput } from '../inputs';

const codingSchema = z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() }).loose();
const conceptSchema = z.object({ coding: z.array(codingSchema).optional(), text: z.string().optional() }).loose();
const quantitySchema = z.object({ value: z.number().optional(), unit: z.string().optional(), code: z.string().optional() }).loose();
const timingSchema = z
  .object({ repeat: z.object({ frequency: z.number().optional(), period: z.number().optional(), periodUnit: z.string().optional() }).loose().optional() })
  .loose();
const dosageSchema = z
  .object({
    doseQuantity: quantitySchema.optional(),
    doseAndRate: z.array(z.object({ doseQuantity: quantitySchema.optional() }).loose()).optional(),
    timing: timingSchema.optional(),
    route: conceptSchema.optional(),
    asNeededBoolean: z.boolean().optional()
  })
  .loose();

const medicationResourceSchema = z
  .object({
    resourceType: z.enum(['MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'MedicationDispense']),
    id: z.string().optional(),
    status: z.string().optional(),
    medicationCodeableConcept: conceptSchema.optional(),
    dosageInstruction: z.array(dosageSchema).optional(),
    dosage: z.union([z.array(dosageSchema), dosageSchema]).optional()
  })
  .loose();

/** Statuses that mean the patient is not (or no longer) exposed. */
const INACTIVE = new Set(['stopped', 'cancelled', 'completed', 'entered-in-error', 'not-taken', 'not-done', 'declined', 'revoked']);

const TIMING_UNITS = new Set(['s', 'min', 'h', 'd', 'wk', 'mo', 'a']);

const codings = (c: z.infer<typeof conceptSchema> | undefined): Coding[] => (c?.coding ?? []).map(({ system, code, display }) => ({ system, code, display }));

export function toMedicationInput(resource: unknown): MedicationInput | undefined {
  const parsed = medicationResourceSchema.safeParse(resource);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  if (r.status && INACTIVE.has(r.status)) return undefined;
  const dosage = [r.dosageInstruction?.[0], Array.isArray(r.dosage) ? r.dosage[0] : r.dosage].find(Boolean);
  const q = dosage?.doseQuantity ?? dosage?.doseAndRate?.[0]?.doseQuantity;
  const unit = q?.unit ?? q?.code;
  const rep = dosage?.timing?.repeat;
  const route = dosage?.route?.text ?? dosage?.route?.coding?.[0]?.display;
  return {
    ...(r.id ? { id: r.id } : {}),
    codings: codings(r.medicationCodeableConcept),
    ...(r.medicationCodeableConcept?.text ? { text: r.medicationCodeableConcept.text } : {}),
    ...(route ? { route } : {}),
    ...(q?.value !== undefined && unit ? { dose: { value: q.value, unit } } : {}),
    ...(rep?.frequency && rep.periodUnit && TIMING_UNITS.has(rep.periodUnit)
      ? { timing: { frequency: rep.frequency, period: rep.period ?? 1, periodUnit: rep.periodUnit as NonNullable<MedicationInput['timing']>['periodUnit'] } }
      : {}),
    ...(dosage?.asNeededBoolean ? { asNeeded: true } : {})
  };
}

const statusText = (s: unknown): string | undefined =>
  typeof s === 'string' ? s : (conceptSchema.safeParse(s).data?.coding?.[0]?.code ?? undefined);

const allergySchema = z
  .object({
    resourceType: z.literal('AllergyIntolerance'),
    id: z.string().optional(),
    code: conceptSchema.optional(),
    category: z.array(z.string()).optional(),
    criticality: z.string().optional(),
    verificationStatus: z.unknown().optional(),
    clinicalStatus: z.unknown().optional(),
    reaction: z.array(z.object({ manifestation: z.array(conceptSchema).optional(), description: z.string().optional() }).loose()).optional()
  })
  .loose();

export function toAllergyInput(resource: unknown): AllergyInput | undefined {
  const parsed = allergySchema.safeParse(resource);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  const clinical = statusText(r.clinicalStatus);
  if (clinical === 'inactive' || clinical === 'resolved') return undefined;
  const verification = statusText(r.verificationStatus);
  const category = r.category?.[0];
  const reaction = r.reaction
    ?.flatMap((x) => [x.description, ...(x.manifestation ?? []).map((m) => m.text ?? m.coding?.[0]?.display)])
    .filter(Boolean)
    .join(', ');
  return {
    ...(r.id ? { id: r.id } : {}),
    codings: codings(r.code),
    ...(r.code?.text ? { text: r.code.text } : {}),
    ...(category === 'medication' || category === 'food' || category === 'environment' || category === 'biologic' ? { category } : {}),
    ...(r.criticality === 'low' || r.criticality === 'high' || r.criticality === 'unable-to-assess' ? { criticality: r.criticality } : {}),
    ...(reaction ? { reaction } : {}),
    ...(verification && ['unconfirmed', 'presumed', 'confirmed', 'refuted', 'entered-in-error'].includes(verification)
      ? { verificationStatus: verification as AllergyInput['verificationStatus'] }
      : {})
  };
}

const conditionSchema = z.object({ resourceType: z.literal('Condition'), code: conceptSchema.optional(), clinicalStatus: z.unknown().optional() }).loose();

export function toConditionInput(resource: unknown): ConditionInput | undefined {
  const parsed = conditionSchema.safeParse(resource);
  if (!parsed.success) return undefined;
  return { codings: codings(parsed.data.code), ...(parsed.data.code?.text ? { text: parsed.data.code.text } : {}) };
}

const observationSchema = z
  .object({
    resourceType: z.literal('Observation'),
    status: z.string().optional(),
    code: conceptSchema.optional(),
    valueQuantity: quantitySchema.optional(),
    effectiveDateTime: z.string().optional(),
    issued: z.string().optional()
  })
  .loose();

export function toObservationInput(resource: unknown): ObservationInput | undefined {
  const parsed = observationSchema.safeParse(resource);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  if (r.status === 'entered-in-error' || r.status === 'cancelled') return undefined;
  const effective = r.effectiveDateTime ?? r.issued;
  return {
    codings: codings(r.code),
    ...(r.valueQuantity?.value !== undefined ? { value: r.valueQuantity.value } : {}),
    ...(r.valueQuantity?.unit ?? r.valueQuantity?.code ? { unit: r.valueQuantity.unit ?? r.valueQuantity.code } : {}),
    ...(effective ? { effective } : {})
  };
}

/** Every resource in a prefetch value: a Bundle's entries, or a single resource. */
export function resourcesIn(value: unknown): unknown[] {
  if (!value || typeof value !== 'object') return [];
  // A list of resources where a Bundle belongs (a common client slip): read each, rather than none.
  if (Array.isArray(value)) return value.filter(Boolean);
  const v = value as { resourceType?: string; entry?: { resource?: unknown }[] };
  if (v.resourceType === 'Bundle') return (v.entry ?? []).map((e) => e?.resource).filter(Boolean);
  return [value];
}

/** FHIR order resources that are not medicines: drug checks do not apply to them. */
const NON_DRUG_ORDERS = new Set(['ServiceRequest', 'NutritionOrder', 'DeviceRequest', 'VisionPrescription', 'SupplyRequest', 'CommunicationRequest']);
const MEDICATION_TYPES = new Set(['MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'MedicationDispense']);

/**
 * A draft order that may be a medicine but cannot be read as one (a bare
 * Medication, a malformed MedicationRequest, something without a type): no
 * drug check runs on it, so the response must say so. Orders that are not
 * medicines (a lab ServiceRequest) and stopped or cancelled medicine orders
 * need no such notice.
 */
export function isUncheckedDraft(resource: unknown): boolean {
  if (toMedicationInput(resource) !== undefined) return false;
  const r = resource && typeof resource === 'object' && !Array.isArray(resource) ? (resource as { resourceType?: unknown; status?: unknown }) : {};
  if (typeof r.resourceType === 'string' && NON_DRUG_ORDERS.has(r.resourceType)) return false;
  if (typeof r.resourceType === 'string' && MEDICATION_TYPES.has(r.resourceType) && typeof r.status === 'string' && INACTIVE.has(r.status)) return false;
  return true;
}
