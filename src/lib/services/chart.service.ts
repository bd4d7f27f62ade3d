import type * as Y from 'yjs';
import { docAccess, isUuid } from '../domain/doc-names';
import type { PatientSummary } from '../domain/patient';
import type { ChartSummaryProjection } from '../storage/chart-summary-store';
import { LiveRecord, type OpenRecord } from './open-record.svelte';
import { loadRecord } from './record-loader';
import { reportError } from './report-error';
import { storeChartProjection } from '../sync/chart-projection-refresh';
import { currentWorkspace, type Workspace } from './workspace';

export type { OpenRecord } from './open-record.svelte';

/** What the chart page can show from this device's copy while the chart document loads. */
export interface ChartPreview {
  patient: PatientSummary;
  projection: ChartSummaryProjection;
}

/**
 * The patient's list row and chart-summary projection, when the device
 * holds both and the projection covers the stored chart; null otherwise
 * (the page then waits for the document). Two small sealed rows: fast
 * whatever the length of the chart.
 */
export async function chartPreview(patientId: string, ws: Workspace = currentWorkspace()): Promise<ChartPreview | null> {
  if (!isUuid(patientId) || docAccess(ws.user.roles, 'chart') === 'none') return null;
  const [patient, projection] = await Promise.all([ws.vault.patients.get(patientId), ws.vault.chartSummaries.getCurrent(patientId)]);
  return patient && projection ? { patient, projection } : null;
}

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
  const chartSummary = chart
    ? {
        isCurrent: async () => (await ws.vault.chartSummaries.getCurrent(patientId)) !== null,
        store: (doc: Y.Doc) => storeChartProjection(ws.vault, patientId, doc)
      }
    : undefined;
  return new LiveRecord(patientId, { patient, chart }, { release: (d) => ws.engine.release(d), onPatientChange, chartSummary });
}
