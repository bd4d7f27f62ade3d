import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { RestrictionCategory } from '../../src/lib/domain/restriction-categories';

/**
 * Emergency access ("break-glass", ONC 170.315(d)(6)) and patient
 * restrictions, kept in the server's SQLite file.
 *
 * - `breakglass_grants`: one row per emergency access: who, to which
 *   patient, why (the reason the clinician typed), until when, and whether
 *   an administrator of the user's clinic has reviewed it. A grant is never
 *   deleted; it simply expires.
 * - `patient_restrictions`: a patient's request to restrict a category of
 *   their record to named care-team members. Ended, never deleted.
 */
export interface Grant {
  id: string;
  userId: string;
  /** The clinic of the user who broke the glass: its administrators review it. */
  clinicId: string;
  patientId: string;
  /** The clinic that holds the patient's record (the user's own, for a restricted part). */
  recordClinicId: string;
  reason: string;
  createdAt: string;
  expiresAt: string;
  reviewedBy: string | null;
  reviewedAt: string | null;
}

export interface Restriction {
  id: string;
  clinicId: string;
  patientId: string;
  category: RestrictionCategory;
  /** Users (by id) who may still see the restricted part. */
  allowedUserIds: string[];
  /** The patient's request as the clinician recorded it (an optional note; may be empty). */
  request: string;
  /** The day the patient made the request (YYYY-MM-DD). */
  requestedOn: string;
  createdBy: string;
  createdAt: string;
  endedAt: string | null;
  endedBy: string | null;
  /** Why it was lifted (the patient withdrew it, recorded in error…). */
  endReason: string | null;
}

