import type { AllergyInput, ConditionInput, EncounterInput, NoteSection } from '../../src/lib/domain/chart';
import type { PatientInput } from '../../src/lib/domain/patient';

/**
 * A patient ready to be written into Outpost documents: demographics for the
 * `patient:` document and chart entries for the `chart:` document: the shape
 * the generated demo patients take (Synthea records come in through FHIR import).
 */
export interface SeedPatient {
  id: string;
  mrn: string;
  demographics: PatientInput;
  allergies: AllergyInput[];
  conditions: ConditionInput[];
  visits: SeedVisit[];
}

export interface SeedVisit {
  /** An open visit: its note is a draft awaiting the clinician's signature. */
  input: EncounterInput;
  note?: Partial<Record<NoteSection, string>>;
}
