import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { Secret, TOTP } from 'otpauth';
import { isRole, type Role } from '../../src/lib/domain/roles';
import type { SecretSealer } from '../crypto/sealed-secret';
import type { Audit } from '../types';
import { hashToken } from './sessions';

/**
 * The second factor: a time-based one-time password (TOTP, RFC 6238) from
 * an authenticator app, with ten single-use recovery codes for a lost
 * phone. ONC 170.315(d)(13) asks that multi-factor authentication be
 * supported; the clinic decides which roles must use it.
 *
 * - The secret is made here, shown once while enrolling (QR code and text)
 *   and never again through any API; it becomes active only after a first
 *   code proves the authenticator holds it.
 * - A code is accepted once: the time step it matched is remembered and a
 *   code of that step or an earlier one is refused (RFC 6238 §5.2), so a
 *   code read over a shoulder or from a phishing page cannot be replayed.
 * - Recovery codes carry 80 random bits each and are stored as SHA-256
 *   hashes (high-entropy, so a fast hash suffices); each works once.
 *
 * - The secret is stored sealed (AES-256-GCM, crypto/sealed-secret.ts)
 *   under the server's secrets key, bound to the user's id, so a copy of
 *   the database alone cannot mint codes (totp-at-rest.ts seals rows
 *   written before).
 *
 * SHA-1, 6 digits, 30 s: the parameters every authenticator app supports.
 */

export const TOTP_ISSUER = 'Outpost';
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side: a phone clock 30 s off still works (RFC 6238 §5.2 recommends at most one step). */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
/** Roles that must use a second factor in a clinic that has not said otherwise. */
export const DEFAULT_SECOND_FACTOR_ROLES: readonly Role[] = ['clinician', 'admin'];
/** How long a sign-in waits for its second step (password checked, no session yet). */
export const PENDING_LOGIN_MS = 5 * 60_000;
/** Wrong codes one pending sign-in may send before it must start again with the password. */
export const PENDING_LOGIN_MAX_FAILURES = 5;

export type PendingPurpose = 'verify' | 'enrol';

/** The device a pending sign-in started on (server/devices/device-registry.ts). */
export interface PendingDevice {
  id: string;
  userAgent: string;
}

export interface SecondFactorStatus {
  enrolled: boolean;
  recoveryCodesLeft: number;
  confirmedAt: string | null;
}

export interface Enrolment {
  /** Base32, as authenticator apps take it typed in. */
  secret: string;
  /** The otpauth:// URI the QR code carries. */
  uri: string;
}

/** A clinic's policy: which roles must use a second factor (stored as JSON on the clinic). */
export function secondFactorRoles(db: Database.Database, clinicId: string): Role[] {
  const row = db.prepare('SELECT second_factor_roles AS roles FROM clinics WHERE id = ?').get(clinicId) as { roles: string } | undefined;
  if (!row) return [...DEFAULT_SECOND_FACTOR_ROLES];
  try {
    const v: unknown = JSON.parse(row.roles);
    return Array.isArray(v) ? v.filter(isRole) : [...DEFAULT_SECOND_FACTOR_ROLES];
  } catch {
    return [...DEFAULT_SECOND_FACTOR_ROLES];
  }
}

/**
 * Sets which roles of a clinic must use a second factor (the admin console
 * and `npm run admin -- set-second-factor-policy` call it). Audited.
 */
export function setSecondFactorRoles(db: Database.Database, audit: Audit, clinicId: string, roles: readonly Role[], by: { userId?: string | null; via: string }): void {
  const unique = [...new Set(roles)].filter(isRole);
  const changed = db.prepare('UPDATE clinics SET second_factor_roles = ? WHERE id = ?').run(JSON.stringify(unique), clinicId).changes;
  if (changed === 0) throw new Error(`No clinic ${clinicId}`);
  audit.record({ action: 'second-factor.policy', outcome: 'success', userId: by.userId ?? null, target: `clinic:${clinicId}`, detail: { roles: unique, via: by.via } });
}

/** Whether the clinic's policy requires this user to use a second factor. */
export function secondFactorRequired(db: Database.Database, user: { clinicId: string; roles: readonly Role[] }): boolean {
  const required = secondFactorRoles(db, user.clinicId);
  return user.roles.some((r) => required.includes(r));
}

function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** `XXXX-XXXX-XXXX-XXXX` from an alphabet without 0/O, 1/I/L: 16 × 5 = 80 bits. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
function newRecoveryCode(): string {
  let raw = '';
  for (let i = 0; i < 16; i++) raw += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return raw.match(/.{4}/g)!.join('-');
}

