import type Database from 'better-sqlite3';

/**
 * Which patient a FHIR resource id belongs to, per clinic. Resource ids are
 * the chart entry ids (the locations an import answers with), so a read of
 * `Observation/<id>` must find the chart that holds the entry. Entries never
 * move between charts and are never deleted, so the index only grows; it is
 * brought up to date from the sync store's change cursor when a lookup misses
 * (fhir-read-routes.ts), which catches entries written offline and synced
 * later as well as imported ones. The index holds ids only, no content.
 */
export interface ResourceIndex {
  find(clinicId: string, type: string, id: string): string | null;
  record(clinicId: string, patientId: string, resources: readonly { resourceType: string; id: string }[]): void;
  cursor(clinicId: string): string | undefined;
  setCursor(clinicId: string, cursor: string): void;
}

export function createResourceIndex(db: Database.Database): ResourceIndex {
  db.exec(`
    CREATE TABLE IF NOT EXISTS fhir_resource_index (
      clinic_id TEXT NOT NULL,
      resource_type TEXT NOT NULL,
      resource_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      PRIMARY KEY (clinic_id, resource_type, resource_id)
    );
    CREATE TABLE IF NOT EXISTS fhir_index_cursor (
      clinic_id TEXT PRIMARY KEY,
      cursor TEXT NOT NULL
    );
  `);
  const find = db.prepare('SELECT patient_id FROM fhir_resource_index WHERE clinic_id = ? AND resource_type = ? AND resource_id = ?');
  const put = db.prepare('INSERT OR REPLACE INTO fhir_resource_index (clinic_id, resource_type, resource_id, patient_id) VALUES (?, ?, ?, ?)');
  const getCursor = db.prepare('SELECT cursor FROM fhir_index_cursor WHERE clinic_id = ?');
  const putCursor = db.prepare('INSERT OR REPLACE INTO fhir_index_cursor (clinic_id, cursor) VALUES (?, ?)');
  const recordAll = db.transaction((clinicId: string, patientId: string, resources: readonly { resourceType: string; id: string }[]) => {
    for (const r of resources) put.run(clinicId, r.resourceType, r.id, patientId);
  });
  return {
    find: (clinicId, type, id) => (find.get(clinicId, type, id) as { patient_id: string } | undefined)?.patient_id ?? null,
    record: (clinicId, patientId, resources) => recordAll(clinicId, patientId, resources),
    cursor: (clinicId) => (getCursor.get(clinicId) as { cursor: string } | undefined)?.cursor,
    setCursor: (clinicId, cursor) => void putCursor.run(clinicId, cursor)
  };
}
