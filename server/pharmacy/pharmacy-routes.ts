import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { listMedicationRecords } from '../../src/lib/chart/medication-doc';
import { docName, isUuid } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { hasClinicalRole } from '../../src/lib/domain/roles';
import { pharmacyById, type PharmacyReceipt } from '../../src/lib/services/pharmacy-directory';
import { parseFhirMedicationRequest, toFhirMedicationRequest, type FhirMedicationRequest } from '../../src/lib/services/prescription-fhir';
import { readJson } from '../http/body';
import { requireUser, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import { findUserById } from '../store/users';
import type { Audit, SyncService } from '../types';
import { alertsHoldingSend } from './send-recheck';

/**
 * The demo pharmacies of the directory, served by this server so a send is
 * a real HTTP exchange end to end. A pharmacy takes a FHIR MedicationRequest,
 * validates it, and answers with its delivery receipt. Receipts are kept per
 * (pharmacy, prescription id): a resend after a lost answer gets the same
 * receipt back, so the outbox may retry without dispensing twice.
 *
 * The request names the chart it comes from (`?patient=<patient id>`), and
 * the pharmacy accepts it only if the server's copy of that chart holds the
 * same prescription, active (so neither stopped nor refused by the server),
 * signed in Outpost, with the same prescriber, drug, directions and supply:
 * a client cannot have dispensed what nobody signed. A prescription not on
 * the server yet (its chart update still on the way) is answered 503, which
 * the outbox retries; one that differs or is no longer active, 409. The drug
 * checks run again against the chart as it stands at the send, and a serious
 * alert no clinician has answered (an allergy recorded since signing, say)
 * is not sent either (503, retried by the outbox: on an honest device the
 * answer is still on its way; see send-recheck.ts).
 *
 * Only the receipt is stored (ids, times, who sent it), never the patient
 * block or the drug; the audit entry carries ids only.
 */
export function migratePharmacyTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS pharmacy_receipts (
      pharmacy_id TEXT NOT NULL,
      request_id TEXT NOT NULL,
      clinic_id TEXT NOT NULL,
      reference TEXT NOT NULL,
      received_at TEXT NOT NULL,
      sent_by TEXT NOT NULL,
      PRIMARY KEY (pharmacy_id, request_id)
    );
  `);
}

export const PRESCRIPTION_BODY_LIMIT = 64 * 1024;

interface ReceiptRow {
  clinic_id: string;
  reference: string;
  received_at: string;
}

export function pharmacyRoutes(db: Database.Database, audit: Audit, sync: Pick<SyncService, 'readState'>): Route[] {
  const birthDateOf = db.prepare('SELECT birth_date AS birthDate FROM patients WHERE id = ? AND clinic_id = ?');
  const birthDate = (patientId: string, clinicId: string) => (birthDateOf.get(patientId, clinicId) as { birthDate: string } | undefined)?.birthDate ?? null;
  const findReceipt = db.prepare('SELECT clinic_id, reference, received_at FROM pharmacy_receipts WHERE pharmacy_id = ? AND request_id = ?');
  const insertReceipt = db.prepare(
    'INSERT INTO pharmacy_receipts (pharmacy_id, request_id, clinic_id, reference, received_at, sent_by) VALUES (?, ?, ?, ?, ?, ?)'
  );
  return [
    {
      method: 'POST',
      path: '/api/pharmacy/:pharmacyId/prescriptions',
      async handler(ctx) {
        const user = requireUser(ctx);
        const pharmacy = pharmacyById(ctx.params.pharmacyId);
        if (!pharmacy) throw new AppError('not-found', 'There is no pharmacy with that id in the directory.');
        const fail = (reason: string, detail: Record<string, unknown> = {}) =>
          audit.record({ action: 'pharmacy.send', outcome: 'failure', userId: user.id, target: `pharmacy:${pharmacy.id}`, ip: ctx.ip, detail: { reason, ...detail } });
        if (!hasClinicalRole(user.roles)) {
          fail('role');
          throw new AppError('forbidden', 'Prescriptions are sent by clinicians and nurses.');
        }
        const patientId = ctx.url.searchParams.get('patient');
        if (!isUuid(patientId)) {
          fail('invalid', { fields: ['patient'] });
          throw new AppError('invalid', 'Name the chart the prescription comes from.', [{ path: 'patient', message: 'The patient id (a uuid) is required' }]);
        }
        if (!pharmacy.accepting) {
          fail('pharmacy-unavailable');
          throw new AppError('unavailable', `${pharmacy.name} is not taking prescriptions right now. The send will be retried.`);
        }
        const parsed = parseFhirMedicationRequest(await readJson(ctx.req, PRESCRIPTION_BODY_LIMIT));
        if (!parsed.ok) {
          fail('invalid', { fields: parsed.issues.map((i) => i.path).slice(0, 10) });
          throw new AppError('invalid', 'The pharmacy refused the prescription: it is not a valid MedicationRequest', parsed.issues);
        }
        const request = parsed.request;
        const prescriberId = request.requester.reference.slice('Practitioner/'.length);
        const prescriber = findUserById(db, prescriberId);
        if (!prescriber || prescriber.clinicId !== user.clinicId || !prescriber.roles.includes('clinician')) {
          fail('prescriber', { requestId: request.id });
          throw new AppError('invalid', 'The pharmacy refused the prescription: the prescriber is not a clinician of this clinic', [
            { path: 'requester', message: 'Not a clinician of this clinic' }
          ]);
        }
        let mismatch = await chartMismatch(sync, patientId, user.clinicId, request, birthDate(patientId, user.clinicId));
        // The clinician's answer to a held send travels over the chart's websocket while this request comes over HTTP:
        // give an answer in flight a moment to land before judging.
        for (let i = 0; mismatch?.reason === 'unanswered-alert' && i < 6; i++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          mismatch = await chartMismatch(sync, patientId, user.clinicId, request, birthDate(patientId, user.clinicId));
        }
        if (mismatch) {
          fail(mismatch.reason, { requestId: request.id, patientId, ...(mismatch.fields ? { fields: mismatch.fields } : {}), ...(mismatch.alerts ? { alerts: mismatch.alerts } : {}) });
          if (mismatch.reason === 'not-in-chart') {
            // The chart update may still be on its way from the device: the outbox retries an unavailable answer.
            throw new AppError('unavailable', 'The prescription has not reached the clinic server yet. The send will be retried.');
          }
          if (mismatch.reason === 'unanswered-alert') {
            // Not sent, and retried: an honest device holds such a send itself until a clinician answers, so on the server
            // this is an answer still on its way; a device that skipped the check never gets the prescription dispensed.
            throw new AppError('unavailable', `The pharmacy was not sent the prescription: ${mismatch.message}. The send will be retried.`);
          }
          throw new AppError('conflict', `The pharmacy refused the prescription: ${mismatch.message}`, (mismatch.fields ?? [mismatch.reason]).map((f) => ({ path: f, message: mismatch.message })));
        }
        const prior = findReceipt.get(pharmacy.id, request.id) as ReceiptRow | undefined;
        if (prior && prior.clinic_id !== user.clinicId) {
          fail('other-clinic', { requestId: request.id });
          throw new AppError('conflict', 'The pharmacy already holds a prescription with this id from another clinic.');
        }
        let receipt: PharmacyReceipt;
        if (prior) {
          receipt = { state: 'delivered', pharmacyId: pharmacy.id, reference: prior.reference, receivedAt: prior.received_at, duplicate: true, message: `${pharmacy.name} already has this prescription.` };
        } else {
          const reference = `RX-${randomBytes(4).toString('hex').toUpperCase()}`;
          const receivedAt = new Date().toISOString();
          insertReceipt.run(pharmacy.id, request.id, user.clinicId, reference, receivedAt, user.id);
          receipt = { state: 'delivered', pharmacyId: pharmacy.id, reference, receivedAt, duplicate: false, message: `Received by ${pharmacy.name}.` };
        }
        audit.record({
          action: 'pharmacy.send',
          outcome: 'success',
          userId: user.id,
          target: `pharmacy:${pharmacy.id}`,
          ip: ctx.ip,
          detail: { requestId: request.id, prescriberId, reference: receipt.reference, duplicate: receipt.duplicate }
        });
        sendJson(ctx.res, receipt.duplicate ? 200 : 201, receipt);
      }
    }
  ];
}

const PLACEHOLDER_PATIENT = { family: 'x', given: [], birthDate: '', mrn: '' };

/** The parts of the request a prescriber signs. */
const SIGNED_PARTS = ['requester', 'medicationCodeableConcept', 'authoredOn', 'dosageInstruction', 'dispenseRequest', 'priorPrescription'] as const;

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * Why the request does not match the server's copy of the chart, or null
 * when it does. The comparison is made between the request and the one the
 * server builds from its own chart entry, both read through the same schema.
 */
async function chartMismatch(
  sync: Pick<SyncService, 'readState'>,
  patientId: string,
  clinicId: string,
  request: FhirMedicationRequest,
  birthDate: string | null
): Promise<{ reason: string; message: string; fields?: string[]; alerts?: string[] } | null> {
  let state: Uint8Array | null;
  try {
    state = await sync.readState(docName('chart', patientId), clinicId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'forbidden') return { reason: 'other-clinic', message: 'the chart named is not one of this clinic' };
    throw err;
  }
  if (!state) return { reason: 'not-in-chart', message: 'the prescription is not in the chart on the clinic server' };
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    const med = listMedicationRecords(doc).find((m) => m.id === request.id);
    if (!med) return { reason: 'not-in-chart', message: 'the prescription is not in the chart on the clinic server' };
    if (med.status !== 'active') return { reason: 'not-active', message: `the prescription is ${med.status} in the chart`, fields: ['status'] };
    if (med.resourceType !== 'MedicationRequest' || med.sourceId !== undefined || !med.requester || !med.dosage || !med.dispense) {
      return { reason: 'not-signed', message: 'the chart entry is not a prescription signed in Outpost' };
    }
    const signed = parseFhirMedicationRequest(toFhirMedicationRequest(med, PLACEHOLDER_PATIENT));
    if (!signed.ok) return { reason: 'not-signed', message: 'the chart entry is not a prescription signed in Outpost' };
    const differ = SIGNED_PARTS.filter((k) => canonical(signed.request[k]) !== canonical(request[k]));
    if (differ.length) return { reason: 'differs-from-chart', message: 'it differs from the signed prescription in the chart', fields: differ };
    const holding = alertsHoldingSend(doc, med, birthDate, new Date());
    if (holding.length) {
      const titles = [...new Set(holding.map((a) => a.title))];
      return {
        reason: 'unanswered-alert',
        message: `a serious alert needs a clinician’s reason before it is sent: ${titles.join('; ')}`,
        fields: ['detectedIssue'],
        alerts: holding.map((a) => a.ruleId)
      };
    }
    return null;
  } finally {
    doc.destroy();
  }
}
