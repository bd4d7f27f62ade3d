import type Database from 'better-sqlite3';
import { z } from 'zod';

/**
 * Settings a clinic changes itself, from the admin console, rather than
 * whoever runs the server: how soon an idle app locks, and how long video
 * join links stay valid. The environment (OUTPOST_IDLE_LOCK_MINUTES, the
 * join-link defaults in telehealth/join-links.ts) gives the default; a value
 * stored here for a clinic overrides it for that clinic only, and clearing
 * it (null) goes back to the default. Read by the code that uses them:
 * `/api/auth/*` hands the idle lock to the app, the telehealth service asks
 * for a link's lifetime when it issues one.
 */

/**
 * Bounds: a day at most for the idle lock (as OUTPOST_IDLE_LOCK_MINUTES);
 * a link's the same as a lifetime asked for in the request (domain/telehealth/join.ts):
 * 5 minutes to 7 days for a patient, to a day for a guest.
 */
export const SETTING_LIMITS = {
  idleLockMinutes: { min: 1, max: 24 * 60 },
  patientLinkMinutes: { min: 5, max: 7 * 24 * 60 },
  guestLinkMinutes: { min: 5, max: 24 * 60 }
} as const;

export type SettingKey = keyof typeof SETTING_LIMITS;
export type ClinicSettingValues = Record<SettingKey, number>;

/** What an administrator sees: the value in force, what the clinic set (null: none), and the server's default. */
export interface ClinicSettingsView {
  effective: ClinicSettingValues;
  overrides: Record<SettingKey, number | null>;
  defaults: ClinicSettingValues;
  updatedAt: string | null;
  updatedBy: string | null;
}

const minutes = (key: SettingKey, label: string) =>
  z
    .number({ error: `${label} must be a number of minutes` })
    .int(`${label} must be a whole number of minutes`)
    .min(SETTING_LIMITS[key].min, `${label} must be at least ${SETTING_LIMITS[key].min} minutes`)
    .max(SETTING_LIMITS[key].max, `${label} must be at most ${SETTING_LIMITS[key].max} minutes`)
    .nullable();

/** A change: each field a number, or null to go back to the server's default; absent fields stay as they are. */
export const settingsPatchSchema = z
  .object({
    idleLockMinutes: minutes('idleLockMinutes', 'Idle lock').optional(),
    patientLinkMinutes: minutes('patientLinkMinutes', 'Patient link lifetime').optional(),
    guestLinkMinutes: minutes('guestLinkMinutes', 'Guest link lifetime').optional()
  })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

const COLUMNS: Record<SettingKey, string> = {
  idleLockMinutes: 'idle_lock_minutes',
  patientLinkMinutes: 'patient_link_minutes',
  guestLinkMinutes: 'guest_link_minutes'
};

interface Row {
  idle_lock_minutes: number | null;
  patient_link_minutes: number | null;
  guest_link_minutes: number | null;
  updated_at: string;
  updated_by: string;
}

export function migrateClinicSettingsTable(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS clinic_settings (
      clinic_id TEXT PRIMARY KEY REFERENCES clinics(id),
      idle_lock_minutes INTEGER,
      patient_link_minutes INTEGER,
      guest_link_minutes INTEGER,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL
    );
  `);
}

export interface ClinicSettingsStore {
  /** The values in force for a clinic (its own, else the defaults). */
  effective(clinicId: string): ClinicSettingValues;
  view(clinicId: string): ClinicSettingsView;
  /** Applies a change; returns the fields whose value in force changed, before and after (for the audit). */
  update(clinicId: string, patch: SettingsPatch, byUserId: string): Partial<Record<SettingKey, { from: number; to: number }>>;
}

export function createClinicSettingsStore(db: Database.Database, defaults: ClinicSettingValues, now: () => Date = () => new Date()): ClinicSettingsStore {
  migrateClinicSettingsTable(db);
  const read = db.prepare('SELECT * FROM clinic_settings WHERE clinic_id = ?');
  const write = db.prepare(
    `INSERT INTO clinic_settings (clinic_id, idle_lock_minutes, patient_link_minutes, guest_link_minutes, updated_at, updated_by)
     VALUES (@clinic_id, @idle_lock_minutes, @patient_link_minutes, @guest_link_minutes, @updated_at, @updated_by)
     ON CONFLICT (clinic_id) DO UPDATE SET idle_lock_minutes = excluded.idle_lock_minutes,
       patient_link_minutes = excluded.patient_link_minutes, guest_link_minutes = excluded.guest_link_minutes,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`
  );
  const keys = Object.keys(COLUMNS) as SettingKey[];

  function overrides(clinicId: string): { values: Record<SettingKey, number | null>; row: Row | undefined } {
    const row = read.get(clinicId) as Row | undefined;
    const values = {} as Record<SettingKey, number | null>;
    for (const k of keys) values[k] = (row?.[COLUMNS[k] as keyof Row] as number | null | undefined) ?? null;
    return { values, row };
  }

  function effectiveOf(values: Record<SettingKey, number | null>): ClinicSettingValues {
    const out = {} as ClinicSettingValues;
    for (const k of keys) out[k] = values[k] ?? defaults[k];
    return out;
  }

  return {
    effective: (clinicId) => effectiveOf(overrides(clinicId).values),
    view(clinicId) {
      const { values, row } = overrides(clinicId);
      return { effective: effectiveOf(values), overrides: values, defaults: { ...defaults }, updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null };
    },
    update(clinicId, patch, byUserId) {
      const before = overrides(clinicId).values;
      const after = { ...before };
      for (const k of keys) if (patch[k] !== undefined) after[k] = patch[k];
      write.run({
        clinic_id: clinicId,
        idle_lock_minutes: after.idleLockMinutes,
        patient_link_minutes: after.patientLinkMinutes,
        guest_link_minutes: after.guestLinkMinutes,
        updated_at: now().toISOString(),
        updated_by: byUserId
      });
      const was = effectiveOf(before);
      const is = effectiveOf(after);
      const changed: Partial<Record<SettingKey, { from: number; to: number }>> = {};
      for (const k of keys) if (was[k] !== is[k]) changed[k] = { from: was[k], to: is[k] };
      return changed;
    }
  };
}
