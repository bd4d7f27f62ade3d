import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { isRole, type Role } from '../../src/lib/domain/roles';
import type { SessionUser } from '../types';

/**
 * Server-side sessions. The browser holds an opaque random token; only its
 * SHA-256 is stored, so a copy of the database cannot be replayed as a
 * cookie. A session ends at its absolute lifetime, after the idle limit with
 * no request, or when revoked (sign-out, admin action).
 */

export interface SessionLimits {
  /** Absolute lifetime (default 12 h): a stolen cookie stops working by the next shift. */
  absoluteMs: number;
  /** Idle limit, sliding with each request (default 30 min). */
  idleMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { absoluteMs: 12 * 60 * 60_000, idleMs: 30 * 60_000 };

/** Touching `last_seen_at` on every request would be a write per request; a coarse step is enough for a 30-min idle limit. */
const TOUCH_STEP_MS = 15_000;

export type SessionCheck =
  | { ok: true; user: SessionUser }
  | { ok: false; reason: 'unknown' }
  /** Ended because its device was reported lost: the caller answers with the wipe signal. */
  | { ok: false; reason: 'device-lost'; userId: string; deviceId: string }
  | { ok: false; reason: 'revoked' | 'expired' | 'idle' | 'disabled'; userId: string };

/** Why a session ended: recorded with it, and reported when the sockets it held are closed. */
export type SessionEndReason = 'logout' | 'everywhere' | 'device-lost' | 'revoked' | 'disabled' | 'password-reset' | 'idle' | 'expired' | 'unknown';

/** A session found ended; `justEnded` when this very check ended it (idle or past its lifetime), so the caller audits the expiry once. */
export interface SessionEnd {
  reason: SessionEndReason;
  userId: string | null;
  justEnded: boolean;
}

interface StatusRow {
  id: string;
  user_id: string;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  end_reason: string | null;
  disabled: number;
}

const END_REASONS: readonly string[] = ['logout', 'everywhere', 'device-lost', 'revoked', 'disabled', 'password-reset', 'idle', 'expired'];

interface SessionRow {
  id: string;
  user_id: string;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  end_reason: string | null;
  device_id: string | null;
  username: string;
  name: string;
  roles: string;
  clinic_id: string;
  disabled: number;
  clinic_name: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionStore {
  /** `deviceId`: the registered device it is opened on (server/devices), if the client named one. */
  create(userId: string, deviceId?: string | null): { token: string; sessionId: string; maxAgeSeconds: number };
  check(token: string): SessionCheck;
  revoke(sessionId: string, reason?: SessionEndReason): void;
  /** Ends every session of a user (password reset, account disabled). Returns how many were open. */
  revokeAllForUser(userId: string, reason?: SessionEndReason): number;
  /** The ids of a user's sessions not yet ended (sign out everywhere closes their sockets at once). */
  openSessionsOf(userId: string): string[];
  /**
   * Which of these sessions have ended, and why, in one query: the sync
   * server asks every few seconds for the sessions behind its open sockets,
   * and before each message a socket sends. Sessions past their idle or
   * absolute limit are ended here, as `check` ends them. Live ones are absent.
   */
  endedAmong(sessionIds: readonly string[]): Map<string, SessionEnd>;
  /** Deletes sessions that ended more than `keepMs` ago (default 30 days); returns how many. */
  prune(keepMs?: number): number;
  /**
   * A user's sessions still open (not revoked, within their idle and
   * absolute limits), newest first: the admin console lists them so one
   * can be ended. Nothing here identifies the token.
   */
  openForUser(userId: string): OpenSession[];
}

/** An open session as an administrator sees it (times in ms since the epoch). */
export interface OpenSession {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** The registered device it was opened on (server/devices); null when the client named none. */
  deviceId: string | null;
}

export function createSessionStore(
  db: Database.Database,
  limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  now: () => number = Date.now
): SessionStore {
  const insert = db.prepare(
    `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, device_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)`
  );
  const find = db.prepare(
    `SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.revoked_at, s.end_reason, s.device_id,
            u.username, u.name, u.roles, u.clinic_id, u.disabled, c.name AS clinic_name
     FROM sessions s JOIN users u ON u.id = s.user_id JOIN clinics c ON c.id = u.clinic_id
     WHERE s.token_hash = ?`
  );
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
  const revokeOne = db.prepare('UPDATE sessions SET revoked_at = ?, end_reason = ? WHERE id = ? AND revoked_at IS NULL');
  const deleteOld = db.prepare('DELETE FROM sessions WHERE expires_at < @cutoff OR revoked_at < @cutoff');
  const openOfUser = db.prepare('SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL');
  const revokeUser = db.prepare('UPDATE sessions SET revoked_at = ?, end_reason = ? WHERE user_id = ? AND revoked_at IS NULL');
  const statusColumns = 'SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.revoked_at, s.end_reason, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id';
  const openOf = db.prepare(
    `SELECT id, created_at, last_seen_at, expires_at, device_id FROM sessions
     WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ? ORDER BY created_at DESC`
  );
  const statusOf = db.prepare(`${statusColumns} WHERE s.id IN (SELECT value FROM json_each(?))`);
  // The check before each socket message asks for one session: a plain key lookup, no JSON.
  const statusOfOne = db.prepare(`${statusColumns} WHERE s.id = ?`);

  /** Ends a session found past its idle or absolute limit; null while it is within both. */
  function endIfTimedOut(row: { id: string; last_seen_at: number; expires_at: number }, t: number): 'expired' | 'idle' | null {
    if (t < row.expires_at && t - row.last_seen_at < limits.idleMs) return null;
    const reason = t >= row.expires_at ? 'expired' : 'idle';
    revokeOne.run(t, reason, row.id);
    return reason;
  }

  return {
    create(userId, deviceId = null) {
      const token = randomBytes(32).toString('base64url');
      const sessionId = randomUUID();
      const t = now();
      insert.run(sessionId, hashToken(token), userId, t, t, t + limits.absoluteMs, deviceId);
      return { token, sessionId, maxAgeSeconds: limits.absoluteMs / 1000 };
    },

    check(token) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'unknown' };
      const row = find.get(hashToken(token)) as SessionRow | undefined;
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.revoked_at !== null) {
        if (row.end_reason === 'device-lost' && row.device_id) return { ok: false, reason: 'device-lost', userId: row.user_id, deviceId: row.device_id };
        return { ok: false, reason: 'revoked', userId: row.user_id };
      }
      const t = now();
      const timedOut = endIfTimedOut(row, t);
      if (timedOut) return { ok: false, reason: timedOut, userId: row.user_id };
      if (row.disabled === 1) return { ok: false, reason: 'disabled', userId: row.user_id };
      if (t - row.last_seen_at >= TOUCH_STEP_MS) touch.run(t, row.id);
      const roles: Role[] = (JSON.parse(row.roles) as unknown[]).filter(isRole);
      return {
        ok: true,
        user: {
          id: row.user_id,
          username: row.username,
          name: row.name,
          roles,
          clinicId: row.clinic_id,
          clinicName: row.clinic_name,
          sessionId: row.id,
          deviceId: row.device_id
        }
      };
    },

