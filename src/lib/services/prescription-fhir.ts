import { z } from 'zod';
import type { MedicationRecord } from '../chart/medication-doc';
import type { PatientRecord } from '../domain/patient';

/**
 * A signed prescription as the FHIR R4 MedicationRequest that leaves the
 * clinic: the body sent to a pharmacy and the payload of the printed
 * prescription's QR code. Built from the chart entry, so what is sent is
 * what was signed. The patient travels as a contained Patient (name, birth
 * date, MRN): a pharmacy outside the clinic cannot read the chart.
 * Override reasons stay in the chart; the request carries only which alerts
 * were overridden (rule and severity), as `detectedIssue` display strings.
 */

const coding = z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() });
const concept = z.object({ text: z.string().min(1), coding: z.array(coding).optional() });
const reference = z.object({ reference: z.string().min(1), display: z.string().optional() });

/** What the pharmacy endpoint accepts; bad input gets a clear error naming the field. */
export const fhirMedicationRequestSchema = z.object({
  resourceType: z.literal('MedicationRequest'),
  id: z.string().uuid('id must be the prescription uuid'),
  status: z.literal('active', { message: 'Only an active prescription can be dispensed' }),
  intent: z.literal('order'),
  contained: z
    .array(
      z.object({
        resourceType: z.literal('Patient'),
        id: z.literal('patient'),
        name: z.array(z.object({ family: z.string().optional(), given: z.array(z.string()).optional(), text: z.string().optional() })).min(1),
        birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
        identifier: z.array(z.object({ system: z.string().optional(), value: z.string() })).optional()
      })
    )
    .length(1, 'The patient must be contained'),
  subject: z.object({ reference: z.literal('#patient') }),
  medicationCodeableConcept: concept,
  authoredOn: z.string().datetime({ offset: true, message: 'authoredOn must be a date-time' }),
  requester: reference.refine((r) => r.reference.startsWith('Practitioner/'), 'requester must be a Practitioner'),
  dosageInstruction: z
    .array(
      z.object({
        text: z.string().min(1),
        route: z.object({ text: z.string() }).optional(),
        asNeededBoolean: z.boolean().optional(),
        timing: z.object({ repeat: z.object({ frequency: z.number(), period: z.number(), periodUnit: z.string() }) }).optional(),
        doseAndRate: z.array(z.object({ doseQuantity: z.object({ value: z.number().positive(), unit: z.string() }) })).optional()
      })
    )
    .min(1, 'Instructions are required'),
  dispenseRequest: z.object({
    quantity: z.object({ value: z.number().positive('Quantity must be more than zero'), unit: z.string().optional() }),
    numberOfRepeatsAllowed: z.number().int().min(0).max(11),
    expectedSupplyDuration: z.object({ value: z.number().positive(), unit: z.literal('days') }).optional()
  }),
  priorPrescription: z.object({ reference: z.string() }).optional(),
  detectedIssue: z.array(z.object({ display: z.string() })).optional()
});
export type FhirMedicationRequest = z.infer<typeof fhirMedicationRequestSchema>;

export const MRN_SYSTEM = 'urn:outpost:mrn';

/** The MedicationRequest for a signed chart entry. Throws when the entry lacks structured directions. */
export function toFhirMedicationRequest(med: MedicationRecord, patient: Pick<PatientRecord, 'family' | 'given' | 'birthDate' | 'mrn'>): FhirMedicationRequest {
  if (med.resourceType !== 'MedicationRequest' || !med.dosage || !med.dispense || !med.requester) {
    throw new Error('Only a prescription signed in Outpost can leave the clinic');
  }
  const overridden = med.detectedIssues.filter((i) => i.override);
  return {
    resourceType: 'MedicationRequest',
    id: med.id,
    status: 'active',
    intent: 'order',
    contained: [
      {
        resourceType: 'Patient',
        id: 'patient',
        name: [{ family: patient.family, given: [...patient.given] }],
        ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
        ...(patient.mrn ? { identifier: [{ system: MRN_SYSTEM, value: patient.mrn }] } : {})
      }
    ],
    subject: { reference: '#patient' },
    medicationCodeableConcept: med.medicationCodeableConcept,
    authoredOn: med.authoredOn,
    requester: med.requester,
    dosageInstruction: dosageInstructionOf(med.dosage),
    dispenseRequest: dispenseRequestOf(med.dispense),
    ...(med.priorPrescription ? { priorPrescription: { reference: `MedicationRequest/${med.priorPrescription}` } } : {}),
    ...(overridden.length ? { detectedIssue: overridden.map((i) => ({ display: `${i.severity} ${i.ruleId} overridden by prescriber` })) } : {})
  };
}

/** Structured directions as FHIR Dosage: the same in the pharmacy request and in the chart's FHIR export. */
export function dosageInstructionOf(dosage: NonNullable<MedicationRecord['dosage']>): FhirMedicationRequest['dosageInstruction'] {
  return [
    {
      text: dosage.text,
      route: { text: dosage.route.text },
      asNeededBoolean: dosage.asNeeded,
      timing: { repeat: { frequency: dosage.timing.frequency, period: dosage.timing.period, periodUnit: dosage.timing.periodUnit } },
      doseAndRate: [{ doseQuantity: dosage.doseQuantity }]
    }
  ];
}

/** What to dispense, as FHIR MedicationRequest.dispenseRequest (pharmacy request and FHIR export alike). */
export function dispenseRequestOf(dispense: NonNullable<MedicationRecord['dispense']>): FhirMedicationRequest['dispenseRequest'] {
  return {
    quantity: { value: dispense.quantity.value, ...(dispense.quantity.unit ? { unit: dispense.quantity.unit } : {}) },
    numberOfRepeatsAllowed: dispense.numberOfRepeatsAllowed,
    ...(dispense.expectedSupplyDuration ? { expectedSupplyDuration: { value: dispense.expectedSupplyDuration, unit: 'days' as const } } : {})
  };
}

/** Validates a request body; the error lists each bad field. */
export function parseFhirMedicationRequest(body: unknown): { ok: true; request: FhirMedicationRequest } | { ok: false; issues: { path: string; message: string }[] } {
  const r = fhirMedicationRequestSchema.safeParse(body);
  if (r.success) return { ok: true, request: r.data };
  return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
}
