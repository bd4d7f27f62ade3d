import type * as Y from 'yjs';
import { listMedicationRecords, missingOverrides, type DetectedIssue, type MedicationRecord } from '../chart/medication-doc';
import { readPatient } from '../chart/patient-doc';
import { listSends, overrideHeldSend, queueSend, readSend, updateSend, type PharmacySend } from '../chart/pharmacy-send-doc';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import type { Role } from '../domain/roles';
import { hasClinicalRole } from '../domain/roles';
import { messageOf } from '../ui/handle-error';
import { runOutbox } from './outbox-runner';
import type { ApiClient } from './api-client';
import { pharmacyById, pharmacyEndpoint, type PharmacyReceipt } from './pharmacy-directory';
import { alertKey, canPrescribe, detectedIssues, needsOverride, overrideComplete, renewalAlerts, type ChartDocs } from './prescribe.service';
import { toFhirMedicationRequest } from './prescription-fhir';

/**
 * Getting signed prescriptions to a pharmacy. A send is queued in the chart
 * at once, online or not, and goes out when the chart is live with the
 * server. Just before it goes, the drug checks run again against the chart
 * as it stands then (a colleague may have recorded an allergy while this
 * device was offline): a serious alert that nobody overrode, at signing or
 * at send time, holds the send until a clinician cancels it or overrides
 * with a reason. Failures the network or the pharmacy may recover from are
 * retried with exponential backoff; a refusal of the content is not.
 */

export type Who = { actor: Actor; roles: readonly Role[] };
export type OutboxResult = { ok: true; id: string } | { ok: false; message: string };

/** First retry after 15 s, doubling up to 15 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(15_000 * 2 ** Math.max(0, attempts - 1), 15 * 60_000);
}

/** A send left in `sending` this long (the tab closed mid-request) is tried again. */
const STALE_SENDING_MS = 2 * 60_000;

/** Queues a signed prescription for a pharmacy. */
export function sendToPharmacy(chartDoc: Y.Doc, medicationId: string, pharmacyId: string, who: Who): OutboxResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician sends prescriptions' };
  const pharmacy = pharmacyById(pharmacyId);
  if (!pharmacy) return { ok: false, message: 'Choose a pharmacy from the directory' };
  const med = listMedicationRecords(chartDoc).find((m) => m.id === medicationId);
  if (!med || med.status !== 'active' || !med.requester || !med.dosage) return { ok: false, message: 'Only an active prescription signed in Outpost can be sent' };
  try {
    return { ok: true, id: queueSend(chartDoc, medicationId, pharmacy.id, who.actor) };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}

/**
 * The checks for a prescription as they come out now, with every override
 * already given for the same alert (at signing, or at an earlier hold of this
 * send) carried over, and the serious alerts still lacking a reason.
 */
export function recheckSend(docs: ChartDocs, med: MedicationRecord, send: Pick<PharmacySend, 'sendOverrides'>, actor: Actor): { issues: DetectedIssue[]; missing: DetectedIssue[] } {
  const reasons: Record<string, string> = {};
  for (const i of [...med.detectedIssues, ...send.sendOverrides]) if (i.override) reasons[alertKey(i)] = i.override.reason;
  const issues = detectedIssues(renewalAlerts(docs, med), reasons, actor, new Date().toISOString());
  const missingTitles = new Set(missingOverrides(issues));
  return { issues, missing: issues.filter((i) => needsOverride(i) && missingTitles.has(i.title)) };
}

/** Releases a held send: each alert that held it needs a reason; the send is queued again. */
export function releaseHeldSend(chartDoc: Y.Doc, sendId: string, reasons: Record<string, string>, who: Who): OutboxResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician overrides alerts' };
  try {
    const send = readSend(chartDoc, sendId);
    const lacking = send.heldAlerts.filter((a) => !overrideComplete(reasons[alertKey(a)]));
    if (lacking.length) return { ok: false, message: `Give a reason to override: ${lacking.map((a) => a.title).join('; ')}` };
    const at = new Date().toISOString();
    const overrides = send.heldAlerts.map((a) => ({ ...a, override: { reason: reasons[alertKey(a)].trim().slice(0, 500), by: who.actor.name, byId: who.actor.id, at } }));
    overrideHeldSend(chartDoc, sendId, overrides, who.actor);
    return { ok: true, id: sendId };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}

