import type { AllergyInput, ConditionInput, EncounterInput, NoteSection } from '../../src/lib/domain/chart';
import type { PatientInput } from '../../src/lib/domain/patient';

/**
 * A patient ready to be written into Outpost documents: demographics for the
 * `patient:` document and chart entries for the `chart:` document. Both the
 * Synthea mapping and the generated demo patients produce this shape.
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
  input: EncounterInput;
  /** A finished visit from the past record; otherwise an open visit with a draft note. */
  finishedAt?: string;
  note?: Partial<Record<NoteSection, string>>;
}