export function migrateAccessTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS breakglass_grants (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      clinic_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      record_clinic_id TEXT NOT NULL,
      reason TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      reviewed_by TEXT,
      reviewed_at TEXT
    );
    CREATE INDEX IF NOT EXISTS breakglass_grants_user ON breakglass_grants (user_id, patient_id, expires_at);
    CREATE INDEX IF NOT EXISTS breakglass_grants_clinic ON breakglass_grants (clinic_id, created_at);
    CREATE TABLE IF NOT EXISTS patient_restrictions (
      id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      category TEXT NOT NULL,
      allowed_user_ids TEXT NOT NULL,
      request TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      ended_at TEXT
    );
    CREATE INDEX IF NOT EXISTS patient_restrictions_patient ON patient_restrictions (patient_id);
  `);
  // Added later (the day of the request, and who lifted it and why): a file made before gets the columns.
  const columns = new Set((db.prepare('PRAGMA table_info(patient_restrictions)').all() as { name: string }[]).map((c) => c.name));
  if (!columns.has('requested_on')) db.exec(`ALTER TABLE patient_restrictions ADD COLUMN requested_on TEXT`);
  if (!columns.has('ended_by')) db.exec(`ALTER TABLE patient_restrictions ADD COLUMN ended_by TEXT`);
  if (!columns.has('end_reason')) db.exec(`ALTER TABLE patient_restrictions ADD COLUMN end_reason TEXT`);
}

interface GrantRow {
  id: string;
  user_id: string;
  clinic_id: string;
  patient_id: string;
  record_clinic_id: string;
  reason: string;
  created_at: string;
  expires_at: string;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

interface RestrictionRow {
  id: string;
  clinic_id: string;
  patient_id: string;
  category: string;
  allowed_user_ids: string;
  request: string;
  created_by: string;
  created_at: string;
  ended_at: string | null;
  requested_on: string | null;
  ended_by: string | null;
  end_reason: string | null;
}

function toGrant(r: GrantRow): Grant {
  return {
    id: r.id,
    userId: r.user_id,
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    recordClinicId: r.record_clinic_id,
    reason: r.reason,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at
  };
}

function toRestriction(r: RestrictionRow): Restriction {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    category: r.category as RestrictionCategory,
    allowedUserIds: JSON.parse(r.allowed_user_ids) as string[],
    request: r.request,
    requestedOn: r.requested_on ?? r.created_at.slice(0, 10),
    createdBy: r.created_by,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    endedBy: r.ended_by,
    endReason: r.end_reason
  };
}

export class AccessStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now
  ) {
    migrateAccessTables(db);
  }

  createGrant(g: Omit<Grant, 'id' | 'createdAt' | 'expiresAt' | 'reviewedBy' | 'reviewedAt'>, minutes: number): Grant {
    const created = this.now();
    const grant: Grant = {
      ...g,
      id: randomUUID(),
      createdAt: new Date(created).toISOString(),
      expiresAt: new Date(created + minutes * 60_000).toISOString(),
      reviewedBy: null,
      reviewedAt: null
    };
    this.db
      .prepare(
        `INSERT INTO breakglass_grants (id, user_id, clinic_id, patient_id, record_clinic_id, reason, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(grant.id, grant.userId, grant.clinicId, grant.patientId, grant.recordClinicId, grant.reason, grant.createdAt, grant.expiresAt);
    return grant;
  }

  /** The user's grant to this patient that lasts longest, if one is still running. */
  activeGrant(userId: string, patientId: string): Grant | null {
    const row = this.db
      .prepare(`SELECT * FROM breakglass_grants WHERE user_id = ? AND patient_id = ? AND expires_at > ? ORDER BY expires_at DESC LIMIT 1`)
      .get(userId, patientId, new Date(this.now()).toISOString()) as GrantRow | undefined;
    return row ? toGrant(row) : null;
  }

  /** The user's running grants (for the banner). */
  activeGrantsOf(userId: string): Grant[] {
    const rows = this.db
      .prepare(`SELECT * FROM breakglass_grants WHERE user_id = ? AND expires_at > ? ORDER BY expires_at DESC`)
      .all(userId, new Date(this.now()).toISOString()) as GrantRow[];
    return rows.map(toGrant);
  }

  /** The clinic's break-glass uses, newest first, for its administrators' review. */
  grantsOfClinic(clinicId: string, limit = 500): Grant[] {
    const rows = this.db
      .prepare(`SELECT * FROM breakglass_grants WHERE clinic_id = ? ORDER BY created_at DESC LIMIT ?`)
      .all(clinicId, limit) as GrantRow[];
    return rows.map(toGrant);
  }

  getGrant(id: string): Grant | null {
    const row = this.db.prepare(`SELECT * FROM breakglass_grants WHERE id = ?`).get(id) as GrantRow | undefined;
    return row ? toGrant(row) : null;
  }

  markReviewed(id: string, by: string): void {
    this.db.prepare(`UPDATE breakglass_grants SET reviewed_by = ?, reviewed_at = ? WHERE id = ? AND reviewed_at IS NULL`).run(by, new Date(this.now()).toISOString(), id);
  }

  createRestriction(r: Omit<Restriction, 'id' | 'createdAt' | 'endedAt' | 'endedBy' | 'endReason' | 'requestedOn'> & { requestedOn?: string }): Restriction {
    const createdAt = new Date(this.now()).toISOString();
    const restriction: Restriction = { ...r, requestedOn: r.requestedOn ?? createdAt.slice(0, 10), id: randomUUID(), createdAt, endedAt: null, endedBy: null, endReason: null };
    this.db
      .prepare(
        `INSERT INTO patient_restrictions (id, clinic_id, patient_id, category, allowed_user_ids, request, requested_on, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(restriction.id, r.clinicId, r.patientId, r.category, JSON.stringify(r.allowedUserIds), r.request, restriction.requestedOn, r.createdBy, restriction.createdAt);
    return restriction;
  }

  /** One restriction, in force or ended. */
  getRestriction(id: string): Restriction | null {
    const row = this.db.prepare(`SELECT * FROM patient_restrictions WHERE id = ?`).get(id) as RestrictionRow | undefined;
    return row ? toRestriction(row) : null;
  }

  /** The patient's restrictions in force. */
  restrictionsOf(patientId: string): Restriction[] {
    const rows = this.db.prepare(`SELECT * FROM patient_restrictions WHERE patient_id = ? AND ended_at IS NULL ORDER BY created_at`).all(patientId) as RestrictionRow[];
    return rows.map(toRestriction);
  }

  /** Lifts a restriction in force; false when it had already ended. */
  endRestriction(id: string, by: string, reason: string): boolean {
    const done = this.db
      .prepare(`UPDATE patient_restrictions SET ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`)
      .run(new Date(this.now()).toISOString(), by, reason, id);
    return done.changes === 1;
  }
}
