import type Database from 'better-sqlite3';

/**
 * Server-side tables of the FHIR import.
 *
 * - `fhir_patient_links`: which Outpost patient a sending system's patient
 *   became, per clinic, by its resource id (`Patient/<id>`) and by its MR
 *   identifier (`mr|<system>|<value>`), so a re-import updates that patient
 *   instead of registering a duplicate.
 * - `fhir_kept_resources`: resources Outpost does not chart (claims,
 *   explanations of benefit, organizations, practitioners, goals, imaging
 *   studies, …), kept verbatim for export and later use rather than dropped.
 *   They stay out of the chart documents so devices do not carry billing
 *   data offline. Each row records the source system that sent it
 *   (import-source.ts); another source may not overwrite it.
 * - `fhir_match_reviews`: records sent by another clinic whose patient
 *   could not be matched with certainty (patient-match.ts), held whole
 *   until a clinician picks the patient or a new one. Nothing of them is
 *   in any chart meanwhile.
 */
export function migrateFhirTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS fhir_patient_links (
      clinic_id TEXT NOT NULL,
      source TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      PRIMARY KEY (clinic_id, source)
    );
    CREATE TABLE IF NOT EXISTS fhir_kept_resources (
      clinic_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      resource_type TEXT NOT NULL,
      entry_id TEXT NOT NULL,
      resource TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (clinic_id, patient_id, resource_type, entry_id)
    );
    CREATE TABLE IF NOT EXISTS fhir_match_reviews (
      id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      status TEXT NOT NULL,
      reason TEXT NOT NULL,
      candidates TEXT NOT NULL,
      source TEXT NOT NULL,
      bundle TEXT NOT NULL,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      resolved_at TEXT,
      resolved_by TEXT,
      patient_id TEXT
    );
  `);
  // Rows kept before sources were recorded have none, and are taken as the next importer's (as chart entries are).
  const columns = db.prepare('PRAGMA table_info(fhir_kept_resources)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'source_system')) db.exec('ALTER TABLE fhir_kept_resources ADD COLUMN source_system TEXT');
}

/** `refused`: the row was kept from another source, which this import may not overwrite. */
export type KeptOutcome = 'created' | 'updated' | 'unchanged' | 'refused';

export interface FhirStore {
  /** The Outpost patient the first of these source keys was linked to in this clinic. */
  findPatient(clinicId: string, sources: readonly string[]): string | null;
  linkPatient(clinicId: string, sources: readonly string[], patientId: string): void;
  /** Stores each resource verbatim (JSON text) with its source; unchanged resources are not rewritten, another source's are refused. One transaction. */
  keep(clinicId: string, patientId: string, source: string, resources: readonly { type: string; entryId: string; json: string }[]): KeptOutcome[];
  kept(clinicId: string, patientId: string): { type: string; entryId: string; resource: unknown }[];
  /** Every patient any of these keys is linked to in this clinic (distinct). */
  linkedPatients(clinicId: string, sources: readonly string[]): string[];
  /** Holds a record for match review; a pending review of the same id gets the newer record. */
  holdForReview(review: { id: string; clinicId: string; reason: string; candidates: string[]; source: string; bundle: string; userId: string }): void;
  pendingReviews(clinicId: string): MatchReview[];
  review(clinicId: string, id: string): (MatchReview & { bundle: string }) | null;
  resolveReview(clinicId: string, id: string, userId: string, patientId: string): void;
}

export interface MatchReview {
  id: string;
  status: 'pending' | 'resolved';
  reason: string;
  candidates: string[];
  source: string;
  createdAt: string;
  patientId: string | null;
}

export function createFhirStore(db: Database.Database, now: () => Date = () => new Date()): FhirStore {
  migrateFhirTables(db);
  const find = db.prepare('SELECT patient_id FROM fhir_patient_links WHERE clinic_id = ? AND source = ?');
  const link = db.prepare('INSERT OR IGNORE INTO fhir_patient_links (clinic_id, source, patient_id) VALUES (?, ?, ?)');
  const current = db.prepare('SELECT resource, source_system FROM fhir_kept_resources WHERE clinic_id = ? AND patient_id = ? AND resource_type = ? AND entry_id = ?');
  const put = db.prepare(
    `INSERT INTO fhir_kept_resources (clinic_id, patient_id, resource_type, entry_id, resource, updated_at, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (clinic_id, patient_id, resource_type, entry_id) DO UPDATE SET resource = excluded.resource, updated_at = excluded.updated_at, source_system = excluded.source_system`
  );
  const stampSource = db.prepare('UPDATE fhir_kept_resources SET source_system = ? WHERE clinic_id = ? AND patient_id = ? AND resource_type = ? AND entry_id = ?');
  const list = db.prepare('SELECT resource_type, entry_id, resource FROM fhir_kept_resources WHERE clinic_id = ? AND patient_id = ? ORDER BY resource_type, entry_id');

  const keepAll = db.transaction((clinicId: string, patientId: string, source: string, resources: readonly { type: string; entryId: string; json: string }[]) => {
    const at = now().toISOString();
    return resources.map(({ type, entryId, json }): KeptOutcome => {
      const prev = current.get(clinicId, patientId, type, entryId) as { resource: string; source_system: string | null } | undefined;
      if (prev?.source_system && prev.source_system !== source) return 'refused';
      if (prev?.resource === json) {
        if (!prev.source_system) stampSource.run(source, clinicId, patientId, type, entryId);
        return 'unchanged';
      }
      put.run(clinicId, patientId, type, entryId, json, at, source);
      return prev ? 'updated' : 'created';
    });
  });

  const hold = db.prepare(
    `INSERT INTO fhir_match_reviews (id, clinic_id, status, reason, candidates, source, bundle, created_at, created_by) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET reason = excluded.reason, candidates = excluded.candidates, bundle = excluded.bundle, created_at = excluded.created_at, created_by = excluded.created_by
     WHERE fhir_match_reviews.status = 'pending'`
  );
  const reviewRow = (r: Record<string, string | null>): MatchReview => ({
    id: r.id!,
    status: r.status === 'resolved' ? 'resolved' : 'pending',
    reason: r.reason!,
    candidates: JSON.parse(r.candidates!) as string[],
    source: r.source!,
    createdAt: r.created_at!,
    patientId: r.patient_id
  });

  return {
    linkedPatients(clinicId, sources) {
      const out = new Set<string>();
      for (const s of sources) {
        const row = find.get(clinicId, s) as { patient_id: string } | undefined;
        if (row) out.add(row.patient_id);
      }
      return [...out];
    },
    holdForReview(r) {
      hold.run(r.id, r.clinicId, r.reason, JSON.stringify(r.candidates), r.source, r.bundle, now().toISOString(), r.userId);
    },
    pendingReviews(clinicId) {
      return (db.prepare("SELECT * FROM fhir_match_reviews WHERE clinic_id = ? AND status = 'pending' ORDER BY created_at").all(clinicId) as Record<string, string | null>[]).map(reviewRow);
    },
    review(clinicId, id) {
      const r = db.prepare('SELECT * FROM fhir_match_reviews WHERE clinic_id = ? AND id = ?').get(clinicId, id) as Record<string, string | null> | undefined;
      return r ? { ...reviewRow(r), bundle: r.bundle! } : null;
    },
    resolveReview(clinicId, id, userId, patientId) {
      db.prepare("UPDATE fhir_match_reviews SET status = 'resolved', resolved_at = ?, resolved_by = ?, patient_id = ? WHERE clinic_id = ? AND id = ?").run(now().toISOString(), userId, patientId, clinicId, id);
    },
    findPatient(clinicId, sources) {
      for (const s of sources) {
        const row = find.get(clinicId, s) as { patient_id: string } | undefined;
        if (row) return row.patient_id;
      }
      return null;
    },
    linkPatient(clinicId, sources, patientId) {
      db.transaction(() => {
        for (const s of sources) link.run(clinicId, s, patientId);
      })();
    },
    keep: (clinicId, patientId, source, resources) => keepAll(clinicId, patientId, source, resources),
    kept(clinicId, patientId) {
      return (list.all(clinicId, patientId) as { resource_type: string; entry_id: string; resource: string }[]).map((r) => ({
        type: r.resource_type,
        entryId: r.entry_id,
        resource: JSON.parse(r.resource) as unknown
      }));
    }
  };
}
