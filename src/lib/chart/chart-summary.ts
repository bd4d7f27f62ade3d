import type * as Y from 'yjs';
import { listAllergies, listConditions } from './chart-doc';
import { listImmunizations, listMedications, listObservations } from './clinical-doc';
import { listNoKnownAllergyStatements } from './allergy-status';
import { listCareTeam } from './care-team';
import { allergyStatus, isCurrentAllergy, type AllergyStatus } from '../domain/allergy-status';
import { currentCareTeam, type CareTeamMember } from '../domain/care-team';
import type { Allergy, Condition } from '../domain/chart';
import type { Immunization, Medication } from '../domain/clinical';
import { VITAL_KINDS, vitalSeries, type VitalReading } from '../domain/vitals';

/**
 * What the chart summary shows, read from a `chart:` document in one pass
 * per collection. The summary component renders it; the benchmarks time it.
 */
export interface ChartSummaryData {
  problems: Condition[];
  allergies: Allergy[];
  allergyStatus: AllergyStatus;
  medications: Medication[];
  immunizations: Immunization[];
  latestVitals: VitalReading[];
  careTeam: CareTeamMember[];
}

const ACTIVE_PROBLEM = ['active', 'recurrence', 'relapse'];

export function chartSummary(doc: Y.Doc): ChartSummaryData {
  const allergyList = listAllergies(doc);
  const series = vitalSeries(listObservations(doc));
  return {
    problems: listConditions(doc).filter((p) => p.verificationStatus !== 'entered-in-error' && ACTIVE_PROBLEM.includes(p.clinicalStatus)),
    allergies: allergyList.filter(isCurrentAllergy),
    allergyStatus: allergyStatus(listNoKnownAllergyStatements(doc), allergyList),
    medications: listMedications(doc)
      .filter((m) => m.status === 'active')
      .sort((a, b) => b.authoredOn.localeCompare(a.authoredOn)),
    immunizations: latestPerVaccine(listImmunizations(doc).filter((i) => i.status === 'completed')),
    latestVitals: VITAL_KINDS.flatMap((k) => (series[k].length ? [series[k].at(-1)!] : [])),
    careTeam: currentCareTeam(listCareTeam(doc))
  };
}

/** Latest dose of each vaccine (by CVX code, else name), newest first. */
export function latestPerVaccine<T extends { vaccineCode: { text: string; coding?: { code?: string }[] }; occurrenceDateTime: string }>(list: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const i of list) {
    const key = i.vaccineCode.coding?.find((c) => c.code)?.code ?? i.vaccineCode.text;
    const seen = latest.get(key);
    if (!seen || seen.occurrenceDateTime < i.occurrenceDateTime) latest.set(key, i);
  }
  return [...latest.values()].sort((a, b) => b.occurrenceDateTime.localeCompare(a.occurrenceDateTime));
}
