import type Database from 'better-sqlite3';
import { DEFAULT_RESULT_RELEASE, RESULT_RELEASE_MAX_DAYS, type ResultReleasePolicy } from '../../src/lib/domain/result-release';

/**
 * A clinic's result-release policy (src/lib/domain/result-release.ts),
 * stored per clinic in `clinic_result_release` (migration
 * 007-admin2-result-release). The admin console sets it; the patient
 * portal reads it through `resultReleaseOf` to decide which results a
 * patient sees in their own record. No row: released immediately.
 */

interface Row {
  mode: string;
  days: number | null;
  updated_at: string;
  updated_by: string;
}

export interface ResultReleaseView {
  policy: ResultReleasePolicy;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** A stored row read back; anything this version cannot read falls back to the default (immediate), never to holding results. */
function toPolicy(row: Row | undefined): ResultReleasePolicy {
  if (!row) return DEFAULT_RESULT_RELEASE;
  if (row.mode === 'after-review') return { mode: 'after-review' };
  if (row.mode === 'after-days' && Number.isInteger(row.days) && row.days! >= 1 && row.days! <= RESULT_RELEASE_MAX_DAYS) return { mode: 'after-days', days: row.days! };
  return DEFAULT_RESULT_RELEASE;
}

export function resultReleaseView(db: Database.Database, clinicId: string): ResultReleaseView {
  const row = db.prepare('SELECT mode, days, updated_at, updated_by FROM clinic_result_release WHERE clinic_id = ?').get(clinicId) as Row | undefined;
  return { policy: toPolicy(row), updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null };
}

/** The policy in force for a clinic (for the patient portal). */
export function resultReleaseOf(db: Database.Database, clinicId: string): ResultReleasePolicy {
  return resultReleaseView(db, clinicId).policy;
}

/** Stores the policy; returns the one it replaced (for the audit). */
export function setResultRelease(db: Database.Database, clinicId: string, policy: ResultReleasePolicy, byUserId: string, now = new Date()): ResultReleasePolicy {
  const before = resultReleaseOf(db, clinicId);
  db.prepare(
    `INSERT INTO clinic_result_release (clinic_id, mode, days, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (clinic_id) DO UPDATE SET mode = excluded.mode, days = excluded.days, updated_at = excluded.updated_at, updated_by = excluded.updated_by`
  ).run(clinicId, policy.mode, policy.mode === 'after-days' ? policy.days : null, now.toISOString(), byUserId);
  return before;
}
