import type Database from 'better-sqlite3';
import { dhis2ConfigSchema, type Dhis2Config } from '../../src/lib/domain/reporting/dhis2';
import type { LinkSealer } from '../telehealth/link-seal';

/**
 * A clinic's DHIS2 connection: the mapping and addresses as JSON, and the
 * password or personal access token sealed (AES-256-GCM) under a key kept
 * in its own file beside the database (`reporting-secret-key`), so a copy
 * of the database alone does not give the national system's credentials.
 * The secret leaves this module only to be put in the Authorization header
 * of a send; the browser is told whether one is set, never what it is.
 */
export function migrateDhis2Tables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS dhis2_settings (
      clinic_id TEXT PRIMARY KEY REFERENCES clinics(id),
      config TEXT NOT NULL,
      secret_sealed TEXT,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL
    );
  `);
}

export interface Dhis2SettingsView {
  config: Dhis2Config | null;
  secretSet: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface Dhis2Settings {
  view(clinicId: string): Dhis2SettingsView;
  /** Saves the configuration; a secret of undefined keeps the one stored. */
  save(clinicId: string, config: Dhis2Config, secret: string | undefined, by: string): void;
  /** The configuration and the opened secret, for a send; null secret when none is set or it cannot be opened. */
  forSend(clinicId: string): { config: Dhis2Config; secret: string | null } | null;
}

interface Row {
  config: string;
  secret_sealed: string | null;
  updated_at: string;
  updated_by: string;
}

export function createDhis2Settings(db: Database.Database, sealer: LinkSealer): Dhis2Settings {
  const get = db.prepare<[string], Row>('SELECT config, secret_sealed, updated_at, updated_by FROM dhis2_settings WHERE clinic_id = ?');
  const upsert = db.prepare(
    `INSERT INTO dhis2_settings (clinic_id, config, secret_sealed, updated_at, updated_by) VALUES (@clinicId, @config, @secret, @at, @by)
     ON CONFLICT(clinic_id) DO UPDATE SET config = excluded.config, secret_sealed = coalesce(@secret, dhis2_settings.secret_sealed), updated_at = excluded.updated_at, updated_by = excluded.updated_by`
  );
  // A stored configuration that no longer parses (an older shape) is shown as none rather than trusted.
  const parse = (row: Row | undefined) => {
    if (!row) return null;
    const parsed = dhis2ConfigSchema.safeParse(JSON.parse(row.config));
    return parsed.success ? parsed.data : null;
  };
  return {
    view(clinicId) {
      const row = get.get(clinicId);
      return { config: parse(row), secretSet: !!row?.secret_sealed, updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null };
    },
    save(clinicId, config, secret, by) {
      upsert.run({ clinicId, config: JSON.stringify(config), secret: secret === undefined ? null : sealer.seal(secret), at: new Date().toISOString(), by });
    },
    forSend(clinicId) {
      const row = get.get(clinicId);
      const config = parse(row);
      if (!config) return null;
      return { config, secret: row?.secret_sealed ? sealer.open(row.secret_sealed) : null };
    }
  };
}
