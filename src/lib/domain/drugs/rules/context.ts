/** What every rule sees: the pack indices, the resolved medicines and the patient. */
import type { InvolvedItem } from '../alert';
import type { PatientContext } from '../inputs';
import type { DrugKnowledge } from '../knowledge';
import type { ResolvedMedication } from '../resolve';

export interface RuleContext {
  k: DrugKnowledge;
  order: ResolvedMedication;
  actives: ResolvedMedication[];
  patient: PatientContext;
  now: Date;
}

export function involvedMed(m: ResolvedMedication, role: 'order' | 'active-medication'): InvolvedItem {
  return { role, name: m.label, ingredients: m.ingredients, ...(m.rxcui ? { rxcui: m.rxcui } : {}) };
}

/** Whole years between an ISO birth date and `now`; undefined when unknown or malformed. */
export function ageInYears(birthDate: string | undefined, now: Date): number | undefined {
  const m = birthDate?.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < mo || (now.getUTCMonth() + 1 === mo && now.getUTCDate() < d)) age--;
  return age;
}

export const DAY_MS = 86_400_000;
