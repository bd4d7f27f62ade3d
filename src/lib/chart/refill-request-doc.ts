import * as Y from 'yjs';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { declineReasonSchema, refillRequestInputSchema, refillRequestSchema, type RefillRequest, type RefillRequestInput } from '../domain/refill-requests';
import { newId, nowIso } from './schema';

/**
 * Refill requests in the patient document's `refillRequests` map: one Y.Map
 * per request, never deleted; closing one (refill signed, or declined)
 * records who and when. The server (policy rule `refill.*`) lets only a
 * clinician close a request and keeps what was asked unchanged.
 */
export const REFILL_REQUESTS = 'refillRequests';

type Entry = Y.Map<unknown>;
const requests = (doc: Y.Doc) => doc.getMap(REFILL_REQUESTS) as Y.Map<Entry>;

export function recordRefillRequest(doc: Y.Doc, input: RefillRequestInput, actor: Actor, now: string = nowIso(), id: string = newId()): string {
  const parsed = refillRequestInputSchema.safeParse(input);
  if (!parsed.success) throw new AppError('invalid', 'The refill request is not valid', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    requests(doc).set(id, e);
    e.set('id', id);
    e.set('medicationText', parsed.data.medicationText);
    e.set('via', parsed.data.via);
    e.set('note', parsed.data.note);
    if (parsed.data.medicationId) e.set('medicationId', parsed.data.medicationId);
    e.set('status', 'open');
    e.set('requestedAt', now);
    e.set('requestedBy', actor.name);
    e.set('requestedById', actor.id);
    e.set('createdAt', now);
    e.set('createdBy', actor.name);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
  return id;
}

/** Closes a request: answered by a prescription, or declined (with the reason, which a patient who asked in the portal reads). */
export function closeRefillRequest(doc: Y.Doc, id: string, outcome: { status: 'done'; prescriptionId: string } | { status: 'declined'; reason?: string }, actor: Actor, now: string = nowIso()): void {
  const e = requests(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That refill request is not on this record');
  if (e.get('status') !== 'open') return;
  let reason: string | undefined;
  if (outcome.status === 'declined' && (outcome.reason !== undefined || e.get('via') === 'portal')) {
    const parsed = declineReasonSchema.safeParse(outcome.reason ?? '');
    if (!parsed.success) throw new AppError('invalid', parsed.error.issues[0].message, [{ path: 'reason', message: parsed.error.issues[0].message }]);
    reason = parsed.data;
  }
  doc.transact(() => {
    e.set('status', outcome.status);
    if (outcome.status === 'done') e.set('prescriptionId', outcome.prescriptionId);
    if (reason !== undefined) e.set('declineReason', reason);
    e.set('closedAt', now);
    e.set('closedBy', actor.name);
    e.set('closedById', actor.id);
    e.set('updatedAt', now);
    e.set('updatedBy', actor.name);
  }, 'local');
}

/** Every request on the record, newest first; entries in another shape are left out. */
export function listRefillRequests(doc: Y.Doc): RefillRequest[] {
  const out: RefillRequest[] = [];
  requests(doc).forEach((e) => {
    if (!(e instanceof Y.Map)) return;
    const parsed = refillRequestSchema.safeParse(e.toJSON());
    if (parsed.success) out.push(parsed.data);
  });
  return out.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
}

export const openRefillRequests = (doc: Y.Doc) => listRefillRequests(doc).filter((r) => r.status === 'open');
