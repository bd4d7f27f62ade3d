import type { IncomingMessage } from 'node:http';
import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import type { Audit, SessionUser } from '../types';
import { findUserByUsername, setPasswordHash } from '../store/users';
import { DeviceRevokedError, createDeviceRegistry, deviceIdOf, type DeviceRegistry } from '../devices/device-registry';
import { readCookie, SESSION_COOKIE } from './cookies';
import { burnDummyHash, hashPassword, needsRehash, verifyPassword } from './password';
import { LoginRateLimiter, type LoginLimits } from './rate-limit';
import { createSessionStore, type SessionEndReason, type SessionLimits, type SessionStore } from './sessions';

/** A refusal that tells the client when to try again (HTTP Retry-After). */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = signInMessage(Math.ceil(retryAfterSeconds / 60))
  ) {
    super('rate-limited', message);
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

export interface AuthService {
  sessions: SessionStore;
  devices: DeviceRegistry;
  /** Throws DeviceRevokedError, before the password is even checked, when `device` was reported lost. */
  login(username: string, password: string, ip: string, device?: SignInDevice | null): Promise<LoginResult>;
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
  opts: { sessionLimits?: SessionLimits; loginLimits?: LoginLimits } = {}
): AuthService {
  const sessions = createSessionStore(db, opts.sessionLimits);
  const devices = createDeviceRegistry(db);
  const limiter = new LoginRateLimiter(opts.loginLimits);
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

  return {
    sessions,
    devices,
    notifyEnded,

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
      audit.record({ action: 'login.success', outcome: 'success', userId: user.id, target: user.username, ip });
      return { user, token: session.token, maxAgeSeconds: session.maxAgeSeconds };
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
