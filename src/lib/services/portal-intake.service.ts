import { z } from 'zod';
import { AppError } from '../domain/errors';
import type { IntakePrefill, IntakeSubmission } from '../domain/intake/intake-response';
import { apiClient } from './api-client';
import { dismissPortalWrite, flushPortalOutbox, pendingPortalWrites, queuePortalWrite, type OutboxItem } from './portal-outbox';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * The pre-visit form on the patient's device: what to check (the record's
 * medicines, allergies and upcoming appointments, from the server, kept
 * sealed on the device for filling in offline), and sending it through the
 * portal outbox (queued with its own id, sent now or when back online; a
 * refusal is kept with the server's reason).
 */
const prefillSchema = z.object({
  medicines: z.array(z.object({ id: z.string(), name: z.string(), detail: z.string() })),
  allergies: z.array(z.object({ id: z.string(), substance: z.string(), reaction: z.string() })),
  appointments: z.array(z.object({ id: z.string(), start: z.string(), type: z.string().optional(), provider: z.string().optional() }))
});
const formSchema = z.object({ version: z.string(), prefill: prefillSchema });

export const INTAKE_KIND = 'intake';
const formKey = (patientId: string) => `portal:intake-form:${patientId}`;
const intakePath = (patientId: string) => `/api/portal/records/${encodeURIComponent(patientId)}/intake`;

export interface IntakeForm {
  version: string;
  prefill: IntakePrefill;
  /** True when read from the copy kept on this device. */
  offline: boolean;
}

export async function loadIntakeForm(patientId: string, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<IntakeForm> {
  try {
    const body = formSchema.parse(await apiClient.request<unknown>(intakePath(patientId)));
    await ws.vault.meta.setSealed(formKey(patientId), body);
    return { ...body, offline: false };
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
    const kept = await ws.vault.meta.getSealed(formKey(patientId), formSchema, 'the pre-visit form');
    // Never opened online on this device: the form still works, without the record's lists to check.
    return { ...(kept ?? { version: '', prefill: { medicines: [], allergies: [], appointments: [] } }), offline: true };
  }
}

export type SendOutcome = { state: 'sent' } | { state: 'waiting' } | { state: 'refused'; reason: string; id: string };

/** Queues the form and tries to send it now. */
export async function sendIntake(patientId: string, body: IntakeSubmission, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<SendOutcome> {
  const queued = await queuePortalWrite({ kind: INTAKE_KIND, patientId, path: intakePath(patientId), body: body as unknown as Record<string, unknown> }, ws);
  const result = await flushPortalOutbox(ws).catch(() => null);
  if (result?.sent.some((s) => s.item.id === queued.id)) return { state: 'sent' };
  const refused = result?.refused.find((r) => r.id === queued.id);
  if (refused) return { state: 'refused', reason: refused.refused ?? '', id: refused.id };
  return { state: 'waiting' };
}

/** Forms of this record still waiting to be sent, or refused (with the reason). */
export function pendingIntake(patientId: string, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<OutboxItem[]> {
  return pendingPortalWrites({ kind: INTAKE_KIND, patientId }, ws);
}

/** Tries the outbox again (back online). */
export async function retryIntake(ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<void> {
  await flushPortalOutbox(ws).catch(() => null);
}

export const dismissIntake = (id: string, ws: Pick<Workspace, 'vault'> = currentWorkspace()) => dismissPortalWrite(id, ws);
