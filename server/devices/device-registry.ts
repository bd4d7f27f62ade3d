import type { IncomingMessage } from 'node:http';
import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { isDeviceId } from '../../src/lib/domain/device-id';
import { readCookie } from '../auth/cookies';

/**
 * The registry of browser installs that signed in. Each install makes up
 * its own random id (src/lib/services/device-identity.ts), sends it at
 * sign-in and carries it in the `outpost_device` cookie on every request
 * and sync upgrade. The server records which users signed in on it, when
 * it was first and last seen and a short browser/OS summary: never patient
 * data.
 *
 * The id is not a credential: a thief who clears the browser gets a new
 * one. What protects the records is that a device reported lost has every
 * session opened on it ended at once (the session, not the cookie, carries
 * the device server-side), so neither it nor a cookie copied off it can
 * sync or read anything; the id only lets the server tell the device to
 * erase itself when it next calls.
 */

/** Name of the cookie that carries this install's device id (readable by the app, which sets it). */
export const DEVICE_COOKIE = 'outpost_device';

/** The signal a lost device gets on every contact. The app erases everything when it sees the code. */
export class DeviceRevokedError extends AppError {
  constructor(readonly deviceId: string) {
    super('device-revoked', 'This device was reported lost or stolen. It has been signed out and must erase its data.');
  }
}

export interface DeviceRow {
  id: string;
  userAgent: string;
  firstSeenAt: string;
  lastSeenAt: string;
  /** When an administrator reported it lost; null while in use. */
  lostAt: string | null;
  lostBy: string | null;
  wipeSignalledAt: string | null;
  wipeConfirmedAt: string | null;
}

export interface DeviceRegistry {
  /** Records that `userId` signed in on the device (creating it on first sight). */
  register(deviceId: string, userId: string, userAgent: string): void;
  /** Refreshes last-seen (coarsely: at most once a minute per device and user). */
  touch(deviceId: string, userId: string): void;
  find(deviceId: string): DeviceRow | null;
  isLost(deviceId: string): boolean;
  /** The devices a user has signed in on, most recently seen first. */
  listForUser(userId: string): DeviceRow[];
  /** The users who signed in on a device. */
  usersOf(deviceId: string): string[];
  /**
   * True when the user signed in on this device before (and it is not lost):
   * the second-factor check can skip a device already verified.
   */
  knows(deviceId: string, userId: string): boolean;
  /**
   * Marks the device lost and ends every session opened on it, in one
   * transaction. Returns the ended session ids (so a running server closes
   * their sockets at once), or null when there is no such device.
   */
  markLost(deviceId: string, by: string): { endedSessions: string[]; alreadyLost: boolean } | null;
  /** Notes a wipe signal sent; true when it is the first in a minute for this device (the caller audits it then). */
  noteWipeSignal(deviceId: string): boolean;
  /** Notes that a lost device said it is erasing itself; false when the device is not lost (nothing noted). */
  noteWipeConfirmed(deviceId: string): boolean;
}

const TOUCH_STEP_MS = 60_000;
const SIGNAL_AUDIT_STEP_MS = 60_000;

