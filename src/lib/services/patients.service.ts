import type { PatientInput } from '../domain/patient';
import { createPatient } from './patient-registration';
import { patientList } from './patient-list';
import { currentWorkspace, type Workspace } from './workspace';

export { patientList };

/**
 * Registers a new patient, fully offline: stored encrypted and pending on
 * the device, in the list at once, sent to the server on the next flush.
 * Returns the new patient's id. Invalid input → AppError('invalid') with
 * the offending fields.
 */
export async function registerPatient(input: PatientInput, ws: Workspace = currentWorkspace()): Promise<string> {
  const summary = await createPatient(ws, input);
  patientList.upsert([summary]);
  return summary.id;
}
