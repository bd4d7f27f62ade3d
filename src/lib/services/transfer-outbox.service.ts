import type * as Y from 'yjs';
import { listTransfers, queueTransfer, readTransfer, updateTransfer, type TransferEntry, type TransferRequest } from '../chart/transfer-outbox-doc';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import type { Role } from '../domain/roles';
import { messageOf } from '../ui/handle-error';
import type { ApiClient } from './api-client';
import { runOutbox } from './outbox-runner';
import { backoffMs } from './pharmacy-outbox.service';

/**
 * Getting a referral or transfer out. The request is queued in the chart at
 * once (transfer-outbox-doc.ts), online or not, and carried to the clinic
 * server whenever the chart is live; the server builds the record and sends
 * it to the destination. When the server or the destination cannot be
 * reached the request stays queued and is tried again with backoff; a
 * refusal (no such destination, the destination refused the record) fails
 * it for the clinician to see.
 */

export type Who = { actor: Actor; roles: readonly Role[] };
export type TransferResult = { ok: true; id: string } | { ok: false; message: string };

export function requestTransfer(chartDoc: Y.Doc, req: TransferRequest, who: Who): TransferResult {
  if (!who.roles.includes('clinician')) return { ok: false, message: 'A clinician refers or transfers a patient' };
  try {
    return { ok: true, id: queueTransfer(chartDoc, req, who.actor) };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}

/** A request left `sending` this long (the tab closed mid-request) is tried again. */
const STALE_SENDING_MS = 2 * 60_000;

export function isDue(t: TransferEntry, now: Date): boolean {
  const since = now.getTime() - Date.parse(t.updatedAt || t.queuedAt);
  if (t.state === 'queued') return t.attempts === 0 || since >= backoffMs(t.attempts);
  if (t.state === 'sending') return since > STALE_SENDING_MS;
  return false;
}

const RETRYABLE = new Set(['unavailable', 'internal', 'rate-limited', 'timeout']);
const inFlight = new Set<string>();

/** Carries every due transfer of one chart out; call while the chart is live with the server. */
export async function processTransfers(chartDoc: Y.Doc, patientId: string, api: ApiClient, who: Who, now: () => Date = () => new Date()): Promise<{ sent: string[]; failed: string[] }> {
  const report = { sent: [] as string[], failed: [] as string[] };
  if (!who.roles.includes('clinician')) return report;
  for (const { id } of listTransfers(chartDoc)) {
    if (inFlight.has(id)) continue;
    const t = readTransfer(chartDoc, id);
    if (!isDue(t, now())) continue;
    inFlight.add(id);
    try {
      updateTransfer(chartDoc, id, { state: 'sending', attempt: true }, who.actor);
      const answer = await api.request<{ state: 'delivered' | 'awaiting-match-review' }>(`/api/patients/${encodeURIComponent(patientId)}/transfer`, {
        method: 'POST',
        body: { destinationId: t.destinationId, reason: t.reason, noteIds: t.noteIds, transferId: id }
      });
      updateTransfer(chartDoc, id, { state: answer.state === 'awaiting-match-review' ? 'review' : 'delivered', sentAt: now().toISOString() }, who.actor);
      report.sent.push(id);
    } catch (e) {
      const retry = e instanceof AppError && RETRYABLE.has(e.code);
      updateTransfer(chartDoc, id, { state: retry ? 'queued' : 'failed', lastError: messageOf(e) }, who.actor);
      if (!retry) report.failed.push(id);
    } finally {
      inFlight.delete(id);
    }
  }
  return report;
}

export function startTransferOutbox(opts: {
  chartDoc: () => Y.Doc | null;
  patientId: () => string;
  api: ApiClient;
  who: () => Who;
  isLive: () => boolean;
  intervalMs?: number;
  onError: (err: unknown) => void;
}): { kick(): void; stop(): void } {
  return runOutbox(
    () => {
      const doc = opts.chartDoc();
      return doc && opts.isLive() ? processTransfers(doc, opts.patientId(), opts.api, opts.who()) : null;
    },
    opts.intervalMs ?? 5_000,
    opts.onError
  );
}
