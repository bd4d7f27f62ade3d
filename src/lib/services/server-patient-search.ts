import { z } from 'zod';
import type { PatientSummary } from '../domain/patient';
import { apiClient, type ApiClient } from './api-client';
import { PatientListManager } from './patient-list-manager.svelte';

/**
 * Search over the clinic server's patient list, for a device that keeps
 * only the clinic's panel (domain/device-panel.ts): a patient outside it is
 * found here and their record opened online (the record loader fetches
 * documents the device lacks, and keeps them for the clinic's "opened here"
 * days). The list is held in memory only, for a minute, never stored.
 */

const rowSchema = z.object({
  id: z.string().min(1),
  name: z.object({ family: z.string(), given: z.array(z.string()) }),
  birthDate: z.string(),
  gender: z.string(),
  mrn: z.string(),
  updatedAt: z.string()
});
const answerSchema = z.object({ patients: z.array(rowSchema) });

const FRESH_MS = 60_000;
let cached: { at: number; list: PatientListManager } | null = null;

/** Patients on the server matching the query (the device list's own search rules) that this device does not hold. */
export async function searchServerPatients(query: string, onDevice: ReadonlySet<string>, api: ApiClient = apiClient, now = Date.now()): Promise<PatientSummary[]> {
  if (!cached || now - cached.at > FRESH_MS) {
    const list = new PatientListManager();
    list.load(answerSchema.parse(await api.request<unknown>('/api/patients')).patients as PatientSummary[]);
    cached = { at: now, list };
  }
  return cached.list.search(query).filter((p) => !onDevice.has(p.id));
}

/** Forgets the list (at sign-out and lock). */
export function forgetServerPatients(): void {
  cached = null;
}
