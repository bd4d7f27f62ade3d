import { z } from 'zod';
import { AppError } from '../domain/errors';
import { patientRecordViewSchema, type PatientRecordView } from '../domain/portal/patient-record';
import { apiClient } from './api-client';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * A patient account's records: fetched from the server's patient view when
 * the network is there, kept sealed in the account's encrypted store on the
 * device (the same AES-GCM store as staff data, storage/vault-meta-store.ts),
 * and read from there when it is not. A record the server no longer lets the
 * account read (access withdrawn) is dropped from the device.
 */
const recordsSchema = z.object({
  records: z.array(z.object({ patientId: z.string(), relation: z.enum(['self', 'proxy']), proxyKind: z.string().nullable(), given: z.string() }))
});
export type MyRecords = z.infer<typeof recordsSchema>['records'];

const ME_KEY = 'portal:me';
const recordKey = (patientId: string) => `portal:record:${patientId}`;
const droppedSchema = z.null();

export interface Loaded<T> {
  value: T;
  /** True when the network was not reachable and this is the copy kept on the device. */
  offline: boolean;
}

async function cached<T>(ws: Workspace, key: string, schema: z.ZodType<T>, what: string): Promise<T | null> {
  return ws.vault.meta.getSealed(key, z.union([schema, droppedSchema]), what);
}

export async function loadMyRecords(ws: Workspace = currentWorkspace()): Promise<Loaded<MyRecords>> {
  try {
    const body = recordsSchema.parse(await apiClient.request<unknown>('/api/portal/me'));
    await ws.vault.meta.setSealed(ME_KEY, body.records);
    return { value: body.records, offline: false };
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
    const kept = await cached(ws, ME_KEY, recordsSchema.shape.records, 'your records');
    if (!kept) throw new AppError('unavailable', 'Your record has not been saved on this device yet. Connect to the internet once to see it.');
    return { value: kept, offline: true };
  }
}

export async function loadRecord(patientId: string, ws: Workspace = currentWorkspace()): Promise<Loaded<PatientRecordView>> {
  try {
    const view = patientRecordViewSchema.parse(await apiClient.request<unknown>(`/api/portal/records/${encodeURIComponent(patientId)}`));
    await ws.vault.meta.setSealed(recordKey(patientId), view);
    return { value: view as PatientRecordView, offline: false };
  } catch (err) {
    if (err instanceof AppError && (err.code === 'forbidden' || err.code === 'not-found')) {
      await ws.vault.meta.setSealed(recordKey(patientId), null);
      throw err;
    }
    if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
    const kept = await cached(ws, recordKey(patientId), patientRecordViewSchema, 'your record');
    if (!kept) throw new AppError('unavailable', 'Your record has not been saved on this device yet. Connect to the internet once to see it.');
    return { value: kept as PatientRecordView, offline: true };
  }
}

/** The International Patient Summary or the whole record, as a FHIR JSON file to save; needs the network (the server makes it). */
export async function downloadRecord(patientId: string, which: 'summary' | 'everything'): Promise<Blob> {
  const body = await apiClient.request<unknown>(`/api/portal/records/${encodeURIComponent(patientId)}/${which}`);
  return new Blob([JSON.stringify(body, null, 2)], { type: 'application/fhir+json' });
}

/**
 * The International Patient Summary as a PDF to read or print: the same
 * document as the FHIR download (held results already left out by the
 * server), with the line saying how many results are waiting, if any.
 */
export async function downloadSummaryPdf(patientId: string, waitingLine?: string): Promise<Blob> {
  const bundle = await apiClient.request<Record<string, unknown>>(`/api/portal/records/${encodeURIComponent(patientId)}/summary`);
  // The PDF library (pdf-lib) is most of a phone's download for these screens: fetched only when a PDF is asked for.
  const { patientSummaryPdf } = await import('./patient-summary-pdf');
  const bytes = await patientSummaryPdf(bundle, { waitingLine });
  return new Blob([bytes as BlobPart], { type: 'application/pdf' });
}
