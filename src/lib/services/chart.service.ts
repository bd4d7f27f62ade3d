import type * as Y from 'yjs';
import { LiveRecord, type OpenRecord } from './open-record.svelte';
import { loadRecord } from './record-loader';
import { reportError } from './report-error';
import { currentWorkspace, type Workspace } from './workspace';

export type { OpenRecord } from './open-record.svelte';

/**
 * Opens a patient's record: `patient:` and, for clinical roles, `chart:`
 * from the encrypted store (fetched from the server first when the device
 * does not hold them), migrated, live over a websocket while online.
 * Throws AppError('not-found') when the patient is neither on the device
 * nor obtainable from the server.
 */
export async function openRecord(patientId: string, ws: Workspace = currentWorkspace()): Promise<OpenRecord> {
  const { patient, chart } = await loadRecord(ws, patientId);
  const onPatientChange = (doc: Y.Doc) => {
    ws.engine.refreshPatientDoc(doc).catch((err: unknown) => reportError('Updating the patient list', err));
  };
  return new LiveRecord(patientId, { patient, chart }, { release: (d) => ws.engine.release(d), onPatientChange });
}
