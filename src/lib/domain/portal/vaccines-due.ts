import type { Immunization } from '../clinical';
import { immunizationSchedule, type VaccineGroup } from '../immunization-schedule';
import { ageAt } from '../vitals';

/**
 * What is due next of the vaccines the clinic's schedule checks, for the
 * patient's own record: the same schedule the chart's reminders use
 * (immunization-schedule.ts: a subset of the CDC 2025 adult schedule, and
 * influenza from 6 months, with its citations), run on the vaccinations
 * the patient is shown. The screen says in plain words which vaccines this
 * looks at, so silence is never read as "nothing due"; a group the schedule
 * does not evaluate (a child's schedule, an unknown date of birth) is shown
 * as not checked, never as up to date.
 */
export type VaccineDueStatus = 'due' | 'up-to-date' | 'not-evaluated';
/** Why a group was not evaluated: a child's schedule (only influenza is checked under 19) or no date of birth. */
export type NotEvaluatedReason = 'child-schedule' | 'birth-date-unknown';

export interface PortalVaccineDue {
  group: VaccineGroup;
  status: VaccineDueStatus;
  /** From when the dose is due (ISO date), for `due`. */
  dueDate: string | null;
  overdue: boolean;
  lastDose: string | null;
  /** When the next dose will be due, for `up-to-date`, where the schedule knows it. */
  nextDue: string | null;
  reason: NotEvaluatedReason | null;
  /** Hepatitis B: doses are counted, whether the series is complete is not checked. */
  seriesNotChecked: boolean;
  source: { citation: string; url: string | null };
}

/** The FHIR Immunization resources the patient may see, read as the schedule reads the chart's (status, vaccineCode, occurrenceDateTime). */
function asImmunizations(resources: readonly { resourceType: string }[]): Immunization[] {
  return resources.filter((r) => r.resourceType === 'Immunization') as unknown as Immunization[];
}

export function vaccinesDue(birthDate: string, resources: readonly { resourceType: string }[], now: Date): PortalVaccineDue[] {
  const unknownAge = ageAt(birthDate, now.toISOString()) === undefined;
  return immunizationSchedule({ birthDate, immunizations: asImmunizations(resources), now: now.toISOString() }).map((item): PortalVaccineDue => {
    const base = { group: item.group, source: { citation: item.source.citation, url: item.source.url ?? null } };
    if (item.status === 'due') {
      return { ...base, status: 'due', dueDate: item.dueDate, overdue: item.overdue, lastDose: item.lastDose ?? null, nextDue: null, reason: null, seriesNotChecked: false };
    }
    if (item.status === 'up-to-date') {
      return { ...base, status: 'up-to-date', dueDate: null, overdue: false, lastDose: item.lastDose ?? null, nextDue: item.nextDue ?? null, reason: null, seriesNotChecked: item.group === 'hepatitis-b' };
    }
    return { ...base, status: 'not-evaluated', dueDate: null, overdue: false, lastDose: null, nextDue: null, reason: unknownAge ? 'birth-date-unknown' : 'child-schedule', seriesNotChecked: false };
  });
}
