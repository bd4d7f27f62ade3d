import type Database from 'better-sqlite3';
import type { RunningLate } from '../../src/lib/domain/telehealth/running-late';

/**
 * The clinician's current "running late" notice for each visit: one row
 * per visit, replaced by the next notice, removed when withdrawn. Only the
 * minutes are kept; the words are built from them on the patient's screen.
 */
export function createRunningLateStore(db: Database.Database, now: () => number) {
  const upsert = db.prepare(
    `INSERT INTO telehealth_running_late (visit_id, minutes, sent_by, sent_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(visit_id) DO UPDATE SET minutes = excluded.minutes, sent_by = excluded.sent_by, sent_at = excluded.sent_at`
  );
  const remove = db.prepare('DELETE FROM telehealth_running_late WHERE visit_id = ?');
  const byVisit = db.prepare('SELECT minutes, sent_at FROM telehealth_running_late WHERE visit_id = ?');

  return {
    set(visitId: string, minutes: number, userId: string): RunningLate {
      const sentAt = new Date(now()).toISOString();
      upsert.run(visitId, minutes, userId, sentAt);
      return { minutes, sentAt };
    },
    clear: (visitId: string): boolean => remove.run(visitId).changes > 0,
    get(visitId: string): RunningLate | null {
      const row = byVisit.get(visitId) as { minutes: number; sent_at: string } | undefined;
      return row ? { minutes: row.minutes, sentAt: row.sent_at } : null;
    }
  };
}
export type RunningLateStore = ReturnType<typeof createRunningLateStore>;
