import type { IncomingMessage } from 'node:http';
import type Database from 'better-sqlite3';
import { AppError, type Refusal } from '../../src/lib/domain/errors';
import type { Audit, SessionUser } from '../types';
import { findUserById, findUserByUsername, setPasswordHash, type User } from '../store/users';
import { DeviceRevokedError, createDeviceRegistry, deviceIdOf, type DeviceRegistry } from '../devices/device-registry';
import { readCookie, SESSION_COOKIE } from './cookies';
import { burnDummyHash, hashPassword, needsRehash, verifyPassword } from './password';
import { LoginRateLimiter, type LoginLimits } from './rate-limit';
import { createSecondFactorStore, secondFactorRequired, type Enrolment, type PendingPurpose, type SecondFactorStatus, type SecondFactorStore } from './second-factor';
import { createSessionStore, type SessionEndReason, type SessionLimits, type SessionStore } from './sessions';
import type { SecretSealer } from '../crypto/sealed-secret';
import { hasPasskey, passkeyCount } from './passkey-store';

/** A refusal that tells the client when to try again (HTTP Retry-After). */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = signInMessage(Math.ceil(retryAfterSeconds / 60)),
    refusal?: Refusal
  ) {
    super('rate-limited', message, undefined, refusal);
  }
}

function signInMessage(minutes: number): string {
  return `Too many failed sign-in attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`;
}

/** One answer for an unknown user, a wrong password and a disabled account, so none can be told apart. */
const BAD_CREDENTIALS = 'Username or password is incorrect';

export interface LoginResult {
  user: SessionUser;
  token: string;
  maxAgeSeconds: number;
}

/** The browser install a sign-in comes from (server/devices/device-registry.ts). */
export interface SignInDevice {
  id: string;
  /** Summary of the User-Agent ("Chrome 131 on Android"). */
  userAgent: string;
}

/** Where a lost device's wipe confirmation is posted: the one API path a lost device may call. */
export const WIPE_CONFIRM_PATH = '/api/device/wiped';

/** Wrong, replayed and out-of-date codes get the same answer. */
const BAD_CODE = 'That code is not right or was already used. Enter the newest code from your authenticator app.';
const BAD_RECOVERY_CODE = 'That recovery code is not right or was already used.';
const PENDING_GONE = 'Your sign-in took too long or had too many wrong codes. Enter your password again.';

/** Limits on second-step attempts (per user and address), separate from the password's. */
export const DEFAULT_CODE_LIMITS: LoginLimits = { windowMs: 15 * 60_000, perPair: 5, perIp: 20, perUsername: 20 };

/**
 * The password step's answer: a session at once (no second factor for this
 * user), or a short-lived pending sign-in that needs a code (`second-factor`)
 * or an enrolment first (`enrol`, the clinic requires one and the user has
 * none). No session cookie exists until the second step succeeds.
 */
export type LoginOutcome =
  | ({ kind: 'session' } & LoginResult)
  | { kind: 'second-factor' | 'enrol'; pendingToken: string; expiresInSeconds: number; methods: SecondFactorMethod[] };

/** Which second steps this user can take: the sign-in screen offers those (a passkey first). */
export type SecondFactorMethod = 'totp' | 'passkey';

/** How a session's sign-in was proven beyond the password (audited with `login.success`). */
export type SignInProof = 'none' | 'totp' | 'recovery-code' | 'passkey' | 'passkey-only';

/** A pending sign-in's second step as the passkey ceremony sees it (passkey-service.ts). */
export interface PendingProof {
  user: User;
  tokenHash: string;
  device: SignInDevice | null;
}

/** What proves the second factor: a code from the authenticator, or one of the recovery codes. */
export type SecondFactorProof = { code: string } | { recoveryCode: string };

