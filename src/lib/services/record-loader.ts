import { initChartDoc } from '../chart/chart-doc';
import { readPatient } from '../chart/patient-doc';
import { migrate } from '../chart/schema';
import { docAccess, docName, isUuid } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import type { LiveDoc } from '../sync/live-doc';
import { noteRecordOpened } from './access-log.service';
import { noteOpenedHere } from './panel-facts';
import type { Workspace } from './workspace';

/**
 * Opens a patient's documents for the record view: from the device when it
 * holds them, otherwise fetched from the server first. Plain TypeScript
 * (the rune wrapper is OpenRecord in open-record.svelte.ts).
 */
export interface LoadedRecord {
  patient: LiveDoc;
  chart: LiveDoc | null;
  canEditPatient: boolean;
}

export async function loadRecord(ws: Workspace, patientId: string): Promise<LoadedRecord> {
  if (!isUuid(patientId)) throw new AppError('not-found', 'There is no patient with this id');
  const patientAccess = docAccess(ws.user.roles, 'patient');
  const chartAccess = docAccess(ws.user.roles, 'chart');
  if (patientAccess === 'none') throw new AppError('forbidden', 'Your role may not open patient records');
  const names = [docName('patient', patientId), ...(chartAccess === 'none' ? [] : [docName('chart', patientId)])];

  const held = await ws.vault.docs.has(names[0]);
  if (!held) await fetchMissing(ws, names);

  const patient = await ws.engine.acquire(names[0]);
  let chart: LiveDoc | null = null;
  try {
    if (!readPatient(patient.doc)) throw new AppError('not-found', 'There is no patient with this id on this device or the clinic server');
    if (patientAccess === 'write') migrate(patient.doc);
    if (chartAccess === 'write') {
      chart = await ws.engine.acquire(names[1]);
      // A chart is created by the first clinical user to open it (front desk registers patients without one).
      if (chart.doc.getMap('meta').get('kind') === undefined) initChartDoc(chart.doc, patientId);
      else migrate(chart.doc);
    }
  } catch (err) {
    await ws.engine.release(patient);
    if (chart) await ws.engine.release(chart);
    throw err;
  }
  await noteRecordOpened(ws, patientId, chart !== null);
  // A record opened here stays on the device for the clinic's "opened here" days, even outside its panel.
  await noteOpenedHere(ws.vault, patientId);
  return { patient, chart, canEditPatient: patientAccess === 'write' };
}

async function fetchMissing(ws: Workspace, names: string[]): Promise<void> {
  try {
    const failed = await ws.engine.pull(names);
    const patientFailure = failed.find((f) => f.name === names[0]);
    if (patientFailure?.code === 'forbidden') throw new AppError('forbidden', 'You do not have access to this patient');
  } catch (err) {
    if (err instanceof AppError && err.code === 'unavailable') {
      throw new AppError('not-found', 'This patient is not on this device, and the clinic server cannot be reached to fetch the record');
    }
    throw err;
  }
}
