import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import type { VisitState, VisitStatus } from '../../src/lib/domain/telehealth/visit-status';
import { opaqueId } from './secrets';

/**
 * The server's record of a video visit: which clinic and patient it belongs
 * to (for the date-of-birth check and access control) and the opaque room
 * name the video service knows it by. The visit id is the appointment's id.
 */
export interface VisitRow {
  visit_id: string;
  clinic_id: string;
  patient_id: string;
  room_name: string;
  status: VisitStatus;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number;
  closed_at: string | null;
}

export interface VisitSummary {
  visitId: string;
  status: VisitStatus;
  startedAt: string | null;
  endedAt: string | null;
  durationSeconds: number;
}

export function createVisitStore(db: Database.Database, now: () => number) {
  const byId = db.prepare('SELECT * FROM telehealth_visits WHERE visit_id = ?');
  const byRoom = db.prepare('SELECT * FROM telehealth_visits WHERE room_name = ?');
  const insert = db.prepare(
    'INSERT INTO telehealth_visits (visit_id, clinic_id, patient_id, room_name, created_at) VALUES (?, ?, ?, ?, ?)'
  );
  const saveState = db.prepare(
    'UPDATE telehealth_visits SET status = ?, started_at = ?, ended_at = ?, duration_seconds = ? WHERE visit_id = ?'
  );
  const close = db.prepare("UPDATE telehealth_visits SET closed_at = ?, closed_by = ?, status = 'ended' WHERE visit_id = ? AND closed_at IS NULL");

  return {
    get: (visitId: string) => byId.get(visitId) as VisitRow | undefined,
    byRoom: (room: string) => byRoom.get(room) as VisitRow | undefined,

    /** The visit in the user's clinic; another clinic's visit is "not found", not "forbidden", so ids do not leak across clinics. */
    inClinic(visitId: string, clinicId: string): VisitRow {
      const v = byId.get(visitId) as VisitRow | undefined;
      if (!v || v.clinic_id !== clinicId) throw new AppError('not-found', 'There is no such video visit.');
      return v;
    },

    /** Finds or creates the visit; the patient of an existing visit cannot change. Needs no patient id for a guest link to an existing visit. */
    ensure(visitId: string, clinicId: string, patientId: string | null): VisitRow {
      const existing = byId.get(visitId) as VisitRow | undefined;
      if (existing) {
        if (existing.clinic_id !== clinicId) throw new AppError('not-found', 'There is no such video visit.');
        if (patientId && existing.patient_id !== patientId) throw new AppError('conflict', 'This visit belongs to another patient.');
        return existing;
      }
      if (!patientId) throw new AppError('conflict', 'Send the patient their link first; guests join an existing video visit.');
      insert.run(visitId, clinicId, patientId, opaqueId('room'), new Date(now()).toISOString());
      return byId.get(visitId) as VisitRow;
    },

    /** Stores what was derived from video events; a visit ended by the clinician stays ended. */
    saveDerived(v: VisitRow, state: VisitState): VisitRow {
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      const status: VisitStatus = v.closed_at ? 'ended' : state.status;
      saveState.run(status, iso(state.startedAt), iso(state.endedAt), state.durationSeconds, v.visit_id);
      return byId.get(v.visit_id) as VisitRow;
    },

    close: (visitId: string, userId: string) => close.run(new Date(now()).toISOString(), userId, visitId).changes > 0
  };
}
export type VisitStore = ReturnType<typeof createVisitStore>;

export function summarize(v: VisitRow): VisitSummary {
  return { visitId: v.visit_id, status: v.status, startedAt: v.started_at, endedAt: v.ended_at, durationSeconds: v.duration_seconds };
}