export interface AuthService {
  sessions: SessionStore;
  secondFactors: SecondFactorStore;
  devices: DeviceRegistry;
  /**
   * The password step. Throws DeviceRevokedError, before the password is even
   * checked, when `device` was reported lost. A pending sign-in remembers the
   * device, and the session its second step issues is tied to it.
   */
  login(username: string, password: string, ip: string, device?: SignInDevice | null): Promise<LoginOutcome>;
  /** The second step of a pending sign-in; a session when the proof holds. Throws DeviceRevokedError when its device was reported lost meanwhile. */
  verifySecondFactor(pendingToken: string, proof: SecondFactorProof, ip: string): LoginResult;
  /**
   * The passkey's second step, first half: the pending sign-in's user, with
   * the same checks a code gets (live, still enabled, device not lost, not
   * rate-limited). The passkey ceremony runs between the two halves.
   */
  pendingProof(pendingToken: string, ip: string): PendingProof;
  /** Second half: a session when the passkey held; otherwise the failure counts like a wrong code. */
  finishPendingProof(pending: PendingProof, ok: boolean, ip: string, failure: string): LoginResult;
  /**
   * Sign-in with a passkey alone (user verified by the authenticator: the
   * passkey is both factors). The caller has verified the assertion; this
   * checks the account and device and issues the session.
   */
  signInWithPasskey(userId: string, ip: string, device: SignInDevice | null): LoginResult;
  /** A user who must enrol, between password and session: a new secret to scan. */
  beginPendingEnrolment(pendingToken: string, ip: string): Enrolment;
  /** Activates it with a first code; the session and the recovery codes (shown once). */
  confirmPendingEnrolment(pendingToken: string, code: string, ip: string): LoginResult & { recoveryCodes: string[] };
  /** A signed-in user's second factor: whether enrolled, required, and how many recovery codes are left. */
  secondFactorStatus(user: SessionUser): SecondFactorStatus & { required: boolean; passkeys: number };
  /** A signed-in user enrols (optional for their role, or again after a reset). */
  beginEnrolment(user: SessionUser, ip: string): Enrolment;
  confirmEnrolment(user: SessionUser, code: string, ip: string): string[];
  /** New recovery codes, proven with a current authenticator code (a left-open session alone is not enough). */
  regenerateRecoveryCodes(user: SessionUser, code: string, ip: string): string[];
  /**
   * The signed-in user behind a request (HTTP or websocket upgrade); null
   * when absent, expired or revoked. Throws DeviceRevokedError when the
   * request comes from a device reported lost (its cookie names it) or
   * carries a session that ended because its device was reported lost.
   */
  authenticate(req: IncomingMessage): SessionUser | null;
  logout(user: SessionUser, ip: string): void;
  /** Ends every session of the user, on every device (their own "sign out everywhere"); returns how many. */
  logoutEverywhere(user: SessionUser, ip: string): number;
  /** Tells this process's listeners (the sync server) that these sessions ended, so their sockets close at once. */
  notifyEnded(sessionIds: readonly string[], reason: SessionEndReason): void;
  /**
   * Which of these sessions have ended, and why (one query). Sessions found
   * past their limits end here and their expiry is audited, as on a request.
   */
  endedSessions(sessionIds: readonly string[]): Map<string, SessionEndReason>;
  /** Called when this process ends a session by sign-out, so its sockets close at once rather than at the next check. */
  onSessionEnded(listener: (sessionId: string, reason: SessionEndReason) => void): void;
}

