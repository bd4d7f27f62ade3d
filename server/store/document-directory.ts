import type Database from 'better-sqlite3';
import type { DocRecord } from './doc-store';
import type { PgDocumentStore } from './pg-doc-store';

/**
 * With the documents in PostgreSQL, the platform's own readers that ask
 * which documents exist and which clinic each belongs to (the patient-list
 * rebuild, emergency access, attachments, reporting, bulk export) keep
 * reading SQLite's `documents` table. This keeps that table as a directory
 * of the documents PostgreSQL holds: one row per document, written when
 * the document is first stored and caught up from PostgreSQL at start.
 * Identity only: `last_seq` stays 0 and no update rows are copied (the
 * change cursor and every byte of the documents are PostgreSQL's).
 */
export interface DocumentDirectory {
  add(docs: readonly DocRecord[]): void;
  /** Adds every document PostgreSQL holds that the directory lacks; returns how many. */
  catchUp(store: PgDocumentStore): Promise<number>;
}

const PAGE = 1000;

export function createDocumentDirectory(db: Database.Database): DocumentDirectory {
  const insert = db.prepare<[string, string, string, string, string]>(
    'INSERT OR IGNORE INTO documents (name, clinic_id, kind, patient_id, created_at, last_seq) VALUES (?, ?, ?, ?, ?, 0)'
  );
  const addAll = db.transaction((docs: readonly DocRecord[]) => {
    let added = 0;
    for (const d of docs) added += insert.run(d.name, d.clinicId, d.kind, d.patientId, d.createdAt).changes;
    return added;
  });
  return {
    add(docs) {
      addAll(docs);
    },
    async catchUp(store) {
      let added = 0;
      for (let after = ''; ; ) {
        const page = await store.listDocuments(after, PAGE);
        added += addAll(page);
        if (page.length < PAGE) return added;
        after = page[page.length - 1].name;
      }
    }
  };
}