/** Typed with or without dashes, spaces or lower case: the same code. */
export function normaliseRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function hashRecoveryCode(code: string): string {
  return createHash('sha256').update('outpost-recovery-code:').update(normaliseRecoveryCode(code)).digest('hex');
}

export interface SecondFactorStore {
  status(userId: string): SecondFactorStatus;
  /** A new secret, not yet active (replaces an unconfirmed one). Refused while one is active: reset it first. */
  beginEnrolment(userId: string, label: string): Enrolment;
  /** Activates the pending secret if `code` is right; returns the new recovery codes (shown once), or null for a wrong code. */
  confirmEnrolment(userId: string, code: string): string[] | null;
  /** Checks a code of the active authenticator; refuses a code of a step already used. */
  verifyCode(userId: string, code: string): boolean;
  /** Uses up one recovery code; false when unknown or already used. */
  useRecoveryCode(userId: string, code: string): boolean;
  /** Ten new codes; the old ones stop working. */
  regenerateRecoveryCodes(userId: string): string[];
  /** Removes the authenticator and recovery codes (an administrator's reset; the user enrols again). True when there was one. */
  reset(userId: string): boolean;
  /** `device`: the browser install the password came from; the session the second step issues is tied to it. */
  createPending(userId: string, purpose: PendingPurpose, device?: PendingDevice | null): { token: string; expiresInSeconds: number };
  findPending(token: string): { userId: string; purpose: PendingPurpose; tokenHash: string; device: PendingDevice | null } | null;
  /** Counts a wrong code against the pending sign-in; true when it is now used up (deleted). */
  notePendingFailure(tokenHash: string): boolean;
  deletePending(tokenHash: string): void;
}

interface FactorRow {
  secret: string;
  confirmed_at: string | null;
  last_step: number;
}

/** What the sealed TOTP secret of a user is bound to (GCM additional data). */
export function totpSealContext(userId: string): string {
  return `totp:${userId}`;
}

/**
 * `sealer` seals and opens the stored secrets; without it (an
 * administrator's reset from the CLI) the store can remove an
 * authenticator but not make or check one.
 */
