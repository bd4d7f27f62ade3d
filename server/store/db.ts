import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * The embedded store: one SQLite file per installation. WAL lets the patient
 * list be read while sync writes; foreign keys keep users tied to clinics;
 * busy_timeout lets the admin CLI write while the server runs instead of
 * failing with SQLITE_BUSY.
 *
 * `synchronous = FULL`: every commit fsyncs the WAL before it returns, so a
 * write the server acknowledged survives a power cut, not only a process
 * crash (NORMAL only syncs at WAL checkpoints, and a clinic that loses power
 * loses the last commits). Rural clinics lose power. Sync commits in groups,
 * so it is one fsync per group; the cost is measured beside NORMAL in
 * `npm run bench -- sync` (see README).
 */
export const DB_FILE = 'outpost.sqlite';

export type SynchronousMode = 'FULL' | 'NORMAL';
export const SYNCHRONOUS: SynchronousMode = 'FULL';

export function openDatabase(dataDir: string): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DB_FILE));
  applyPragmas(db);
  return db;
}

/** The store's pragmas on an open connection (the bench passes the synchronous mode it compares). */
export function applyPragmas(db: Database.Database, synchronous: SynchronousMode = SYNCHRONOUS): void {
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma(`synchronous = ${synchronous}`);
}

interface Migration {
  id: string;
  sql: string;
}

/**
 * Platform tables (clinics, users, sessions, audit log, patient list). Each
 * migration runs once, in order, recorded in `platform_migrations`; the sync
 * tables are migrated by the doc store itself.
 */
