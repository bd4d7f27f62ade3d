import * as Y from 'yjs';
import { z } from 'zod';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import { detectedIssueSchema, type DetectedIssue } from './medication-doc';
import { migrate, newId, nowIso } from './schema';

/**
 * Pharmacy sends in the chart's `pharmacySends` map, one entry per attempt
 * to get a signed prescription to a pharmacy. Kept in the chart (encrypted
 * on every device, synced) rather than on one device, so the delivery state
 * shows wherever the chart is open and a send queued on a laptop that went
 * offline is still visible to colleagues. Any device may carry a queued
 * send out: the pharmacy keeps one receipt per prescription id, so two
 * devices sending the same entry cannot dispense twice.
 */

export const SEND_STATES = ['queued', 'sending', 'delivered', 'held', 'failed', 'cancelled'] as const;
export type SendState = (typeof SEND_STATES)[number];

/** States in which a send still waits for something (the network, a clinician, a retry). */
export const OPEN_STATES: readonly SendState[] = ['queued', 'sending', 'held', 'failed'];

export const pharmacySendSchema = z.object({
  medicationId: z.string(),
  pharmacyId: z.string(),
  state: z.enum(SEND_STATES).catch('failed'),
  queuedAt: z.string(),
  queuedBy: z.string(),
  attempts: z.number().int().catch(0),
  nextAttemptAt: z.string().optional().catch(undefined),
  /** Last failure, in words a clinician can act on. */
  lastError: z.string().optional().catch(undefined),
  /** True when retrying cannot help (the pharmacy refused the content); the clinician resends by hand. */
  permanent: z.boolean().optional().catch(undefined),
  /** New serious alerts the re-check found at send time without an override. */
  heldAlerts: z.array(detectedIssueSchema).catch([]),
  /** Alerts overridden at send time, with the reason, by whom and when. */
  sendOverrides: z.array(detectedIssueSchema).catch([]),
  pharmacyReference: z.string().optional().catch(undefined),
  deliveredAt: z.string().optional().catch(undefined),
  cancelReason: z.string().optional().catch(undefined),
  updatedAt: z.string().catch(''),
  updatedBy: z.string().catch('')
});
export type PharmacySend = z.infer<typeof pharmacySendSchema> & { id: string };

type Entry = Y.Map<unknown>;

function sends(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('pharmacySends') as Y.Map<Entry>;
}

function entryOrThrow(doc: Y.Doc, id: string): Entry {
  const e = sends(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That pharmacy send is not in this chart');
  return e;
}

function touch(e: Entry, actor: Actor): void {
  e.set('updatedAt', nowIso());
  e.set('updatedBy', actor.name);
}

/** Queues a send of a prescription to a pharmacy; refused while another send of it is still open. */
export function queueSend(doc: Y.Doc, medicationId: string, pharmacyId: string, actor: Actor, id: string = newId()): string {
  if (listSends(doc).some((s) => s.medicationId === medicationId && OPEN_STATES.includes(s.state))) {
    throw new AppError('conflict', 'This prescription is already on its way to a pharmacy');
  }
  migrate(doc);
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    sends(doc).set(id, e);
    e.set('medicationId', medicationId);
    e.set('pharmacyId', pharmacyId);
    e.set('state', 'queued');
    e.set('queuedAt', nowIso());
    e.set('queuedBy', actor.name);
    e.set('queuedById', actor.id);
    e.set('attempts', 0);
    e.set('heldAlerts', []);
    e.set('sendOverrides', []);
    touch(e, actor);
  }, 'local');
  return id;
}

/** Moves a send to a new state with the fields that go with it. */
export function updateSend(
  doc: Y.Doc,
  id: string,
  change: Partial<Omit<PharmacySend, 'id' | 'medicationId' | 'pharmacyId' | 'queuedAt' | 'queuedBy' | 'updatedAt' | 'updatedBy'>> & { state: SendState },
  actor: Actor
): void {
  const e = entryOrThrow(doc, id);
  doc.transact(() => {
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) e.delete(k);
      else e.set(k, v);
    }
    touch(e, actor);
  }, 'local');
}

/** Records override reasons given at send time for the alerts that held the send, and queues it again. */
export function overrideHeldSend(doc: Y.Doc, id: string, overrides: DetectedIssue[], actor: Actor): void {
  const send = readSend(doc, id);
  if (send.state !== 'held') throw new AppError('conflict', 'Only a held send can be released with an override');
  updateSend(doc, id, { state: 'queued', heldAlerts: [], sendOverrides: [...send.sendOverrides, ...overrides], lastError: undefined, nextAttemptAt: undefined }, actor);
}

export function readSend(doc: Y.Doc, id: string): PharmacySend {
  const parsed = pharmacySendSchema.safeParse(entryOrThrow(doc, id).toJSON());
  if (!parsed.success) throw new AppError('invalid', 'This pharmacy send cannot be read');
  return { ...parsed.data, id };
}

/** Every send in the chart, newest first; unreadable entries are left out. */
export function listSends(doc: Y.Doc): PharmacySend[] {
  const out: PharmacySend[] = [];
  sends(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map)) return;
    const parsed = pharmacySendSchema.safeParse(e.toJSON());
    if (parsed.success) out.push({ ...parsed.data, id });
  });
  return out.sort((a, b) => b.queuedAt.localeCompare(a.queuedAt) || a.id.localeCompare(b.id));
}
