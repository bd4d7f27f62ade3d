import type Database from 'better-sqlite3';
import type { Correction } from './prescription-audit';

/**
 * Server corrections decided but not yet written. A correction is stored
 * here before it is applied and removed once it is, so one that could not be
 * written (a failing disk, a shutdown) is written when its chart is next
 * opened instead of being lost. Rows hold entry ids and the server's own
 * refusal text, and the accepted prescription fields to put back: the same
 * data the chart row itself holds.
 */
export class PendingCorrections {
  private readonly insert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly select: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS pending_corrections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        corrections TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS pending_corrections_name ON pending_corrections (name);
    `);
    this.insert = db.prepare('INSERT INTO pending_corrections (name, corrections, created_at) VALUES (?, ?, ?)');
    this.remove = db.prepare('DELETE FROM pending_corrections WHERE id = ?');
    this.select = db.prepare('SELECT id, corrections FROM pending_corrections WHERE name = ? ORDER BY id');
  }

  add(name: string, corrections: readonly Correction[]): number {
    return Number(this.insert.run(name, JSON.stringify(corrections), new Date().toISOString()).lastInsertRowid);
  }

  done(id: number): void {
    this.remove.run(id);
  }

  of(name: string): { id: number; corrections: Correction[] }[] {
    return (this.select.all(name) as { id: number; corrections: string }[]).map((r) => ({ id: r.id, corrections: JSON.parse(r.corrections) as Correction[] }));
  }
}
