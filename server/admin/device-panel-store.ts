import type Database from 'better-sqlite3';
import { DEFAULT_DEVICE_PANEL, readDevicePanel, type DevicePanelSetting } from '../../src/lib/domain/device-panel';

/**
 * What a clinic's staff devices keep (src/lib/domain/device-panel.ts),
 * stored per clinic in `clinic_device_panel` (migration
 * 008-panel-device-panel). The admin console sets it; `/api/auth/*` hands it
 * to the app with the clinic's other settings. No row: every patient.
 */

interface Row {
  mode: string;
  seen_months: number | null;
  scheduled_days: number | null;
  opened_days: number | null;
  updated_at: string;
  updated_by: string;
}

export interface DevicePanelView {
  setting: DevicePanelSetting;
  updatedAt: string | null;
  updatedBy: string | null;
}

function toSetting(row: Row | undefined): DevicePanelSetting {
  if (!row) return DEFAULT_DEVICE_PANEL;
  if (row.mode !== 'panel') return DEFAULT_DEVICE_PANEL;
  return readDevicePanel({ mode: 'panel', seenMonths: row.seen_months, scheduledDays: row.scheduled_days, openedDays: row.opened_days });
}

export function devicePanelView(db: Database.Database, clinicId: string): DevicePanelView {
  const row = db.prepare('SELECT mode, seen_months, scheduled_days, opened_days, updated_at, updated_by FROM clinic_device_panel WHERE clinic_id = ?').get(clinicId) as Row | undefined;
  return { setting: toSetting(row), updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null };
}

/** The setting in force for a clinic (for the app, with the user's session). */
export function devicePanelOf(db: Database.Database, clinicId: string): DevicePanelSetting {
  return devicePanelView(db, clinicId).setting;
}

/** Stores the setting; returns the one it replaced (for the audit). */
export function setDevicePanel(db: Database.Database, clinicId: string, setting: DevicePanelSetting, byUserId: string, now = new Date()): DevicePanelSetting {
  const before = devicePanelOf(db, clinicId);
  const p = setting.mode === 'panel' ? setting : null;
  db.prepare(
    `INSERT INTO clinic_device_panel (clinic_id, mode, seen_months, scheduled_days, opened_days, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (clinic_id) DO UPDATE SET mode = excluded.mode, seen_months = excluded.seen_months, scheduled_days = excluded.scheduled_days,
       opened_days = excluded.opened_days, updated_at = excluded.updated_at, updated_by = excluded.updated_by`
  ).run(clinicId, setting.mode, p?.seenMonths ?? null, p?.scheduledDays ?? null, p?.openedDays ?? null, now.toISOString(), byUserId);
  return before;
}
