import type Database from 'better-sqlite3';

/**
 * Attachment bytes on the clinic server, in the platform's SQLite file (one
 * file to back up, and the bytes commit atomically with their row). Each
 * row is bound to the clinic and the patient of the chart it was uploaded
 * for; it is written once and never changed.
 */
export function migrateAttachmentTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS attachments (
      id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      content_type TEXT NOT NULL,
      size INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      data BLOB NOT NULL,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS attachments_patient ON attachments (clinic_id, patient_id);
  `);
}

export interface StoredAttachment {
  id: string;
  clinicId: string;
  patientId: string;
  contentType: string;
  size: number;
  sha256: string;
  createdBy: string;
  createdAt: string;
}

export interface AttachmentStore {
  /** The row without its bytes, or null. */
  find(id: string): StoredAttachment | null;
  /** The bytes of a row. */
  bytes(id: string): Buffer | null;
  /** Inserts a new row; false when the id already exists (the caller compares). */
  insert(row: StoredAttachment, data: Buffer): boolean;
  /** Which clinic a document belongs to, or null when the server has never stored it. */
  clinicOfDoc(name: string): string | null;
}

interface Row {
  id: string;
  clinic_id: string;
  patient_id: string;
  content_type: string;
  size: number;
  sha256: string;
  created_by: string;
  created_at: string;
}

export function createAttachmentStore(db: Database.Database): AttachmentStore {
  const findStmt = db.prepare<[string], Row>(
    'SELECT id, clinic_id, patient_id, content_type, size, sha256, created_by, created_at FROM attachments WHERE id = ?'
  );
  const bytesStmt = db.prepare<[string], { data: Buffer }>('SELECT data FROM attachments WHERE id = ?');
  const insertStmt = db.prepare(
    `INSERT OR IGNORE INTO attachments (id, clinic_id, patient_id, content_type, size, sha256, data, created_by, created_at)
     VALUES (@id, @clinicId, @patientId, @contentType, @size, @sha256, @data, @createdBy, @createdAt)`
  );
  const docStmt = db.prepare<[string], { clinic_id: string }>('SELECT clinic_id FROM documents WHERE name = ?');
  return {
    find(id) {
      const r = findStmt.get(id);
      return r
        ? {
            id: r.id,
            clinicId: r.clinic_id,
            patientId: r.patient_id,
            contentType: r.content_type,
            size: r.size,
            sha256: r.sha256,
            createdBy: r.created_by,
            createdAt: r.created_at
          }
        : null;
    },
    bytes(id) {
      return bytesStmt.get(id)?.data ?? null;
    },
    insert(row, data) {
      return insertStmt.run({ ...row, data }).changes === 1;
    },
    clinicOfDoc(name) {
      return docStmt.get(name)?.clinic_id ?? null;
    }
  };
}
