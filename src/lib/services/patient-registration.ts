import * as Y from 'yjs';
import { initChartDoc } from '../chart/chart-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { docAccess, docName } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { newMrn, type PatientInput, type PatientSummary } from '../domain/patient';
import { summaryOf } from '../sync/projection-refresh';
import { actorOf, type Workspace } from './workspace';

/**
 * Creates a new patient's documents on the device, with no network: the
 * `patient:` document, and the `chart:` document when the user may write
 * charts (otherwise the first clinician to open the record creates it).
 * Both are stored encrypted and pending; the server gets them on the next
 * flush. Plain TypeScript so Node tests and the benchmark can use it.
 */
export async function createPatient(ws: Workspace, input: PatientInput): Promise<PatientSummary> {
  if (docAccess(ws.user.roles, 'patient') !== 'write') throw new AppError('forbidden', 'Your role may not register patients');
  const id = crypto.randomUUID();
  const patient = new Y.Doc();
  initPatientDoc(patient, id, input, actorOf(ws.user), newMrn());
  const summary = summaryOf(patient);
  if (!summary) throw new AppError('internal', 'The new patient could not be read back');
  await ws.engine.storeNew(docName('patient', id), patient);
  if (docAccess(ws.user.roles, 'chart') === 'write') {
    const chart = new Y.Doc();
    initChartDoc(chart, id);
    await ws.engine.storeNew(docName('chart', id), chart);
  }
  await ws.vault.patients.put(summary);
  return summary;
}
