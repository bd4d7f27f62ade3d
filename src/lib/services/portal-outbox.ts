import { z } from 'zod';
import { AppError } from '../domain/errors';
import { apiClient, type ApiClient } from './api-client';
import { currentWorkspace, type Workspace } from './workspace';
import { portalMessageOf } from '../ui/portal-refusal';

/**
 * What a patient does in the portal while offline (a message, a booking, an
 * intake form, a home reading, a refill request) waits here, sealed in the
 * account's encrypted store on the device, and is sent in order when the
 * server can be reached. Each item carries its own id (a UUID made on the
 * device), which every portal write route takes as `id` and treats as
 * "already done" when it sees it again, so a send cut off after the server
 * kept it is never kept twice.
 *
 * A refusal (4xx: the slot was taken, the record is no longer shared) is
 * not retried: the item is kept with the server's message, for the screen
 * that made it to show, until the patient dismisses it. Nothing is dropped
 * silently.
 */
const OUTBOX_KEY = 'portal:outbox';

export const outboxItemSchema = z.object({
  id: z.string(),
  /** Which screen made it (messages, booking, intake, reading, refill): for that screen to list its own. */
  kind: z.string(),
  patientId: z.string(),
  path: z.string(),
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
  body: z.record(z.string(), z.unknown()),
  queuedAt: z.string(),
  /** Set when the server refused it: the readable reason, in the patient's language where the server gave its code. */
  refused: z.string().optional()
});
export type OutboxItem = z.infer<typeof outboxItemSchema>;
const outboxSchema = z.array(outboxItemSchema);

async function read(ws: Pick<Workspace, 'vault'>): Promise<OutboxItem[]> {
  return (await ws.vault.meta.getSealed(OUTBOX_KEY, outboxSchema, 'changes waiting to be sent')) ?? [];
}

let chain: Promise<unknown> = Promise.resolve();
/** One change to the outbox at a time (queue, flush and dismiss all read and write the whole list). */
function serial<T>(work: () => Promise<T>): Promise<T> {
  const next = chain.then(work, work);
  chain = next.catch(() => undefined);
  return next;
}

/** Queues a write; the body gets the item's id as `id`. Returns the queued item. */
export function queuePortalWrite(item: { kind: string; patientId: string; path: string; method?: OutboxItem['method']; body: Record<string, unknown> }, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<OutboxItem> {
  return serial(async () => {
    const id = typeof item.body.id === 'string' ? item.body.id : crypto.randomUUID();
    const queued: OutboxItem = { id, kind: item.kind, patientId: item.patientId, path: item.path, method: item.method ?? 'POST', body: { ...item.body, id }, queuedAt: new Date().toISOString() };
    await ws.vault.meta.setSealed(OUTBOX_KEY, [...(await read(ws)), queued]);
    return queued;
  });
}

/** Items still waiting or refused, oldest first; of one kind and record when asked. */
export async function pendingPortalWrites(filter: { kind?: string; patientId?: string } = {}, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<OutboxItem[]> {
  return (await read(ws)).filter((i) => (!filter.kind || i.kind === filter.kind) && (!filter.patientId || i.patientId === filter.patientId));
}

/** Drops a refused item once the patient has read why. */
export function dismissPortalWrite(id: string, ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<void> {
  return serial(async () => {
    await ws.vault.meta.setSealed(OUTBOX_KEY, (await read(ws)).filter((i) => i.id !== id || !i.refused));
  });
}

/** Try again later: the server was not reached, was busy or failed. */
const RETRY = new Set<string>(['unavailable', 'timeout', 'rate-limited', 'internal']);
/** The server read it and said no: kept with the reason, not resent. */
const REFUSAL = new Set<string>(['invalid', 'forbidden', 'not-found', 'conflict', 'too-large']);

export interface FlushResult {
  sent: { item: OutboxItem; answer: unknown }[];
  refused: OutboxItem[];
  /** True when the server could not be reached; what is left waits for the next try. */
  offline: boolean;
}

export type OutboxFlushListener = (result: FlushResult) => void;
const flushListeners = new Set<OutboxFlushListener>();

/**
 * Told after every pass that sent or refused something, whoever started it
 * (a screen, or the app-wide sender): the screens that show portal data
 * reload what they show. Returns the unsubscribe.
 */
export function onPortalOutboxFlushed(listener: OutboxFlushListener): () => void {
  flushListeners.add(listener);
  return () => flushListeners.delete(listener);
}

function tell(result: FlushResult): void {
  if (result.sent.length === 0 && result.refused.length === 0) return;
  for (const l of [...flushListeners]) {
    try {
      l(result);
    } catch {
      // A screen that failed to reload does not stop the others.
    }
  }
}

/** True when something is still waiting to be sent (refused items wait for the patient, not the server). */
export async function portalWritesWaiting(ws: Pick<Workspace, 'vault'> = currentWorkspace()): Promise<boolean> {
  return (await read(ws)).some((i) => !i.refused);
}

/** Sends what waits, in order; stops at the first "cannot reach the server". */
export function flushPortalOutbox(ws: Pick<Workspace, 'vault'> = currentWorkspace(), client: Pick<ApiClient, 'request'> = apiClient): Promise<FlushResult> {
  return serial(async () => {
    const items = await read(ws);
    const result: FlushResult = { sent: [], refused: [], offline: false };
    const left: OutboxItem[] = [];
    for (const item of items) {
      if (item.refused || result.offline) {
        left.push(item);
        continue;
      }
      try {
        const answer = await client.request<unknown>(item.path, { method: item.method, body: item.body });
        result.sent.push({ item, answer });
      } catch (err) {
        if (err instanceof AppError && RETRY.has(err.code)) {
          result.offline = true;
          left.push(item);
        } else if (err instanceof AppError && REFUSAL.has(err.code)) {
          // Said in the patient's language when the server gave the refusal's code (ui/portal-refusal.ts).
          const refused = { ...item, refused: portalMessageOf(err) };
          result.refused.push(refused);
          left.push(refused);
        } else {
          // Signed out, or something unexpected: keep it as it was for the next try.
          left.push(item);
          if (!(err instanceof AppError)) throw err;
        }
      }
    }
    await ws.vault.meta.setSealed(OUTBOX_KEY, left);
    return result;
  }).then((result) => {
    tell(result);
    return result;
  });
}
