import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { migrate, newId, nowIso } from './schema';

/**
 * Transfers and referrals a clinician asked for, in the chart's `transfers`
 * map, one entry per request: queued at once, online or not, and carried to
 * the clinic server when the chart is live (transfer-outbox.service.ts),
 * which builds the record and sends it to the destination. Kept in the
 * chart, like pharmacy sends, so the state shows on every device and a
 * request made on a laptop that went offline is not lost.
 *
 * States: `queued` → `sending` → `delivered` (the destination took the
 * record for reconciliation) or `review` (the destination holds it until
 * its clinicians confirm the patient); `failed` when the destination or the
 * server refused (the clinician may queue it again). Unreachable servers
 * leave it queued, to try again.
 */

export const TRANSFER_STATES = ['queued', 'sending', 'delivered', 'review', 'failed'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];

export interface TransferRequest {
  destinationId: string;
  destinationName: string;
  reason: string;
  /** Encounter ids of the signed notes to include. */
  noteIds: string[];
}

export interface TransferEntry extends TransferRequest {
  id: string;
  state: TransferState;
  queuedAt: string;
  queuedBy: string;
  attempts: number;
  lastError?: string;
  sentAt?: string;
  updatedAt: string;
}

type Entry = Y.Map<unknown>;
const transfers = (doc: Y.Doc) => doc.getMap('transfers') as Y.Map<Entry>;

export function queueTransfer(doc: Y.Doc, req: TransferRequest, actor: Actor, id: string = newId()): string {
  const reason = req.reason.trim();
  const details: { path: string; message: string }[] = [];
  if (!req.destinationId) details.push({ path: 'destinationId', message: 'Choose a destination' });
  if (!reason) details.push({ path: 'reason', message: 'Give the reason for the referral' });
  if (reason.length > 2000) details.push({ path: 'reason', message: 'At most 2000 characters' });
  if (details.length) throw new AppError('invalid', 'The referral is not complete', details);
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    transfers(doc).set(id, e);
    e.set('destinationId', req.destinationId);
    e.set('destinationName', req.destinationName.slice(0, 200));
    e.set('reason', reason);
    e.set('noteIds', [...new Set(req.noteIds)].slice(0, 50));
    e.set('state', 'queued');
    e.set('queuedAt', nowIso());
    e.set('queuedBy', actor.name);
    e.set('queuedById', actor.id);
    e.set('attempts', 0);
  }, 'local');
  return id;
}

function read(e: Entry, id: string): TransferEntry {
  const s = (k: string) => (typeof e.get(k) === 'string' ? (e.get(k) as string) : '');
  const state = s('state');
  const notes = e.get('noteIds');
  return {
    id,
    destinationId: s('destinationId'),
    destinationName: s('destinationName'),
    reason: s('reason'),
    noteIds: Array.isArray(notes) ? notes.filter((n): n is string => typeof n === 'string') : [],
    state: (TRANSFER_STATES as readonly string[]).includes(state) ? (state as TransferState) : 'failed',
    queuedAt: s('queuedAt'),
    queuedBy: s('queuedBy'),
    attempts: typeof e.get('attempts') === 'number' ? (e.get('attempts') as number) : 0,
    updatedAt: s('updatedAt') || s('queuedAt'),
    ...(s('lastError') ? { lastError: s('lastError') } : {}),
    ...(s('sentAt') ? { sentAt: s('sentAt') } : {})
  };
}

export function listTransfers(doc: Y.Doc): TransferEntry[] {
  const out: TransferEntry[] = [];
  transfers(doc).forEach((e, id) => {
    if (e instanceof Y.Map) out.push(read(e, id));
  });
  return out.sort((a, b) => b.queuedAt.localeCompare(a.queuedAt));
}

export function readTransfer(doc: Y.Doc, id: string): TransferEntry {
  const e = transfers(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That transfer is not in this chart');
  return read(e, id);
}

export function updateTransfer(doc: Y.Doc, id: string, patch: { state: TransferState; lastError?: string; sentAt?: string; attempt?: boolean }, actor: Actor): void {
  const e = transfers(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That transfer is not in this chart');
  doc.transact(() => {
    e.set('state', patch.state);
    if (patch.attempt) e.set('attempts', ((e.get('attempts') as number) ?? 0) + 1);
    if (patch.lastError !== undefined) e.set('lastError', patch.lastError.slice(0, 300));
    else if (e.has('lastError')) e.delete('lastError');
    if (patch.sentAt) e.set('sentAt', patch.sentAt);
    e.set('updatedAt', nowIso());
    e.set('updatedBy', actor.name);
  }, 'local');
}
