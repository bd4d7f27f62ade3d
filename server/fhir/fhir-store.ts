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

  return {
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
