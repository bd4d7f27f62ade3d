import { codeInCategory, RESTRICTION_CATEGORIES, type RestrictionCategory } from '../domain/restriction-categories';

/**
 * What the chart last learned of a patient's restrictions (RestrictionsCard
 * sets it from the server's answer), so the places a problem is written can
 * warn before a restricted kind of problem lands in the chart every
 * clinician opens. Memory only; cleared at lock with the page.
 */
export interface KnownRestrictions {
  /** Categories restricted by a restriction that names this user (they may write to the restricted part). */
  named: RestrictionCategory[];
  /** A restriction this user is not named by is in force (its category is not told). */
  hidden: boolean;
}

export type CodeWarning = { kind: 'named'; category: RestrictionCategory } | { kind: 'hidden' } | null;

class RestrictionState {
  #byPatient = $state<Record<string, KnownRestrictions>>({});

  set(patientId: string, known: KnownRestrictions): void {
    this.#byPatient[patientId] = known;
  }

  /** Whether writing a problem with this ICD-10-CM code into the open chart runs into a restriction in force. */
  warningFor(patientId: string, code: string): CodeWarning {
    const known = this.#byPatient[patientId];
    if (!known || !code) return null;
    const category = RESTRICTION_CATEGORIES.find((c) => codeInCategory(code, c));
    if (!category) return null;
    if (known.named.includes(category)) return { kind: 'named', category };
    return known.hidden ? { kind: 'hidden' } : null;
  }

  reset(): void {
    this.#byPatient = {};
  }
}

export const restrictionState = new RestrictionState();
