import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { hasClinicalRole } from '../../src/lib/domain/roles';
import { pharmacyById, type PharmacyReceipt } from '../../src/lib/services/pharmacy-directory';
import { parseFhirMedicationRequest } from '../../src/lib/services/prescription-fhir';
import { readJson } from '../http/body';
import { requireUser, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import { findUserById } from '../store/users';
import type { Audit } from '../types';

/**
 * The demo pharmacies of the directory, served by this server so a send is
 * a real HTTP exchange end to end. A pharmacy takes a FHIR MedicationRequest,
 * validates it, and answers with its delivery receipt. Receipts are kept per
 * (pharmacy, prescription id): a resend after a lost answer gets the same
 * receipt back, so the outbox may retry without dispensing twice.
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

export function pharmacyRoutes(db: Database.Database, audit: Audit): Route[] {
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
