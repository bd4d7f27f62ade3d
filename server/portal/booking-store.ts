import type Database from 'better-sqlite3';
import { DEFAULT_SELF_BOOKING, selfBookingPolicySchema, type SelfBookingPolicy } from '../../src/lib/domain/portal/self-booking';

/**
 * Self-booking in SQLite (migration 008-booking-self-booking): each clinic's
 * policy (which appointment types patients book themselves, and the window),
 * and the portal's booking requests by their client-made id (idempotency).
 */

interface PolicyRow {
  type_ids: string;
  min_notice_hours: number;
  max_days_ahead: number;
  updated_at: string;
  updated_by: string;
}

export interface SelfBookingView {
  policy: SelfBookingPolicy;
  updatedAt: string | null;
  updatedBy: string | null;
}

export type BookingRequestKind = 'book' | 'reschedule' | 'cancel';

export interface BookingRequest {
  clinicId: string;
  patientId: string;
  userId: string;
  kind: BookingRequestKind;
  appointmentId: string;
  answer: unknown;
}

/** A stored row read back; anything this version cannot read counts as "nothing open", never as more open than was set. */
function toPolicy(row: PolicyRow | undefined): SelfBookingPolicy {
  if (!row) return DEFAULT_SELF_BOOKING;
  try {
    const parsed = selfBookingPolicySchema.safeParse({ typeIds: JSON.parse(row.type_ids), minNoticeHours: row.min_notice_hours, maxDaysAhead: row.max_days_ahead });
    return parsed.success ? parsed.data : DEFAULT_SELF_BOOKING;
  } catch {
    return DEFAULT_SELF_BOOKING;
  }
}

export function createBookingStore(db: Database.Database) {
  const readPolicy = db.prepare('SELECT * FROM clinic_self_booking WHERE clinic_id = ?');
  const writePolicy = db.prepare(
    `INSERT INTO clinic_self_booking (clinic_id, type_ids, min_notice_hours, max_days_ahead, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (clinic_id) DO UPDATE SET type_ids = excluded.type_ids, min_notice_hours = excluded.min_notice_hours,
       max_days_ahead = excluded.max_days_ahead, updated_at = excluded.updated_at, updated_by = excluded.updated_by`
  );
  const readRequest = db.prepare('SELECT * FROM portal_booking_requests WHERE id = ?');
  const writeRequest = db.prepare(
    'INSERT INTO portal_booking_requests (id, clinic_id, patient_id, user_id, kind, appointment_id, answer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
  );

  return {
    view(clinicId: string): SelfBookingView {
      const row = readPolicy.get(clinicId) as PolicyRow | undefined;
      return { policy: toPolicy(row), updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null };
    },
    policy(clinicId: string): SelfBookingPolicy {
      return toPolicy(readPolicy.get(clinicId) as PolicyRow | undefined);
    },
    /** Stores the policy; returns the one it replaced (for the audit). */
    setPolicy(clinicId: string, policy: SelfBookingPolicy, byUserId: string, now = new Date()): SelfBookingPolicy {
      const before = this.policy(clinicId);
      writePolicy.run(clinicId, JSON.stringify(policy.typeIds), policy.minNoticeHours, policy.maxDaysAhead, now.toISOString(), byUserId);
      return before;
    },
    request(id: string): (BookingRequest & { id: string }) | null {
      const row = readRequest.get(id) as
        | { id: string; clinic_id: string; patient_id: string; user_id: string; kind: BookingRequestKind; appointment_id: string; answer: string }
        | undefined;
      if (!row) return null;
      return { id: row.id, clinicId: row.clinic_id, patientId: row.patient_id, userId: row.user_id, kind: row.kind, appointmentId: row.appointment_id, answer: JSON.parse(row.answer) };
    },
    keepRequest(id: string, r: BookingRequest, now = Date.now()): void {
      writeRequest.run(id, r.clinicId, r.patientId, r.userId, r.kind, r.appointmentId, JSON.stringify(r.answer), now);
    }
  };
}
export type BookingStore = ReturnType<typeof createBookingStore>;
