import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { readPatient } from '../../src/lib/chart/patient-doc';
import type { SyncService } from '../types';
import type { PatientRecord, PatientSummary, Gender } from '../../src/lib/domain/patient';
import { GENDERS } from '../../src/lib/domain/patient';

/**
 * The server's patient list: one row per `patient:` document, rebuilt from
 * the document whenever it changes. The documents stay the source of truth;
 * this table only answers "who are this clinic's patients" quickly.
 *
 * `updated_at` is the server's clock at the moment the row last changed, not
 * the document's own `updatedAt` (written by a device that may have been
 * offline for days): a client asking "what changed since my last list" must
 * get a late-arriving edit even though it was made long ago.
 */

interface PatientRow {
  id: string;
  clinic_id: string;
  family: string;
  given: string;
  birth_date: string;
  gender: string;
  mrn: string;
  updated_at: string;
}

function toSummary(r: PatientRow): PatientSummary {
  let given: string[] = [];
  try {
    const v: unknown = JSON.parse(r.given);
    if (Array.isArray(v)) given = v.filter((g): g is string => typeof g === 'string');
  } catch {
    given = [];
  }
  return {
    id: r.id,
    name: { family: r.family, given },
    birthDate: r.birth_date,
    gender: (GENDERS as readonly string[]).includes(r.gender) ? (r.gender as Gender) : 'unknown',
    mrn: r.mrn,
    updatedAt: r.updated_at
  };
}

export interface PatientProjection {
  /** Writes the row for a patient document; a no-op when nothing the list shows has changed. Returns whether it wrote. */
  upsert(clinicId: string, record: PatientRecord): boolean;
  list(clinicId: string, since?: string): PatientSummary[];
  /** Whether the patient is one of this clinic's (false for another clinic's patient and for an unknown id alike). */
  has(clinicId: string, patientId: string): boolean;
}

export function createPatientProjection(db: Database.Database, now: () => Date = () => new Date()): PatientProjection {
  const current = db.prepare('SELECT * FROM patients WHERE id = ?');
  const upsert = db.prepare(
    `INSERT INTO patients (id, clinic_id, family, given, birth_date, gender, mrn, updated_at)
     VALUES (@id, @clinic_id, @family, @given, @birth_date, @gender, @mrn, @updated_at)
     ON CONFLICT(id) DO UPDATE SET clinic_id = excluded.clinic_id, family = excluded.family,
       given = excluded.given, birth_date = excluded.birth_date, gender = excluded.gender,
       mrn = excluded.mrn, updated_at = excluded.updated_at`
  );
  const all = db.prepare('SELECT * FROM patients WHERE clinic_id = ? ORDER BY family COLLATE NOCASE, given COLLATE NOCASE, id');
  const inClinic = db.prepare('SELECT 1 FROM patients WHERE id = ? AND clinic_id = ?');
  const changed = db.prepare(
    `SELECT * FROM patients WHERE clinic_id = ? AND updated_at > ?
     ORDER BY family COLLATE NOCASE, given COLLATE NOCASE, id`
  );

  return {
    upsert(clinicId, record) {
      const next = {
        id: record.id,
        clinic_id: clinicId,
        family: record.family,
        given: JSON.stringify(record.given),
        birth_date: record.birthDate,
        gender: record.gender,
        mrn: record.mrn
      };
      const prev = current.get(record.id) as PatientRow | undefined;
      if (
        prev &&
        prev.clinic_id === next.clinic_id &&
        prev.family === next.family &&
        prev.given === next.given &&
        prev.birth_date === next.birth_date &&
        prev.gender === next.gender &&
        prev.mrn === next.mrn
      ) {
        return false;
      }
      upsert.run({ ...next, updated_at: now().toISOString() });
      return true;
    },

    list(clinicId, since) {
      const rows = (since ? changed.all(clinicId, since) : all.all(clinicId)) as PatientRow[];
      return rows.map(toSummary);
    },

    has(clinicId, patientId) {
      return inClinic.get(patientId, clinicId) !== undefined;
    }
  };
}

/**
 * Adds list rows for stored `patient:` documents that have none: a change
 * persisted just before a crash, or documents stored before this table
 * existed. Run at start-up; cheap when nothing is missing (one query).
 * Returns how many rows it wrote.
 */
export async function backfillPatientList(
  db: Database.Database,
  sync: SyncService,
  projection: PatientProjection
): Promise<number> {
  const missing = db
    .prepare(
      `SELECT d.name, d.clinic_id, d.patient_id FROM documents d
       LEFT JOIN patients p ON p.id = d.patient_id
       WHERE d.kind = 'patient' AND p.id IS NULL`
    )
    .all() as { name: string; clinic_id: string; patient_id: string }[];
  let written = 0;
  for (const m of missing) {
    const state = await sync.readState(m.name, m.clinic_id);
    if (!state) continue;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    const record = readPatient(doc);
    doc.destroy();
    if (record && projection.upsert(m.clinic_id, { ...record, id: m.patient_id })) written++;
  }
  return written;
}