interface Row {
  id: string;
  user_agent: string;
  first_seen_at: number;
  last_seen_at: number;
  lost_at: number | null;
  lost_by: string | null;
  wipe_signalled_at: number | null;
  wipe_confirmed_at: number | null;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function toDevice(r: Row): DeviceRow {
  return {
    id: r.id,
    userAgent: r.user_agent,
    firstSeenAt: new Date(r.first_seen_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
    lostAt: iso(r.lost_at),
    lostBy: r.lost_by,
    wipeSignalledAt: iso(r.wipe_signalled_at),
    wipeConfirmedAt: iso(r.wipe_confirmed_at)
  };
}

export function createDeviceRegistry(db: Database.Database, now: () => number = Date.now): DeviceRegistry {
  const upsertDevice = db.prepare(
    `INSERT INTO devices (id, user_agent, first_seen_at, last_seen_at) VALUES (@id, @ua, @t, @t)
     ON CONFLICT(id) DO UPDATE SET last_seen_at = @t, user_agent = @ua`
  );
  const upsertUser = db.prepare(
    `INSERT INTO device_users (device_id, user_id, first_seen_at, last_seen_at) VALUES (@id, @user, @t, @t)
     ON CONFLICT(device_id, user_id) DO UPDATE SET last_seen_at = @t`
  );
  const touchDevice = db.prepare('UPDATE devices SET last_seen_at = @t WHERE id = @id AND last_seen_at < @before');
  const touchUser = db.prepare('UPDATE device_users SET last_seen_at = @t WHERE device_id = @id AND user_id = @user AND last_seen_at < @before');
  const findOne = db.prepare('SELECT * FROM devices WHERE id = ?');
  const lostOne = db.prepare('SELECT lost_at FROM devices WHERE id = ?');
  const ofUser = db.prepare(
    `SELECT d.* FROM devices d JOIN device_users du ON du.device_id = d.id WHERE du.user_id = ? ORDER BY du.last_seen_at DESC`
  );
  const knownPair = db.prepare('SELECT 1 FROM device_users du JOIN devices d ON d.id = du.device_id WHERE du.device_id = ? AND du.user_id = ? AND d.lost_at IS NULL');
  const usersOfDevice = db.prepare('SELECT user_id FROM device_users WHERE device_id = ? ORDER BY first_seen_at');
  const setLost = db.prepare('UPDATE devices SET lost_at = ?, lost_by = ? WHERE id = ? AND lost_at IS NULL');
  const openSessions = db.prepare('SELECT id FROM sessions WHERE device_id = ? AND revoked_at IS NULL');
  const endSessions = db.prepare(`UPDATE sessions SET revoked_at = ?, end_reason = 'device-lost' WHERE device_id = ? AND revoked_at IS NULL`);
  const setSignalled = db.prepare('UPDATE devices SET wipe_signalled_at = ? WHERE id = ?');
  const setConfirmed = db.prepare('UPDATE devices SET wipe_confirmed_at = ? WHERE id = ? AND lost_at IS NOT NULL');

  const markLost = db.transaction((deviceId: string, by: string) => {
    if (!findOne.get(deviceId)) return null;
    const t = now();
    const alreadyLost = setLost.run(t, by.slice(0, 100), deviceId).changes === 0;
    const ended = (openSessions.all(deviceId) as { id: string }[]).map((r) => r.id);
    endSessions.run(t, deviceId);
    return { endedSessions: ended, alreadyLost };
  });

  return {
    register(deviceId, userId, userAgent) {
      const t = now();
      upsertDevice.run({ id: deviceId, ua: userAgent, t });
      upsertUser.run({ id: deviceId, user: userId, t });
    },
    touch(deviceId, userId) {
      const t = now();
      touchDevice.run({ id: deviceId, t, before: t - TOUCH_STEP_MS });
      touchUser.run({ id: deviceId, user: userId, t, before: t - TOUCH_STEP_MS });
    },
    find(deviceId) {
      const r = findOne.get(deviceId) as Row | undefined;
      return r ? toDevice(r) : null;
    },
    isLost(deviceId) {
      const r = lostOne.get(deviceId) as { lost_at: number | null } | undefined;
      return r !== undefined && r.lost_at !== null;
    },
    listForUser(userId) {
      return (ofUser.all(userId) as Row[]).map(toDevice);
    },
    usersOf(deviceId) {
      return (usersOfDevice.all(deviceId) as { user_id: string }[]).map((r) => r.user_id);
    },
    knows(deviceId, userId) {
      return knownPair.get(deviceId, userId) !== undefined;
    },
    markLost,
    noteWipeSignal(deviceId) {
      const r = findOne.get(deviceId) as Row | undefined;
      if (!r) return false;
      const t = now();
      const first = r.wipe_signalled_at === null || t - r.wipe_signalled_at >= SIGNAL_AUDIT_STEP_MS;
      if (first) setSignalled.run(t, deviceId);
      return first;
    },
    noteWipeConfirmed(deviceId) {
      return setConfirmed.run(now(), deviceId).changes > 0;
    }
  };
}

/** The device id a request names in its cookie; null when absent or malformed. */
export function deviceIdOf(req: IncomingMessage): string | null {
  const raw = readCookie(req, DEVICE_COOKIE);
  return raw !== null && isDeviceId(raw) ? raw.toLowerCase() : null;
}

/**
 * A short "Chrome 131 on Android" from a User-Agent header, so an
 * administrator can tell a user's devices apart. Nothing else of the header
 * is kept.
 */
export function summariseUserAgent(ua: string | undefined): string {
  if (!ua) return 'Unknown browser';
  const browser =
    match(ua, /Edg\/(\d+)/, 'Edge') ??
    match(ua, /(?:OPR|Opera)\/(\d+)/, 'Opera') ??
    match(ua, /Firefox\/(\d+)/, 'Firefox') ??
    match(ua, /SamsungBrowser\/(\d+)/, 'Samsung Internet') ??
    match(ua, /(?:HeadlessChrome|Chrome|Chromium|CriOS)\/(\d+)/, 'Chrome') ??
    match(ua, /Version\/(\d+).*Safari\//, 'Safari') ??
    'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad|iPod/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : null;
  return os ? `${browser} on ${os}` : browser;
}

function match(ua: string, re: RegExp, name: string): string | null {
  const m = re.exec(ua);
  return m ? `${name} ${m[1]}` : null;
}