const MIGRATIONS: Migration[] = [
  {
    id: '001-clinics-users-sessions',
    sql: `
      CREATE TABLE clinics (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        demo INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL REFERENCES clinics(id),
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL,
        roles TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      CREATE INDEX users_clinic ON users(clinic_id);
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX sessions_user ON sessions(user_id);
    `
  },
  {
    id: '002-audit-log',
    sql: `
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        user_id TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        target TEXT,
        detail TEXT NOT NULL,
        ip TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `
  },
  {
    id: '003-patients-projection',
    sql: `
      CREATE TABLE patients (
        id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL,
        family TEXT NOT NULL,
        given TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        gender TEXT NOT NULL,
        mrn TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX patients_clinic_updated ON patients(clinic_id, updated_at);
    `
  },
  {
    // The audit log's identity: its checkpoints outside the database are
    // filed under it, so several databases can share one checkpoint folder
    // and a log can never be checked against another log's checkpoints.
    id: '004-audit-log-id',
    sql: `
      CREATE TABLE audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO audit_meta (key, value) VALUES ('log_id', lower(hex(randomblob(16))));
    `
  },
  {
    // Why a session ended (sign-out, revoked, expired…), so the sockets it closes are audited with the cause.
    id: '004-session-end-reason',
    sql: `ALTER TABLE sessions ADD COLUMN end_reason TEXT;`
  },
  {
    // Second factor (TOTP, RFC 6238): one authenticator per user, its recovery codes (hashed, each used once),
    // sign-ins waiting for their second step, and which roles each clinic requires it of (ONC 170.315(d)(13)).
    id: '005-second-factor',
    sql: `
      ALTER TABLE clinics ADD COLUMN second_factor_roles TEXT NOT NULL DEFAULT '["clinician","admin"]';
      CREATE TABLE second_factors (
        user_id TEXT PRIMARY KEY REFERENCES users(id),
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        confirmed_at TEXT,
        last_step INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE recovery_codes (
        user_id TEXT NOT NULL REFERENCES users(id),
        code_hash TEXT NOT NULL,
        used_at TEXT,
        PRIMARY KEY (user_id, code_hash)
      );
      CREATE TABLE pending_logins (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        purpose TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0
      );
    `
  },
  {
    // Browser installs that signed in (server/devices/device-registry.ts): a
    // device reported lost gets no session and is told to erase itself.
    id: '006-device-registry',
    sql: `
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        user_agent TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        lost_at INTEGER,
        lost_by TEXT,
        wipe_signalled_at INTEGER,
        wipe_confirmed_at INTEGER
      );
      CREATE TABLE device_users (
        device_id TEXT NOT NULL REFERENCES devices(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        first_seen_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        PRIMARY KEY (device_id, user_id)
      );
      CREATE INDEX device_users_user ON device_users(user_id);
      ALTER TABLE sessions ADD COLUMN device_id TEXT;
      CREATE INDEX sessions_device ON sessions(device_id);
      -- A sign-in waiting for its second step remembers its device: the session it becomes is tied to it.
      ALTER TABLE pending_logins ADD COLUMN device_id TEXT;
      ALTER TABLE pending_logins ADD COLUMN device_user_agent TEXT;
    `
  },
  {
    // Passkeys (WebAuthn) the server checks (auth/passkey-store.ts): each credential's public key and signature
    // counter, and each ceremony's challenge, kept until used once or expired.
    id: '007-passkey2fa-webauthn',
    sql: `
      CREATE TABLE passkeys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        public_key BLOB NOT NULL,
        counter INTEGER NOT NULL DEFAULT 0,
        transports TEXT NOT NULL DEFAULT '[]',
        backed_up INTEGER NOT NULL DEFAULT 0,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE INDEX passkeys_user ON passkeys(user_id);
      CREATE TABLE passkey_challenges (
        challenge TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        user_id TEXT REFERENCES users(id),
        pending_hash TEXT,
        expires_at INTEGER NOT NULL
      );
    `
  },
  {
    // When a clinic releases results to the patient's own record (src/lib/domain/result-release.ts); no row: immediately.
    id: '007-admin2-result-release',
    sql: `
      CREATE TABLE clinic_result_release (
        clinic_id TEXT PRIMARY KEY REFERENCES clinics(id),
        mode TEXT NOT NULL,
        days INTEGER,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      );
    `
  },
  {
    // Patient accounts (server/portal/): invitations the clinic issues (only the
    // secret's SHA-256 is kept) and which patient records each account may read,
    // as the patient or as a proxy (parent, guardian, carer); revocable.
    id: '007-portal-accounts',
    sql: `
      CREATE TABLE portal_invitations (
        id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL REFERENCES clinics(id),
        patient_id TEXT NOT NULL,
        relation TEXT NOT NULL,
        proxy_kind TEXT,
        proxy_name TEXT,
        token_hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        used_at INTEGER,
        used_by TEXT,
        revoked_at INTEGER,
        revoked_by TEXT
      );
      CREATE INDEX portal_invitations_patient ON portal_invitations(clinic_id, patient_id);
      CREATE TABLE portal_access (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        clinic_id TEXT NOT NULL REFERENCES clinics(id),
        patient_id TEXT NOT NULL,
        relation TEXT NOT NULL,
        proxy_kind TEXT,
        proxy_name TEXT,
        invitation_id TEXT NOT NULL REFERENCES portal_invitations(id),
        granted_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revoked_by TEXT,
        last_viewed_at INTEGER,
        previous_viewed_at INTEGER
      );
      CREATE INDEX portal_access_user ON portal_access(user_id);
      CREATE INDEX portal_access_patient ON portal_access(clinic_id, patient_id);
    `
  },
  {
    // Quality measure facts per patient (server/measures/measure-service.ts):
    // codes, dates and values the measures read, no names; rebuilt from the
    // documents when the reader's version changes. The cursor is the sync
    // store's change cursor the facts are up to date with.
    id: '007-measures-facts-cache',
    sql: `
      CREATE TABLE measure_facts (
        clinic_id TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        facts TEXT NOT NULL,
        PRIMARY KEY (clinic_id, patient_id)
      );
      CREATE TABLE measure_facts_cursor (
        clinic_id TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        cursor TEXT NOT NULL
      );
    `
  },
  {
    // Clinic boxes (server/replication/). On a hub: one-time enrolment codes
    // (only their SHA-256 kept), the enrolled edges with their public keys,
    // request nonces seen (replay), each edge's audit chain as received, and
    // the sneakernet bundles already imported. On an edge: its link to the
    // hub (the hub's public keys) and the replication cursors.
    id: '008-edge-replication',
    sql: `
      CREATE TABLE edge_enrolment_codes (
        code_hash TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL REFERENCES clinics(id),
        name TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        edge_id TEXT
      );
      CREATE TABLE edges (
        id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL REFERENCES clinics(id),
        name TEXT NOT NULL,
        sign_key TEXT NOT NULL,
        box_key TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        last_seen_at INTEGER,
        revoked_at INTEGER,
        revoked_by TEXT
      );
      CREATE TABLE edge_nonces (
        edge_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (edge_id, nonce)
      );
      CREATE TABLE edge_audit (
        origin TEXT NOT NULL,
        log_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts TEXT NOT NULL,
        user_id TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        target TEXT,
        detail TEXT NOT NULL,
        ip TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (origin, seq)
      );
      CREATE TRIGGER edge_audit_no_update BEFORE UPDATE ON edge_audit
        BEGIN SELECT RAISE(ABORT, 'edge_audit is append-only'); END;
      CREATE TRIGGER edge_audit_no_delete BEFORE DELETE ON edge_audit
        BEGIN SELECT RAISE(ABORT, 'edge_audit is append-only'); END;
      CREATE TABLE edge_bundles (
        id TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        imported_at INTEGER NOT NULL
      );
      CREATE TABLE edge_link (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        edge_id TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        hub_url TEXT NOT NULL,
        hub_sign_key TEXT NOT NULL,
        hub_box_key TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL
      );
      CREATE TABLE edge_cursors (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `
  },
  {
    // Patients booking their own appointments (server/portal/booking-routes.ts): which
    // appointment types each clinic opens to it and how far ahead (no row: none open),
    // and the portal's booking requests by their client-made id, so a request sent
    // twice is answered the same way and kept once.
    id: '008-booking-self-booking',
    sql: `
      CREATE TABLE clinic_self_booking (
        clinic_id TEXT PRIMARY KEY REFERENCES clinics(id),
        type_ids TEXT NOT NULL,
        min_notice_hours INTEGER NOT NULL,
        max_days_ahead INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      );
      CREATE TABLE portal_booking_requests (
        id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        appointment_id TEXT NOT NULL,
        answer TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `
  },
  {
    // What each staff device keeps (src/lib/domain/device-panel.ts): every patient
    // (no row) or the clinic's panel, with its windows; the admin console sets it.
    id: '008-panel-device-panel',
    sql: `
      CREATE TABLE clinic_device_panel (
        clinic_id TEXT PRIMARY KEY REFERENCES clinics(id),
        mode TEXT NOT NULL,
        seen_months INTEGER,
        scheduled_days INTEGER,
        opened_days INTEGER,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      );
    `
  },
  {
    // Replicated updates the receiving side refused (server/replication/replication-quarantine.ts):
    // the latest one per sender and document, kept whole with the rules it broke, until an
    // update for that document from that sender is taken.
    id: '009-replication-quarantine',
    sql: `
      CREATE TABLE replication_quarantine (
        origin TEXT NOT NULL,
        doc_name TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        via TEXT NOT NULL,
        code TEXT NOT NULL,
        rules TEXT NOT NULL,
        reason TEXT NOT NULL,
        update_bytes BLOB NOT NULL,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        times INTEGER NOT NULL,
        PRIMARY KEY (origin, doc_name)
      );
    `
  }
];

export function migratePlatformTables(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS platform_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT id FROM platform_migrations').all() as { id: string }[]).map((r) => r.id)
  );
  const record = db.prepare('INSERT INTO platform_migrations (id, applied_at) VALUES (?, ?)');
  for (const m of MIGRATIONS) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, new Date().toISOString());
    })();
  }
}
