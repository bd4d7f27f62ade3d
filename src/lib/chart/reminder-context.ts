import type * as Y from 'yjs';
import type { ReminderContext } from '../domain/reminders';
import { listConditions } from './chart-doc';
import { listImmunizations, listObservations, listProcedures, listReports } from './clinical-doc';
import { listMedicationRecords } from './medication-doc';
import { listOrders } from './order-doc';
import { readPatient } from './patient-doc';
import { activeMedicationInputs, allergyInputs } from './prescription-checks';

/**
 * What the reminder rules read from one patient's record: the patient's
 * age and sex, and the chart as it stands (active medications and allergies
 * as the drug checks read them). Shared by the chart's reminders card and
 * the prescribe screen a medication reminder opens.
 */
export function reminderContextOf(chartDoc: Y.Doc, patientDoc: Y.Doc, now: string): ReminderContext {
  const patient = readPatient(patientDoc);
  return {
    birthDate: patient?.birthDate ?? '',
    gender: patient?.gender ?? 'unknown',
    now,
    deceasedDate: patient?.deceasedDate || undefined,
    conditions: listConditions(chartDoc),
    observations: listObservations(chartDoc),
    reports: listReports(chartDoc),
    procedures: listProcedures(chartDoc),
    immunizations: listImmunizations(chartDoc),
    orders: listOrders(chartDoc),
    medications: activeMedicationInputs(listMedicationRecords(chartDoc)),
    allergies: allergyInputs(chartDoc)
  };
}