    revoke(sessionId, reason = 'logout') {
      revokeOne.run(now(), reason, sessionId);
    },

    revokeAllForUser(userId, reason = 'revoked') {
      return revokeUser.run(now(), reason, userId).changes;
    },

    openSessionsOf(userId) {
      return (openOfUser.all(userId) as { id: string }[]).map((r) => r.id);
    },

    endedAmong(sessionIds) {
      const ended = new Map<string, SessionEnd>();
      if (sessionIds.length === 0) return ended;
      const rows = (sessionIds.length === 1 ? statusOfOne.all(sessionIds[0]) : statusOf.all(JSON.stringify(sessionIds))) as StatusRow[];
      const t = now();
      for (const row of rows) {
        if (row.revoked_at !== null) {
          const reason = (END_REASONS.includes(row.end_reason ?? '') ? row.end_reason : 'revoked') as SessionEndReason;
          ended.set(row.id, { reason, userId: row.user_id, justEnded: false });
          continue;
        }
        const timedOut = endIfTimedOut(row, t);
        if (timedOut) ended.set(row.id, { reason: timedOut, userId: row.user_id, justEnded: true });
        else if (row.disabled === 1) ended.set(row.id, { reason: 'disabled', userId: row.user_id, justEnded: false });
      }
      // A session with no row was pruned long after it ended, or never existed.
      const found = new Set(rows.map((r) => r.id));
      for (const id of sessionIds) if (!found.has(id)) ended.set(id, { reason: 'unknown', userId: null, justEnded: false });
      return ended;
    },

    openForUser(userId) {
      const t = now();
      const rows = openOf.all(userId, t, t - limits.idleMs) as { id: string; created_at: number; last_seen_at: number; expires_at: number; device_id: string | null }[];
      return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, deviceId: r.device_id }));
    },

    prune(keepMs = 30 * 24 * 60 * 60_000) {
      return deleteOld.run({ cutoff: now() - keepMs }).changes;
    }
  };
}
