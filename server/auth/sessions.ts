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
  | { ok: false; reason: 'revoked' | 'expired' | 'idle' | 'disabled'; userId: string };

interface SessionRow {
  id: string;
  user_id: string;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
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
  create(userId: string): { token: string; sessionId: string; maxAgeSeconds: number };
  check(token: string): SessionCheck;
  revoke(sessionId: string): void;
  /** Ends every session of a user (password reset, account disabled). Returns how many were open. */
  revokeAllForUser(userId: string): number;
  /** Deletes sessions that ended more than `keepMs` ago (default 30 days); returns how many. */
  prune(keepMs?: number): number;
}

export function createSessionStore(
  db: Database.Database,
  limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  now: () => number = Date.now
): SessionStore {
  const insert = db.prepare(
    `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`
  );
  const find = db.prepare(
    `SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.revoked_at,
            u.username, u.name, u.roles, u.clinic_id, u.disabled, c.name AS clinic_name
     FROM sessions s JOIN users u ON u.id = s.user_id JOIN clinics c ON c.id = u.clinic_id
     WHERE s.token_hash = ?`
  );
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
  const revokeOne = db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const deleteOld = db.prepare('DELETE FROM sessions WHERE expires_at < @cutoff OR revoked_at < @cutoff');
  const revokeUser = db.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL');

  return {
    create(userId) {
      const token = randomBytes(32).toString('base64url');
      const sessionId = randomUUID();
      const t = now();
      insert.run(sessionId, hashToken(token), userId, t, t, t + limits.absoluteMs);
      return { token, sessionId, maxAgeSeconds: limits.absoluteMs / 1000 };
    },

    check(token) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'unknown' };
      const row = find.get(hashToken(token)) as SessionRow | undefined;
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.revoked_at !== null) return { ok: false, reason: 'revoked', userId: row.user_id };
      const t = now();
      if (t >= row.expires_at || t - row.last_seen_at >= limits.idleMs) {
        revokeOne.run(t, row.id);
        return { ok: false, reason: t >= row.expires_at ? 'expired' : 'idle', userId: row.user_id };
      }
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
          sessionId: row.id
        }
      };
    },

    revoke(sessionId) {
      revokeOne.run(now(), sessionId);
    },

    revokeAllForUser(userId) {
      return revokeUser.run(now(), userId).changes;
    },

    prune(keepMs = 30 * 24 * 60 * 60_000) {
      return deleteOld.run({ cutoff: now() - keepMs }).changes;
    }
  };
}