/** Cancels a send that has not been delivered. */
export function cancelSend(chartDoc: Y.Doc, sendId: string, reason: string, who: Who): OutboxResult {
  if (!canPrescribe(who.roles)) return { ok: false, message: 'A clinician cancels sends' };
  try {
    const send = readSend(chartDoc, sendId);
    if (send.state === 'delivered' || send.state === 'cancelled') return { ok: false, message: 'This send is already finished' };
    updateSend(chartDoc, sendId, { state: 'cancelled', cancelReason: reason.trim().slice(0, 200) || 'Cancelled', nextAttemptAt: undefined }, who.actor);
    return { ok: true, id: sendId };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}

/** Puts a failed send back in the queue at once (the clinician pressed Retry). */
export function retrySend(chartDoc: Y.Doc, sendId: string, who: Who): OutboxResult {
  try {
    if (readSend(chartDoc, sendId).state !== 'failed') return { ok: false, message: 'Only a failed send can be retried' };
    updateSend(chartDoc, sendId, { state: 'queued', nextAttemptAt: undefined, permanent: undefined }, who.actor);
    return { ok: true, id: sendId };
  } catch (e) {
    return { ok: false, message: messageOf(e) };
  }
}

/** Whether a send should go out now. */
export function isDue(send: PharmacySend, now: Date): boolean {
  if (send.state === 'queued') return true;
  if (send.state === 'failed') return !send.permanent && (!send.nextAttemptAt || Date.parse(send.nextAttemptAt) <= now.getTime());
  if (send.state === 'sending') return now.getTime() - Date.parse(send.updatedAt) > STALE_SENDING_MS;
  return false;
}

const RETRYABLE = new Set(['unavailable', 'internal', 'rate-limited']);
/** Sends in flight from this device, so two runs of the outbox never post the same send at once. */
const inFlight = new Set<string>();

export interface OutboxReport {
  delivered: string[];
  held: string[];
  failed: string[];
}

/**
 * Carries every due send of one chart out. Call only while the chart is
 * live with the server: the re-check must see what others wrote meanwhile.
 */
export async function processOutbox(docs: ChartDocs, api: ApiClient, who: Who, now: () => Date = () => new Date()): Promise<OutboxReport> {
  const report: OutboxReport = { delivered: [], held: [], failed: [] };
  if (!hasClinicalRole(who.roles)) return report;
  for (const { id } of listSends(docs.chartDoc)) {
    if (inFlight.has(id)) continue;
    // Read again: an earlier send of this loop awaited the network, and another run may have finished this one.
    const send = readSend(docs.chartDoc, id);
    if (!isDue(send, now())) continue;
    inFlight.add(id);
    try {
      const outcome = await deliverOne(docs, send, api, who, now);
      report[outcome].push(id);
    } finally {
      inFlight.delete(id);
    }
  }
  return report;
}

async function deliverOne(docs: ChartDocs, send: PharmacySend, api: ApiClient, who: Who, now: () => Date): Promise<keyof OutboxReport> {
  const { chartDoc } = docs;
  const med = listMedicationRecords(chartDoc).find((m) => m.id === send.medicationId);
  const pharmacy = pharmacyById(send.pharmacyId);
  if (!med || med.status !== 'active') {
    updateSend(chartDoc, send.id, { state: 'held', lastError: 'The prescription is no longer active; cancel this send' }, who.actor);
    return 'held';
  }
  const { missing } = recheckSend(docs, med, send, who.actor);
  if (missing.length) {
    updateSend(chartDoc, send.id, { state: 'held', heldAlerts: missing, lastError: `New alert since signing: ${missing.map((a) => a.title).join('; ')}` }, who.actor);
    return 'held';
  }
  const patient = docs.patientDoc ? readPatient(docs.patientDoc) : null;
  if (!pharmacy || !patient) {
    updateSend(chartDoc, send.id, { state: 'failed', permanent: true, lastError: pharmacy ? 'The patient record is not on this device' : 'The pharmacy is no longer in the directory' }, who.actor);
    return 'failed';
  }
  const attempts = send.attempts + 1;
  updateSend(chartDoc, send.id, { state: 'sending', attempts }, who.actor);
  try {
    // The pharmacy checks the request against the server's copy of this chart.
    const receipt = await api.request<PharmacyReceipt>(`${pharmacyEndpoint(pharmacy.id)}?patient=${encodeURIComponent(patient.id)}`, {
      method: 'POST',
      body: toFhirMedicationRequest(med, patient)
    });
    updateSend(chartDoc, send.id, { state: 'delivered', pharmacyReference: receipt.reference, deliveredAt: receipt.receivedAt, lastError: undefined, nextAttemptAt: undefined }, who.actor);
    return 'delivered';
  } catch (e) {
    const retry = !(e instanceof AppError) || RETRYABLE.has(e.code);
    updateSend(
      chartDoc,
      send.id,
      {
        state: 'failed',
        lastError: messageOf(e),
        permanent: retry ? undefined : true,
        nextAttemptAt: retry ? new Date(now().getTime() + backoffMs(attempts)).toISOString() : undefined
      },
      who.actor
    );
    return 'failed';
  }
}

/**
 * Runs the outbox of an open chart: at once when asked, and every
 * `intervalMs` after, each time only while `isLive()` (the chart is synced
 * with the server). Returns the stop function. Errors are reported, never
 * dropped.
 */
export function startOutbox(opts: {
  docs: () => ChartDocs | null;
  api: ApiClient;
  who: () => Who;
  isLive: () => boolean;
  intervalMs?: number;
  onError: (err: unknown) => void;
}): { kick(): void; stop(): void } {
  return runOutbox(
    () => {
      const docs = opts.docs();
      return docs && opts.isLive() ? processOutbox(docs, opts.api, opts.who()) : null;
    },
    opts.intervalMs ?? 5_000,
    opts.onError
  );
}
