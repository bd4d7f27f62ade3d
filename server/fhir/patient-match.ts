import type { Identifier } from './map-patient';

/**
 * Which patient of the clinic a record sent by another clinic (a document
 * or collection Bundle) belongs to. Never a silent guess:
 *
 * 1. Identifiers: the sender's patient id and every identifier (system +
 *    value) earlier imports linked to a patient here. Exactly one patient →
 *    that patient. Two different patients → review.
 * 2. Else name + birth date (family name, first given name, birth date;
 *    case and accents ignored). No one → a new patient. Exactly one, whose
 *    identifiers do not contradict the record's (same system, another
 *    value) → that patient. Several, or one with contradicting identifiers
 *    → review.
 *
 * A review is a person's decision (match-reviews.ts): nothing is written to
 * any chart until a clinician chooses the patient or a new one.
 *
 * Outpost's own MRN system (`urn:outpost:mrn`) names a number in one
 * installation's series, not a person across clinics: it is left out of
 * the comparison.
 */

export const LOCAL_MRN_SYSTEM = 'urn:outpost:mrn';

export interface IncomingPatient {
  family: string;
  given: readonly string[];
  birthDate: string;
  identifiers: readonly Identifier[];
}

export interface MatchCandidate {
  id: string;
  identifiers: readonly Identifier[];
}

export type MatchReason = 'several-linked' | 'several-candidates' | 'identifier-conflict';

export type MatchResult =
  | { kind: 'matched'; patientId: string; by: 'identifier' | 'name-birthdate' }
  | { kind: 'new' }
  | { kind: 'review'; reason: MatchReason; candidates: string[] };

/** Normalised for comparison: lower case, accents and punctuation gone, spaces collapsed. */
export function normalName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether a patient of the clinic has the record's name and birth date. */
export function sameNameAndBirth(a: { family: string; given: readonly string[]; birthDate: string }, b: { family: string; given: readonly string[]; birthDate: string }): boolean {
  return !!a.birthDate && a.birthDate === b.birthDate && normalName(a.family) !== '' && normalName(a.family) === normalName(b.family) && normalName(a.given[0] ?? '') === normalName(b.given[0] ?? '');
}

const comparable = (ids: readonly Identifier[]) => ids.filter((i) => i.system && i.system !== LOCAL_MRN_SYSTEM);

/** Identifiers of one system with different values, and none in common: two different people. */
export function identifiersConflict(a: readonly Identifier[], b: readonly Identifier[]): boolean {
  const left = comparable(a);
  const right = comparable(b);
  const key = (i: Identifier) => `${i.system}|${i.value}`;
  const rightKeys = new Set(right.map(key));
  if (left.some((i) => rightKeys.has(key(i)))) return false;
  const rightSystems = new Set(right.map((i) => i.system));
  return left.some((i) => rightSystems.has(i.system));
}

/**
 * @param linked patients the record's identifiers are already linked to (any order, repeats allowed)
 * @param candidates the clinic's patients with the record's name and birth date, with their identifiers
 */
export function matchPatient(incoming: IncomingPatient, linked: readonly string[], candidates: readonly MatchCandidate[]): MatchResult {
  const distinct = [...new Set(linked)];
  if (distinct.length === 1) return { kind: 'matched', patientId: distinct[0], by: 'identifier' };
  if (distinct.length > 1) return { kind: 'review', reason: 'several-linked', candidates: distinct.sort() };
  if (candidates.length === 0) return { kind: 'new' };
  const ids = candidates.map((c) => c.id).sort();
  if (candidates.length > 1) return { kind: 'review', reason: 'several-candidates', candidates: ids };
  if (identifiersConflict(incoming.identifiers, candidates[0].identifiers)) return { kind: 'review', reason: 'identifier-conflict', candidates: ids };
  return { kind: 'matched', patientId: candidates[0].id, by: 'name-birthdate' };
}

/** The keys under which a transfer's patient is linked (fhir_patient_links), scoped so that two senders' ids never meet. */
export function transferKeys(source: string, patientResourceId: string | undefined, identifiers: readonly Identifier[]): string[] {
  return [
    ...(patientResourceId ? [`src|${source}|Patient/${patientResourceId}`] : []),
    ...comparable(identifiers).map((i) => `id|${i.system}|${i.value}`),
    // An MR number that an earlier transaction import linked (the same system's record number).
    ...comparable(identifiers)
      .filter((i) => i.type === 'MR')
      .map((i) => `mr|${i.system}|${i.value}`)
  ];
}
