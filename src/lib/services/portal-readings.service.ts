import { z } from 'zod';
import { AppError } from '../domain/errors';
import { HOME_READING_KINDS, type HomeReadingInput } from '../domain/home-readings';
import { apiClient, type ApiClient } from './api-client';
import { flushPortalOutbox, pendingPortalWrites, queuePortalWrite, type OutboxItem } from './portal-outbox';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * The patient area's home readings and refill requests
 * (server/portal/readings-routes.ts). Lists come from the server when it can
 * be reached and are kept sealed on the device for when it cannot; what the
 * patient sends goes through the portal outbox (portal-outbox.ts), so it
 * waits on the device while offline and is sent, once, when the server is
 * back.
 */
export const READING_OUTBOX_KIND = 'reading';
export const REFILL_OUTBOX_KIND = 'refill';

const flagSchema = z.object({ status: z.enum(['normal', 'abnormal', 'not-checked', 'no-range']), level: z.enum(['warn', 'danger']).optional(), label: z.string().optional(), reason: z.string().optional() });
export const homeReadingViewSchema = z.object({
  id: z.string(),
  kind: z.enum(HOME_READING_KINDS),
  at: z.string(),
  value: z.number(),
  diastolic: z.number().optional(),
  unit: z.string(),
  reportedBy: z.enum(['patient', 'proxy']).optional(),
  flag: flagSchema,
  urgent: z.boolean()
});
export type HomeReadingView = z.infer<typeof homeReadingViewSchema>;
const readingsSchema = z.object({ readings: z.array(homeReadingViewSchema) });

export const refillViewSchema = z.object({
  id: z.string(),
  medicationId: z.string().nullable(),
  medicationText: z.string(),
  note: z.string(),
  status: z.enum(['open', 'done', 'declined']),
  requestedAt: z.string(),
  closedAt: z.string().nullable(),
  declineReason: z.string().nullable()
});
export type RefillView = z.infer<typeof refillViewSchema>;
const refillsSchema = z.object({ requests: z.array(refillViewSchema), medicines: z.array(z.object({ id: z.string(), text: z.string() })) });
export type Refills = z.infer<typeof refillsSchema>;

export interface Loaded<T> {
  value: T;
  /** True when the server was not reachable and this is the copy kept on the device. */
  offline: boolean;
}

const path = (patientId: string, what: 'home-readings' | 'refill-requests') => `/api/portal/records/${encodeURIComponent(patientId)}/${what}`;

async function load<T>(url: string, key: string, schema: z.ZodType<T>, what: string, ws: Workspace, client: Pick<ApiClient, 'request'>): Promise<Loaded<T>> {
  try {
    const value = schema.parse(await client.request<unknown>(url));
    await ws.vault.meta.setSealed(key, value);
    return { value, offline: false };
  } catch (err) {
    if (err instanceof AppError && (err.code === 'forbidden' || err.code === 'not-found')) {
      await ws.vault.meta.setSealed(key, null);
      throw err;
    }
    if (!(err instanceof AppError && err.code === 'unavailable')) throw err;
    const kept = await ws.vault.meta.getSealed(key, z.union([schema, z.null()]), what);
    if (!kept) throw new AppError('unavailable', 'This has not been saved on this device yet. Connect to the internet once to see it.');
    return { value: kept, offline: true };
  }
}

export function loadHomeReadings(patientId: string, ws: Workspace = currentWorkspace(), client: Pick<ApiClient, 'request'> = apiClient): Promise<Loaded<HomeReadingView[]>> {
  return load(path(patientId, 'home-readings'), `portal:readings:${patientId}`, readingsSchema, 'your home readings', ws, client).then((l) => ({ value: l.value.readings, offline: l.offline }));
}

export function loadRefills(patientId: string, ws: Workspace = currentWorkspace(), client: Pick<ApiClient, 'request'> = apiClient): Promise<Loaded<Refills>> {
  return load(path(patientId, 'refill-requests'), `portal:refills:${patientId}`, refillsSchema, 'your refill requests', ws, client);
}

/** What became of one write: sent (with the server's answer), refused (with its reason), or waiting to be sent. */
export type SendOutcome<T> = { state: 'sent'; answer: T } | { state: 'refused'; reason: string } | { state: 'waiting' };

async function send<T>(kind: string, patientId: string, url: string, body: Record<string, unknown>, answer: z.ZodType<T>, ws: Workspace, client: Pick<ApiClient, 'request'>): Promise<SendOutcome<T>> {
  const item = await queuePortalWrite({ kind, patientId, path: url, body }, ws);
  let result;
  try {
    result = await flushPortalOutbox(ws, client);
  } catch {
    return { state: 'waiting' };
  }
  const sent = result.sent.find((s) => s.item.id === item.id);
  if (sent) {
    const parsed = answer.safeParse(sent.answer);
    return parsed.success ? { state: 'sent', answer: parsed.data } : { state: 'waiting' };
  }
  const refused = result.refused.find((i) => i.id === item.id);
  return refused ? { state: 'refused', reason: refused.refused ?? '' } : { state: 'waiting' };
}

const readingAnswer = z.object({ reading: homeReadingViewSchema, clinicTold: z.boolean() });
export type ReadingAnswer = z.infer<typeof readingAnswer>;

/** Queues a reading (already checked with homeReadingInputSchema) and tries to send it. */
export function sendHomeReading(patientId: string, body: HomeReadingInput, ws: Workspace = currentWorkspace(), client: Pick<ApiClient, 'request'> = apiClient): Promise<SendOutcome<ReadingAnswer>> {
  return send(READING_OUTBOX_KIND, patientId, path(patientId, 'home-readings'), { ...body }, readingAnswer, ws, client);
}

export function sendRefillRequest(patientId: string, body: { id: string; medicationId: string; note: string }, ws: Workspace = currentWorkspace(), client: Pick<ApiClient, 'request'> = apiClient): Promise<SendOutcome<{ request: RefillView }>> {
  return send(REFILL_OUTBOX_KIND, patientId, path(patientId, 'refill-requests'), { ...body }, z.object({ request: refillViewSchema }), ws, client);
}

/** What of this kind waits on the device for this record (or was refused and not yet dismissed). */
export function waitingWrites(kind: string, patientId: string, ws: Workspace = currentWorkspace()): Promise<OutboxItem[]> {
  return pendingPortalWrites({ kind, patientId }, ws);
}