export function createSecondFactorStore(db: Database.Database, now: () => number = Date.now, sealer?: SecretSealer): SecondFactorStore {
  function requireSealer(): SecretSealer {
    if (!sealer) throw new Error('The second-factor store needs the secrets key to make or check a code');
    return sealer;
  }

  function openSecret(userId: string, stored: string): string {
    const secret = requireSealer().open(stored, totpSealContext(userId));
    if (secret === null) throw new Error('A stored authenticator secret does not open with this server\'s secrets key');
    return secret;
  }

  const getFactor = db.prepare('SELECT secret, confirmed_at, last_step FROM second_factors WHERE user_id = ?');
  const usernameOf = db.prepare('SELECT username FROM users WHERE id = ?');
  const countCodes = db.prepare('SELECT count(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL');

  function factor(userId: string): FactorRow | undefined {
    return getFactor.get(userId) as FactorRow | undefined;
  }

  /** The time step `code` matches (within the window), or null. */
  function matchStep(stored: string, userId: string, code: string): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const secret = openSecret(userId, stored);
    const { username } = (usernameOf.get(userId) as { username: string } | undefined) ?? { username: '' };
    const timestamp = now();
    const delta = totpFor(secret, username).validate({ token: code, timestamp, window: WINDOW });
    return delta === null ? null : Math.floor(timestamp / 1000 / PERIOD_SECONDS) + delta;
  }

  function writeRecoveryCodes(userId: string): string[] {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const insert = db.prepare('INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)');
    db.transaction(() => {
      db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
      for (const c of codes) insert.run(userId, hashRecoveryCode(c));
    })();
    return codes;
  }

  return {
    status(userId) {
      const f = factor(userId);
      const enrolled = !!f?.confirmed_at;
      return { enrolled, confirmedAt: f?.confirmed_at ?? null, recoveryCodesLeft: enrolled ? (countCodes.get(userId) as { n: number }).n : 0 };
    },

    beginEnrolment(userId, label) {
      if (factor(userId)?.confirmed_at) throw new Error('An authenticator is already active for this user');
      const secret = new Secret({ size: 20 }).base32;
      db.prepare(
        `INSERT INTO second_factors (user_id, secret, created_at, confirmed_at, last_step) VALUES (?, ?, ?, NULL, 0)
         ON CONFLICT(user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, confirmed_at = NULL, last_step = 0`
      ).run(userId, requireSealer().seal(secret, totpSealContext(userId)), new Date(now()).toISOString());
      return { secret, uri: totpFor(secret, label).toString() };
    },

    confirmEnrolment(userId, code) {
      const f = factor(userId);
      if (!f || f.confirmed_at) return null;
      const step = matchStep(f.secret, userId, code);
      if (step === null) return null;
      return db.transaction(() => {
        const done = db
          .prepare('UPDATE second_factors SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND confirmed_at IS NULL')
          .run(new Date(now()).toISOString(), step, userId).changes;
        return done === 1 ? writeRecoveryCodes(userId) : null;
      })();
    },

    verifyCode(userId, code) {
      const f = factor(userId);
      if (!f?.confirmed_at) return false;
      const step = matchStep(f.secret, userId, code);
      if (step === null) return false;
      // Compare-and-set: of two requests carrying the same code, only one moves the step forward.
      return db.prepare('UPDATE second_factors SET last_step = ? WHERE user_id = ? AND last_step < ?').run(step, userId, step).changes === 1;
    },

    useRecoveryCode(userId, code) {
      if (!factor(userId)?.confirmed_at) return false;
      const normal = normaliseRecoveryCode(code);
      if (normal.length !== 16) return false;
      const hash = hashRecoveryCode(normal);
      const rows = db.prepare('SELECT code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL').all(userId) as { code_hash: string }[];
      const match = rows.find((r) => timingSafeEqual(Buffer.from(r.code_hash, 'hex'), Buffer.from(hash, 'hex')));
      if (!match) return false;
      return (
        db
          .prepare('UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL')
          .run(new Date(now()).toISOString(), userId, match.code_hash).changes === 1
      );
    },

    regenerateRecoveryCodes(userId) {
      return writeRecoveryCodes(userId);
    },

    reset(userId) {
      return db.transaction(() => {
        db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
        db.prepare('DELETE FROM pending_logins WHERE user_id = ?').run(userId);
        return db.prepare('DELETE FROM second_factors WHERE user_id = ?').run(userId).changes === 1;
      })();
    },

    createPending(userId, purpose, device = null) {
      const token = randomBytes(32).toString('base64url');
      db.prepare('DELETE FROM pending_logins WHERE expires_at <= ?').run(now());
      db.prepare('INSERT INTO pending_logins (token_hash, user_id, purpose, expires_at, device_id, device_user_agent) VALUES (?, ?, ?, ?, ?, ?)').run(
        hashToken(token),
        userId,
        purpose,
        now() + PENDING_LOGIN_MS,
        device?.id ?? null,
        device?.userAgent ?? null
      );
      return { token, expiresInSeconds: PENDING_LOGIN_MS / 1000 };
    },

    findPending(token) {
      const tokenHash = hashToken(token);
      const row = db
        .prepare('SELECT user_id, purpose, expires_at, device_id, device_user_agent FROM pending_logins WHERE token_hash = ?')
        .get(tokenHash) as
        | { user_id: string; purpose: PendingPurpose; expires_at: number; device_id: string | null; device_user_agent: string | null }
        | undefined;
      if (!row || row.expires_at <= now()) return null;
      const device = row.device_id ? { id: row.device_id, userAgent: row.device_user_agent ?? '' } : null;
      return { userId: row.user_id, purpose: row.purpose, tokenHash, device };
    },

    notePendingFailure(tokenHash) {
      db.prepare('UPDATE pending_logins SET failures = failures + 1 WHERE token_hash = ?').run(tokenHash);
      const row = db.prepare('SELECT failures FROM pending_logins WHERE token_hash = ?').get(tokenHash) as { failures: number } | undefined;
      if (row && row.failures >= PENDING_LOGIN_MAX_FAILURES) {
        db.prepare('DELETE FROM pending_logins WHERE token_hash = ?').run(tokenHash);
        return true;
      }
      return !row;
    },

    deletePending(tokenHash) {
      db.prepare('DELETE FROM pending_logins WHERE token_hash = ?').run(tokenHash);
    }
  };
}

/**
 * An administrator's reset of a user's second factor (lost phone, used-up
 * recovery codes): the authenticator, recovery codes and passkeys are removed, and
 * the user enrols again at their next sign-in if the clinic requires it.
 * Called by `npm run admin -- reset-second-factor` and meant for the admin
 * console's API. Audited with who did it.
 */
export function resetSecondFactor(
  db: Database.Database,
  audit: Audit,
  target: { id: string; username: string },
  by: { userId?: string | null; via: string }
): boolean {
  const had = createSecondFactorStore(db).reset(target.id);
  // A lost phone may hold a passkey too: those go with the authenticator.
  const passkeysRemoved = db.prepare('DELETE FROM passkeys WHERE user_id = ?').run(target.id).changes;
  audit.record({
    action: 'second-factor.reset',
    outcome: 'success',
    userId: by.userId ?? null,
    target: target.username,
    detail: { hadAuthenticator: had, via: by.via, ...(passkeysRemoved > 0 ? { passkeysRemoved } : {}) }
  });
  return had;
}