export function createAuthService(
  db: Database.Database,
  audit: Audit,
  opts: { sessionLimits?: SessionLimits; loginLimits?: LoginLimits; codeLimits?: LoginLimits; now?: () => number; sealer?: SecretSealer } = {}
): AuthService {
  const sessions = createSessionStore(db, opts.sessionLimits);
  const devices = createDeviceRegistry(db);
  const limiter = new LoginRateLimiter(opts.loginLimits);
  const codeLimiter = new LoginRateLimiter(opts.codeLimits ?? DEFAULT_CODE_LIMITS);
  const factors = createSecondFactorStore(db, opts.now, opts.sealer);
  const clinicName = db.prepare('SELECT name FROM clinics WHERE id = ?');
  const endListeners: ((sessionId: string, reason: SessionEndReason) => void)[] = [];

  function fail(username: string, ip: string, reason: string): never {
    limiter.recordFailure(username, ip);
    audit.record({ action: 'login.failure', outcome: 'failure', target: username.slice(0, 100), detail: { reason }, ip });
    throw new AppError('unauthenticated', BAD_CREDENTIALS);
  }

  /** The wipe signal: audited at most once a minute per device (a lost tablet retrying must not flood the log). */
  function refuseLostDevice(deviceId: string, userId: string | null, via: string, ip?: string): never {
    if (devices.noteWipeSignal(deviceId)) {
      audit.record({ action: 'device.wipe-signal', outcome: 'success', userId, target: `device:${deviceId}`, detail: { via }, ip: ip ?? null });
    }
    throw new DeviceRevokedError(deviceId);
  }

  function notifyEnded(sessionIds: readonly string[], reason: SessionEndReason): void {
    for (const id of sessionIds) for (const listener of endListeners) listener(id, reason);
  }

  /** Every session a sign-in issues (with or without a second step) is tied to the device it came from. */
  function issueSession(found: User, ip: string, secondFactor: SignInProof, device: SignInDevice | null): LoginResult {
    if (device) devices.register(device.id, found.id, device.userAgent);
    const session = sessions.create(found.id, device?.id ?? null);
    const clinic = clinicName.get(found.clinicId) as { name: string };
    const user: SessionUser = {
      id: found.id,
      username: found.username,
      name: found.name,
      roles: found.roles,
      clinicId: found.clinicId,
      clinicName: clinic.name,
      sessionId: session.sessionId,
      deviceId: device?.id ?? null
    };
    audit.record({ action: 'login.success', outcome: 'success', userId: user.id, target: user.username, detail: { secondFactor }, ip });
    return { user, token: session.token, maxAgeSeconds: session.maxAgeSeconds };
  }

  /** The user of a live pending sign-in of this purpose, still enabled; otherwise the password step starts again. */
  function pendingUser(pendingToken: string, purpose: PendingPurpose, ip: string): { user: User; tokenHash: string; device: SignInDevice | null } {
    const pending = factors.findPending(pendingToken);
    const user = pending ? findUserById(db, pending.userId) : null;
    // Reported lost between the password and this step: no session, and the wipe signal (again on every retry, until it expires).
    if (pending?.device && devices.isLost(pending.device.id)) {
      audit.record({ action: 'login.second-factor', outcome: 'failure', userId: user?.id ?? null, target: user?.username ?? null, detail: { reason: 'device-lost', step: purpose }, ip });
      refuseLostDevice(pending.device.id, user?.id ?? null, 'second-factor', ip);
    }
    if (!pending || pending.purpose !== purpose || !user || user.disabled) {
      audit.record({ action: 'login.second-factor', outcome: 'failure', userId: user?.id ?? null, target: user?.username ?? null, detail: { reason: pending ? (pending.purpose !== purpose ? 'wrong-step' : 'disabled') : 'no-pending-sign-in', step: purpose }, ip });
      throw new AppError('unauthenticated', PENDING_GONE);
    }
    return { user, tokenHash: pending.tokenHash, device: pending.device };
  }

  function activeUser(userId: string): User {
    const user = findUserById(db, userId);
    if (!user || user.disabled) throw new AppError('unauthenticated', 'Sign in to continue.');
    return user;
  }

  function checkCodeLimit(user: User, ip: string, method: string): void {
    const limit = codeLimiter.check(user.username, ip);
    if (!limit.limited) return;
    audit.record({ action: 'login.second-factor', outcome: 'failure', userId: user.id, target: user.username, detail: { reason: 'rate-limited', scope: limit.scope, method }, ip });
    const minutes = Math.ceil(limit.retryAfterSeconds / 60);
    throw new RateLimitedError(limit.retryAfterSeconds, `Too many wrong codes. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`);
  }

  function codeFailure(user: User, ip: string, tokenHash: string | null, method: string, message: string): never {
    codeLimiter.recordFailure(user.username, ip);
    const usedUp = tokenHash ? factors.notePendingFailure(tokenHash) : false;
    audit.record({ action: 'login.second-factor', outcome: 'failure', userId: user.id, target: user.username, detail: { reason: 'bad-code', method, ...(usedUp ? { pendingEnded: true } : {}) }, ip });
    throw new AppError('unauthenticated', usedUp ? PENDING_GONE : message);
  }

  return {
    sessions,
    devices,
    notifyEnded,
    secondFactors: factors,

    async login(rawUsername, password, ip, device = null) {
      const username = rawUsername.trim();
      if (device && devices.isLost(device.id)) {
        audit.record({ action: 'login.failure', outcome: 'failure', target: username.slice(0, 100), detail: { reason: 'device-lost' }, ip });
        refuseLostDevice(device.id, null, 'sign-in', ip);
      }
      const limit = limiter.check(username, ip);
      if (limit.limited) {
        audit.record({
          action: 'login.failure',
          outcome: 'failure',
          target: username.slice(0, 100),
          detail: { reason: 'rate-limited', scope: limit.scope },
          ip
        });
        throw new RateLimitedError(limit.retryAfterSeconds);
      }
      const found = findUserByUsername(db, username);
      if (!found) {
        await burnDummyHash(password);
        fail(username, ip, 'unknown-user');
      }
      if (!(await verifyPassword(password, found.passwordHash))) fail(username, ip, 'bad-password');
      if (found.disabled) fail(username, ip, 'disabled');

      limiter.recordSuccess(username, ip);
      if (needsRehash(found.passwordHash)) setPasswordHash(db, found.id, await hashPassword(password));
      // A passkey satisfies the clinic's second-factor rule as a code does (either one enrolled means a second step).
      const methods: SecondFactorMethod[] = [...(factors.status(found.id).enrolled ? ['totp' as const] : []), ...(hasPasskey(db, found.id) ? ['passkey' as const] : [])];
      const next: PendingPurpose | null = methods.length > 0 ? 'verify' : secondFactorRequired(db, found) ? 'enrol' : null;
      if (next === null) return { kind: 'session', ...issueSession(found, ip, 'none', device) };
      const pending = factors.createPending(found.id, next, device);
      audit.record({ action: 'login.second-factor', outcome: 'success', userId: found.id, target: found.username, detail: { step: 'password', next }, ip });
      return { kind: next === 'verify' ? 'second-factor' : 'enrol', pendingToken: pending.token, expiresInSeconds: pending.expiresInSeconds, methods };
    },

    verifySecondFactor(pendingToken, proof, ip) {
      const { user, tokenHash, device } = pendingUser(pendingToken, 'verify', ip);
      const method = 'code' in proof ? 'totp' : 'recovery-code';
      checkCodeLimit(user, ip, method);
      const ok = 'code' in proof ? factors.verifyCode(user.id, proof.code.trim()) : factors.useRecoveryCode(user.id, proof.recoveryCode);
      if (!ok) codeFailure(user, ip, tokenHash, method, 'code' in proof ? BAD_CODE : BAD_RECOVERY_CODE);
      codeLimiter.recordSuccess(user.username, ip);
      factors.deletePending(tokenHash);
      if (method === 'recovery-code') {
        audit.record({ action: 'second-factor.recovery-codes', outcome: 'success', userId: user.id, target: user.username, detail: { used: 1, left: factors.status(user.id).recoveryCodesLeft }, ip });
      }
      return issueSession(user, ip, method, device);
    },

    pendingProof(pendingToken, ip) {
      const pending = pendingUser(pendingToken, 'verify', ip);
      checkCodeLimit(pending.user, ip, 'passkey');
      return pending;
    },

    finishPendingProof(pending, ok, ip, failure) {
      const { user, tokenHash, device } = pending;
      if (!ok) codeFailure(user, ip, tokenHash, 'passkey', failure);
      codeLimiter.recordSuccess(user.username, ip);
      factors.deletePending(tokenHash);
      return issueSession(user, ip, 'passkey', device);
    },

    signInWithPasskey(userId, ip, device) {
      if (device && devices.isLost(device.id)) {
        audit.record({ action: 'login.failure', outcome: 'failure', userId, detail: { reason: 'device-lost', method: 'passkey' }, ip });
        refuseLostDevice(device.id, null, 'sign-in', ip);
      }
      const found = findUserById(db, userId);
      if (!found || found.disabled) {
        audit.record({ action: 'login.failure', outcome: 'failure', userId, target: found?.username ?? null, detail: { reason: found ? 'disabled' : 'unknown-user', method: 'passkey' }, ip });
        throw new AppError('unauthenticated', 'This passkey cannot sign in. Sign in with your username and password.');
      }
      return issueSession(found, ip, 'passkey-only', device);
    },

    beginPendingEnrolment(pendingToken, ip) {
      const { user } = pendingUser(pendingToken, 'enrol', ip);
      const enrolment = factors.beginEnrolment(user.id, user.username);
      audit.record({ action: 'second-factor.enrol', outcome: 'success', userId: user.id, target: user.username, detail: { step: 'begin', atSignIn: true }, ip });
      return enrolment;
    },

    confirmPendingEnrolment(pendingToken, code, ip) {
      const { user, tokenHash, device } = pendingUser(pendingToken, 'enrol', ip);
      checkCodeLimit(user, ip, 'enrol');
      const recoveryCodes = factors.confirmEnrolment(user.id, code.trim());
      if (!recoveryCodes) codeFailure(user, ip, tokenHash, 'enrol', BAD_CODE);
      codeLimiter.recordSuccess(user.username, ip);
      factors.deletePending(tokenHash);
      audit.record({ action: 'second-factor.enrol', outcome: 'success', userId: user.id, target: user.username, detail: { step: 'confirm', atSignIn: true, recoveryCodes: recoveryCodes.length }, ip });
      return { ...issueSession(user, ip, 'totp', device), recoveryCodes };
    },

    secondFactorStatus(user) {
      return { ...factors.status(user.id), required: secondFactorRequired(db, user), passkeys: passkeyCount(db, user.id) };
    },

    beginEnrolment(user, ip) {
      if (factors.status(user.id).enrolled) throw new AppError('conflict', 'An authenticator is already set up for you. An administrator can reset it if you lost it.');
      const enrolment = factors.beginEnrolment(user.id, user.username);
      audit.record({ action: 'second-factor.enrol', outcome: 'success', userId: user.id, target: user.username, detail: { step: 'begin', atSignIn: false }, ip });
      return enrolment;
    },

    confirmEnrolment(user, code, ip) {
      const found = activeUser(user.id);
      checkCodeLimit(found, ip, 'enrol');
      const recoveryCodes = factors.confirmEnrolment(user.id, code.trim());
      if (!recoveryCodes) codeFailure(found, ip, null, 'enrol', BAD_CODE);
      codeLimiter.recordSuccess(found.username, ip);
      audit.record({ action: 'second-factor.enrol', outcome: 'success', userId: user.id, target: user.username, detail: { step: 'confirm', atSignIn: false, recoveryCodes: recoveryCodes.length }, ip });
      return recoveryCodes;
    },

    regenerateRecoveryCodes(user, code, ip) {
      const found = activeUser(user.id);
      if (!factors.status(user.id).enrolled) throw new AppError('conflict', 'Set up an authenticator first: recovery codes come with it.');
      checkCodeLimit(found, ip, 'regenerate');
      if (!factors.verifyCode(user.id, code.trim())) codeFailure(found, ip, null, 'regenerate', BAD_CODE);
      codeLimiter.recordSuccess(found.username, ip);
      const codes = factors.regenerateRecoveryCodes(user.id);
      audit.record({ action: 'second-factor.recovery-codes', outcome: 'success', userId: user.id, target: user.username, detail: { regenerated: codes.length }, ip });
      return codes;
    },

    authenticate(req) {
      // A lost device may still say it is erasing itself; nothing else it sends is served.
      if (req.method === 'POST' && (req.url ?? '').split('?')[0] === WIPE_CONFIRM_PATH) return null;
      const via = (req.url ?? '').startsWith('/sync') ? 'sync' : 'api';
      const cookieDevice = deviceIdOf(req);
      if (cookieDevice && devices.isLost(cookieDevice)) refuseLostDevice(cookieDevice, null, via);
      const token = readCookie(req, SESSION_COOKIE);
      if (!token) return null;
      const result = sessions.check(token);
      // The session remembers its device: a cookie copied into another browser is refused the same way.
      if (!result.ok && result.reason === 'device-lost') refuseLostDevice(result.deviceId, result.userId, via);
      if (result.ok) {
        if (result.user.deviceId) devices.touch(result.user.deviceId, result.user.id);
        return result.user;
      }
      if (result.reason === 'expired' || result.reason === 'idle') {
        audit.record({ action: 'session.expired', outcome: 'success', userId: result.userId, detail: { reason: result.reason } });
      }
      return null;
    },

    logout(user, ip) {
      sessions.revoke(user.sessionId, 'logout');
      audit.record({ action: 'logout', outcome: 'success', userId: user.id, target: user.username, ip });
      for (const listener of endListeners) listener(user.sessionId, 'logout');
    },

    logoutEverywhere(user, ip) {
      const open = sessions.openSessionsOf(user.id);
      const ended = sessions.revokeAllForUser(user.id, 'everywhere');
      audit.record({ action: 'sessions.sign-out-everywhere', outcome: 'success', userId: user.id, target: user.username, detail: { count: ended }, ip });
      notifyEnded(open, 'everywhere');
      return ended;
    },

    endedSessions(sessionIds) {
      const reasons = new Map<string, SessionEndReason>();
      for (const [id, end] of sessions.endedAmong(sessionIds)) {
        if (end.justEnded) audit.record({ action: 'session.expired', outcome: 'success', userId: end.userId, detail: { reason: end.reason } });
        reasons.set(id, end.reason);
      }
      return reasons;
    },

    onSessionEnded(listener) {
      endListeners.push(listener);
    }
  };
}
