import type Database from 'better-sqlite3';

/**
 * Telehealth state in the platform's SQLite file. Idempotent (CREATE … IF
 * NOT EXISTS), so it can run at every start and from tests.
 *
 * - telehealth_visits: one row per video visit (the appointment's id), with
 *   the opaque room name and the status derived from video events.
 * - telehealth_join_links: the SHA-256 of each link's secret, the secret
 *   sealed under a key kept outside the database (link-seal.ts), and the
 *   language the join page opens in (columns added later: older files get them).
 * - telehealth_waiting: who is in the waiting room (ticket hashed too).
 * - telehealth_participants: opaque identities minted at admit, so webhooks
 *   can be attributed (a clinician's identity maps to their user id).
 * - telehealth_webhook_events: every distinct video event, keyed by its id
 *   (duplicates are dropped) and kept to re-derive status in time order.
 * - telehealth_running_late: the clinician's current "running late" notice
 *   per visit (minutes only, never free text).
 */
export function migrateTelehealthTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS telehealth_visits (
      visit_id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      room_name TEXT NOT NULL UNIQUE,
      status TEXT NOT NULL DEFAULT 'waiting',
      started_at TEXT,
      ended_at TEXT,
      duration_seconds INTEGER NOT NULL DEFAULT 0,
      closed_at TEXT,
      closed_by TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS telehealth_join_links (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL UNIQUE,
      visit_id TEXT NOT NULL REFERENCES telehealth_visits(visit_id),
      scope TEXT NOT NULL CHECK (scope IN ('patient', 'guest')),
      guest_kind TEXT,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      revoked_at TEXT,
      revoked_reason TEXT,
      failed_attempts INTEGER NOT NULL DEFAULT 0,
      language TEXT
    );
    CREATE INDEX IF NOT EXISTS telehealth_join_links_visit ON telehealth_join_links(visit_id);
    CREATE TABLE IF NOT EXISTS telehealth_waiting (
      id TEXT PRIMARY KEY,
      ticket_hash TEXT NOT NULL UNIQUE,
      link_id TEXT NOT NULL REFERENCES telehealth_join_links(id),
      visit_id TEXT NOT NULL REFERENCES telehealth_visits(visit_id),
      role TEXT NOT NULL CHECK (role IN ('patient', 'guest')),
      entered_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      admitted_at TEXT,
      admitted_by TEXT,
      token_delivered_at TEXT,
      left_at TEXT
    );
    CREATE INDEX IF NOT EXISTS telehealth_waiting_visit ON telehealth_waiting(visit_id);
    CREATE TABLE IF NOT EXISTS telehealth_participants (
      identity TEXT PRIMARY KEY,
      visit_id TEXT NOT NULL REFERENCES telehealth_visits(visit_id),
      role TEXT NOT NULL,
      user_id TEXT,
      minted_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS telehealth_webhook_events (
      event_id TEXT PRIMARY KEY,
      visit_id TEXT NOT NULL REFERENCES telehealth_visits(visit_id),
      kind TEXT NOT NULL,
      at_ms INTEGER NOT NULL,
      identity TEXT,
      received_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS telehealth_webhook_events_visit ON telehealth_webhook_events(visit_id);
    CREATE TABLE IF NOT EXISTS telehealth_running_late (
      visit_id TEXT PRIMARY KEY REFERENCES telehealth_visits(visit_id),
      minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 120),
      sent_by TEXT NOT NULL,
      sent_at TEXT NOT NULL
    );
  `);
  const linkColumns = db.prepare('PRAGMA table_info(telehealth_join_links)').all() as { name: string }[];
  if (!linkColumns.some((c) => c.name === 'language')) db.exec('ALTER TABLE telehealth_join_links ADD COLUMN language TEXT');
  if (!linkColumns.some((c) => c.name === 'token_sealed')) db.exec('ALTER TABLE telehealth_join_links ADD COLUMN token_sealed TEXT');
}
