import type Database from 'better-sqlite3';
import { z } from 'zod';
import { docAccess, parseDocName } from '../../src/lib/domain/doc-names';
import type { Audit, SessionUser } from '../types';

/**
 * Reads and prints made on a device, uploaded at its next sync (ONC
 * 170.315(d)(10): actions are audited even when the server was not reached
 * at the time). The device is not trusted: each event must be the uploading
 * user's own, about a patient of their clinic whose record their role may
 * open, dated plausibly, and each event id counts once (a device that
 * retries after a lost answer sends the same ids again). Accepted events
 * are appended to the audit log with the time the device recorded them; the
 * entry's own time is when the server received them.
 */

/** Most events in one upload; a device with more sends several. */
export const MAX_EVENTS_PER_UPLOAD = 100;
/** Body limit of an upload: 100 events of ~300 bytes each, with room. */
export const MAX_UPLOAD_BYTES = 64 * 1024;
/** How far ahead of the server's clock a device's clock may run. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** Oldest event accepted: a device offline longer than this has to be looked at by hand. */
export const MAX_EVENT_AGE_MS = 90 * 24 * 3600_000;
/** Uploads per user per minute. */
export const UPLOADS_PER_MINUTE = 30;

export const DEVICE_EVENT_ACTIONS = ['record.view', 'record.print'] as const;

const eventSchema = z
  .object({
    id: z.string().uuid(),
    action: z.enum(DEVICE_EVENT_ACTIONS),
    target: z.string().max(60),
    at: z.string().max(40),
    userId: z.string().max(60),
    offline: z.boolean(),
    /** What was printed or viewed, as a fixed word (never content). */
    what: z.enum(['chart', 'demographics', 'prescription', 'visit-summary', 'record', 'receipt']).optional()
  })
  .strict();
export type DeviceEvent = z.infer<typeof eventSchema>;

export const uploadSchema = z
  .object({ events: z.array(eventSchema).min(1).max(MAX_EVENTS_PER_UPLOAD) })
  .strict();

export type RefusalReason = 'not-your-event' | 'not-your-patient' | 'not-allowed-by-role' | 'bad-time' | 'bad-target';

export interface UploadResult {
  accepted: number;
  duplicates: number;
  refused: { id: string; reason: RefusalReason }[];
}

export function migrateOfflineEventTables(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS audit_device_events (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    received_at TEXT NOT NULL
  )`);
}

export interface OfflineEventIntake {
  accept(user: SessionUser, events: readonly DeviceEvent[], ip: string): UploadResult;
  /** True when this user may upload now (counts the attempt). */
  allowUpload(userId: string): boolean;
}

export function createOfflineEventIntake(deps: {
  db: Database.Database;
  audit: Audit;
  patientInClinic: (clinicId: string, patientId: string) => boolean;
  now?: () => number;
}): OfflineEventIntake {
  const now = deps.now ?? Date.now;
  const seen = deps.db.prepare('SELECT 1 FROM audit_device_events WHERE event_id = ?');
  const remember = deps.db.prepare('INSERT INTO audit_device_events (event_id, user_id, received_at) VALUES (?, ?, ?)');
  const uploads = new Map<string, number[]>();

  function check(user: SessionUser, e: DeviceEvent): RefusalReason | null {
    if (e.userId !== user.id) return 'not-your-event';
    const parsed = parseDocName(e.target);
    if (!parsed || (parsed.kind !== 'patient' && parsed.kind !== 'chart')) return 'bad-target';
    if (docAccess(user.roles, parsed.kind) === 'none') return 'not-allowed-by-role';
    if (!deps.patientInClinic(user.clinicId, parsed.patientId)) return 'not-your-patient';
    const t = Date.parse(e.at);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(e.at) || Number.isNaN(t) || t > now() + CLOCK_SKEW_MS || t < now() - MAX_EVENT_AGE_MS) return 'bad-time';
    return null;
  }

  const acceptAll = deps.db.transaction((user: SessionUser, events: readonly DeviceEvent[], ip: string): UploadResult => {
    const result: UploadResult = { accepted: 0, duplicates: 0, refused: [] };
    const receivedAt = new Date(now()).toISOString();
    for (const e of events) {
      const reason = check(user, e);
      if (reason) {
        result.refused.push({ id: e.id, reason });
        continue;
      }
      if (seen.get(e.id)) {
        result.duplicates++;
        continue;
      }
      remember.run(e.id, user.id, receivedAt);
      deps.audit.record({
        action: e.action,
        outcome: 'success',
        userId: user.id,
        target: e.target,
        ip,
        detail: { eventId: e.id, offline: e.offline, recordedAt: new Date(Date.parse(e.at)).toISOString(), receivedAt, via: 'device', ...(e.what ? { what: e.what } : {}) }
      });
      result.accepted++;
    }
    deps.audit.record({
      action: 'audit.upload',
      outcome: result.refused.length ? 'failure' : 'success',
      userId: user.id,
      target: null,
      ip,
      detail: {
        events: events.length,
        accepted: result.accepted,
        duplicates: result.duplicates,
        refused: result.refused.length,
        ...(result.refused.length ? { reasons: [...new Set(result.refused.map((r) => r.reason))].sort() } : {})
      }
    });
    return result;
  });

  return {
    accept(user, events, ip) {
      try {
        return acceptAll(user, events, ip);
      } catch (err) {
        deps.audit.resync?.();
        throw err;
      }
    },
    allowUpload(userId) {
      const t = now();
      const recent = (uploads.get(userId) ?? []).filter((x) => x > t - 60_000);
      if (recent.length >= UPLOADS_PER_MINUTE) {
        uploads.set(userId, recent);
        return false;
      }
      recent.push(t);
      uploads.set(userId, recent);
      return true;
    }
  };
}
