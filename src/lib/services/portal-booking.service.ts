import { z } from 'zod';
import { AppError } from '../domain/errors';
import { APPOINTMENT_MODES, APPOINTMENT_STATUSES } from '../domain/scheduling/appointment';
import { apiClient } from './api-client';
import { dismissPortalWrite, flushPortalOutbox, pendingPortalWrites, queuePortalWrite, type OutboxItem } from './portal-outbox';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * A patient booking their own appointments (server/portal/booking-routes.ts):
 * what the clinic opens, the free times, and the patient's appointments,
 * read from the server and kept sealed on the device for offline reading;
 * bookings, moves and cancellations go through the portal outbox, so one
 * made offline waits on the device and is sent when the network returns,
 * and a refusal (the time was taken meanwhile) is kept with its reason.
 */

const appointmentSchema = z.object({
  id: z.string(),
  start: z.string(),
  end: z.string(),
  status: z.enum(APPOINTMENT_STATUSES),
  mode: z.enum(APPOINTMENT_MODES),
  typeId: z.string(),
  type: z.string(),
  providerId: z.string(),
  provider: z.string(),
  needsConfirming: z.boolean(),
  canCancel: z.boolean(),
  canReschedule: z.boolean(),
  canJoin: z.boolean()
});
export type MyAppointment = z.infer<typeof appointmentSchema>;

const typeSchema = z.object({ id: z.string(), name: z.string(), mode: z.enum(APPOINTMENT_MODES), minutes: z.number() });

const bookingViewSchema = z.object({
  timeZone: z.string(),
  minNoticeHours: z.number(),
  maxDaysAhead: z.number(),
  types: z.array(typeSchema),
  appointments: z.array(appointmentSchema)
});
export type BookingView = z.infer<typeof bookingViewSchema>;

const slotsSchema = z.object({
  type: typeSchema,
  timeZone: z.string(),
  providers: z.record(z.string(), z.string()),
  days: z.array(z.object({ day: z.string(), slots: z.array(z.object({ start: z.string(), end: z.string(), providerId: z.string() })) }))
});
export type FreeTimes = z.infer<typeof slotsSchema>;

export const BOOKING_KIND = 'booking';
const viewKey = (patientId: string) => `portal:booking:${patientId}`;
const base = (patientId: string) => `/api/portal/records/${encodeURIComponent(patientId)}`;

export async function loadBooking(patientId: string, ws: Workspace = currentWorkspace()): Promise<{ value: BookingView; offline: boolean }> {
  try {
    const view = bookingViewSchema.parse(await apiClient.request<unknown>(`${base(patientId)}/booking`));
    await ws.vault.meta.setSealed(viewKey(patientId), view);
    return { value: view, offline: false };
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
    const kept = await ws.vault.meta.getSealed(viewKey(patientId), bookingViewSchema, 'your appointments');
    if (!kept) throw err;
    return { value: kept, offline: true };
  }
}

/** Free times for one appointment type (the network is needed: they change by the minute). `moving`: the appointment being moved, whose own time counts as free. */
export async function loadFreeTimes(patientId: string, typeId: string, moving?: string): Promise<FreeTimes> {
  const q = new URLSearchParams({ type: typeId, ...(moving ? { appointment: moving } : {}) });
  return slotsSchema.parse(await apiClient.request<unknown>(`${base(patientId)}/slots?${q}`));
}

/** What the patient's screen shows of a change it made: sent, waiting for the network, or refused with the server's reason. */
export type ChangeOutcome = { state: 'sent' } | { state: 'waiting' } | { state: 'refused'; reason: string };

async function send(item: { patientId: string; path: string; body: Record<string, unknown> }, ws: Workspace): Promise<ChangeOutcome> {
  const queued = await queuePortalWrite({ kind: BOOKING_KIND, patientId: item.patientId, path: item.path, body: item.body }, ws);
  const result = await flushPortalOutbox(ws);
  const refused = result.refused.find((r) => r.id === queued.id);
  if (refused) return { state: 'refused', reason: refused.refused ?? '' };
  if (result.sent.some((s) => s.item.id === queued.id)) return { state: 'sent' };
  return { state: 'waiting' };
}

export function bookAppointment(patientId: string, slot: { typeId: string; start: string; providerId: string }, ws: Workspace = currentWorkspace()): Promise<ChangeOutcome> {
  return send({ patientId, path: `${base(patientId)}/appointments`, body: { id: crypto.randomUUID(), ...slot } }, ws);
}

export function rescheduleAppointment(patientId: string, appointmentId: string, slot: { start: string; providerId: string }, ws: Workspace = currentWorkspace()): Promise<ChangeOutcome> {
  return send({ patientId, path: `${base(patientId)}/appointments/${encodeURIComponent(appointmentId)}/reschedule`, body: { id: crypto.randomUUID(), ...slot } }, ws);
}

export function cancelMyAppointment(patientId: string, appointmentId: string, ws: Workspace = currentWorkspace()): Promise<ChangeOutcome> {
  return send({ patientId, path: `${base(patientId)}/appointments/${encodeURIComponent(appointmentId)}/cancel`, body: { id: crypto.randomUUID() } }, ws);
}

/** A change waiting on this device or refused, as the screen lists it. */
export interface PendingChange {
  id: string;
  action: 'book' | 'reschedule' | 'cancel';
  appointmentId: string | null;
  start: string | null;
  typeId: string | null;
  refused: string | null;
}

function describe(item: OutboxItem): PendingChange {
  const action = item.path.endsWith('/cancel') ? 'cancel' : item.path.endsWith('/reschedule') ? 'reschedule' : 'book';
  const appointmentId = action === 'book' ? null : decodeURIComponent(item.path.split('/').at(-2) ?? '');
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { id: item.id, action, appointmentId, start: str(item.body.start), typeId: str(item.body.typeId), refused: item.refused ?? null };
}

export async function pendingChanges(patientId: string, ws: Workspace = currentWorkspace()): Promise<PendingChange[]> {
  return (await pendingPortalWrites({ kind: BOOKING_KIND, patientId }, ws)).map(describe);
}

/** Sends what waits (when the network is back); true when something was sent or refused, so the screen reloads. */
export async function sendWaitingChanges(ws: Workspace = currentWorkspace()): Promise<boolean> {
  const r = await flushPortalOutbox(ws);
  return r.sent.length > 0 || r.refused.length > 0;
}

export function dismissChange(id: string, ws: Workspace = currentWorkspace()): Promise<void> {
  return dismissPortalWrite(id, ws);
}

/** The join page of the patient's own video appointment (the server makes or finds the link). */
export async function joinPath(patientId: string, appointmentId: string): Promise<string> {
  const { path } = z.object({ path: z.string().regex(/^\/join\/[A-Za-z0-9_-]+$/) }).parse(await apiClient.request<unknown>(`${base(patientId)}/appointments/${encodeURIComponent(appointmentId)}/join`, { method: 'POST', body: {} }));
  return path;
}
