import type { Allergy } from './chart';

/**
 * Whether the patient's allergies were asked about. An empty allergy list
 * means nothing by itself: either nobody asked, or somebody asked and the
 * patient has none. The second is recorded as an explicit, dated "No known
 * allergies" statement (who said it and when), in FHIR terms an
 * AllergyIntolerance coded SNOMED CT 716186003 |No known allergy| (HL7 FHIR
 * R4 AllergyIntolerance, "no known allergies" guidance; IPS allergy value
 * set). Recording a real allergy ends the statement.
 */

/** SNOMED CT concept a FHIR export uses for the statement. */
export const NO_KNOWN_ALLERGY_SNOMED = { system: 'http://snomed.info/sct', code: '716186003', display: 'No known allergy' } as const;

export interface NoKnownAllergiesStatement {
  id: string;
  recordedAt: string;
  recordedBy: string;
  /** Set when a recorded allergy or a clinician ended the statement. */
  endedAt?: string;
  endedBy?: string;
  endedReason?: string;
}

export type AllergyStatus =
  /** Nobody has recorded either an allergy or "no known allergies". */
  | { kind: 'not-asked'; lastEnded?: NoKnownAllergiesStatement }
  | { kind: 'no-known-allergies'; statement: NoKnownAllergiesStatement }
  | { kind: 'allergies'; count: number }
  /**
   * "No known allergies" was stated by someone who had not seen an allergy
   * already recorded on another device (offline edits merged). Both stay
   * visible and the chart asks for review: an allergy is never hidden by a
   * statement that it does not exist.
   */
  | { kind: 'contradiction'; statement: NoKnownAllergiesStatement; count: number };

/** An allergy that counts against "no known allergies": not refuted, not in error, still active. */
export function isCurrentAllergy(a: Pick<Allergy, 'verificationStatus' | 'clinicalStatus'>): boolean {
  return a.verificationStatus !== 'entered-in-error' && a.verificationStatus !== 'refuted' && a.clinicalStatus === 'active';
}

/**
 * Derives the status from the stored statements and allergies. A current
 * allergy recorded after the latest open statement supersedes it (new
 * information); one recorded before it contradicts it.
 */
export function allergyStatus(
  statements: readonly NoKnownAllergiesStatement[],
  allergies: readonly Pick<Allergy, 'verificationStatus' | 'clinicalStatus' | 'createdAt'>[]
): AllergyStatus {
  const current = allergies.filter(isCurrentAllergy);
  const byTime = [...statements].sort((a, b) => b.recordedAt.localeCompare(a.recordedAt) || a.id.localeCompare(b.id));
  const open = byTime.find((s) => !s.endedAt);
  if (current.length === 0) {
    if (open) return { kind: 'no-known-allergies', statement: open };
    const lastEnded = byTime[0];
    return lastEnded ? { kind: 'not-asked', lastEnded } : { kind: 'not-asked' };
  }
  if (open && current.every((a) => a.createdAt && a.createdAt < open.recordedAt)) {
    return { kind: 'contradiction', statement: open, count: current.length };
  }
  return { kind: 'allergies', count: current.length };
}
