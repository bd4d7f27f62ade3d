/**
 * Inputs to the checks: FHIR-shaped but trimmed to what the rules read, so the
 * chart model, a CDS Hooks request or a test table can all supply them.
 */

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** An ordered or active medication (MedicationRequest / MedicationStatement). */
export interface MedicationInput {
  id?: string;
  codings?: Coding[];
  text?: string;
  /** Free text or a route word ("oral", "PO", "topical"); inferred from the product when absent. */
  route?: string;
  /** Dose per administration, as ordered. Units: mg, mcg, g, or a count unit (tablet, capsule) or mL resolved through the product strength. */
  dose?: { value: number; unit: string };
  /** FHIR Timing.repeat: `frequency` administrations per `period` `periodUnit`. */
  timing?: { frequency?: number; period?: number; periodUnit?: 's' | 'min' | 'h' | 'd' | 'wk' | 'mo' | 'a' };
  asNeeded?: boolean;
}

/** A recorded allergy or intolerance (AllergyIntolerance). */
export interface AllergyInput {
  id?: string;
  codings?: Coding[];
  text?: string;
  category?: 'medication' | 'food' | 'environment' | 'biologic';
  criticality?: 'low' | 'high' | 'unable-to-assess';
  /** Recorded reaction(s), shown in the alert. */
  reaction?: string;
  verificationStatus?: 'unconfirmed' | 'presumed' | 'confirmed' | 'refuted' | 'entered-in-error';
}

export interface ConditionInput {
  codings?: Coding[];
  text?: string;
}

export interface ObservationInput {
  codings?: Coding[];
  value?: number;
  unit?: string;
  /** ISO date or date-time. */
  effective?: string;
}

export interface PatientContext {
  /** ISO date; used for age-dependent factors and adult dose ranges. */
  birthDate?: string;
  /**
   * The most recent body weight recorded, in kg, and when (ISO date or
   * date-time). Children's doses are checked per kg; without it (or when it
   * is older than the check allows) a child's dose is reported as not checked.
   * When absent, a body-weight Observation (LOINC 29463-7) among
   * `observations` is used instead.
   */
  weight?: { kg: number; at: string };
  conditions?: ConditionInput[];
  observations?: ObservationInput[];
}

export interface CheckOrderInput {
  order: MedicationInput;
  activeMedications: MedicationInput[];
  allergies: AllergyInput[];
  patient?: PatientContext;
  /** Reference time for age and look-back windows; defaults to the current time. */
  now?: Date;
}
