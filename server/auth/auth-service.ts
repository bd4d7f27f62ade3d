import type { IncomingMessage } from 'node:http';
import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import type { Audit, SessionUser } from '../types';
import { findUserByUsername, setPasswordHash } from '../store/users';
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

export interface AuthService {
  sessions: SessionStore;
  login(username: string, password: string, ip: string): Promise<LoginResult>;
  /** The signed-in user behind a request (HTTP or websocket upgrade); null when absent, expired or revoked. */
  authenticate(req: IncomingMessage): SessionUser | null;
  logout(user: SessionUser, ip: string): void;
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
  const limiter = new LoginRateLimiter(opts.loginLimits);
  const clinicName = db.prepare('SELECT name FROM clinics WHERE id = ?');
  const endListeners: ((sessionId: string, reason: SessionEndReason) => void)[] = [];

  function fail(username: string, ip: string, reason: string): never {
    limiter.recordFailure(username, ip);
    audit.record({ action: 'login.failure', outcome: 'failure', target: username.slice(0, 100), detail: { reason }, ip });
    throw new AppError('unauthenticated', BAD_CREDENTIALS);
  }

  return {
    sessions,

    async login(rawUsername, password, ip) {
      const username = rawUsername.trim();
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
      const session = sessions.create(found.id);
      const clinic = clinicName.get(found.clinicId) as { name: string };
      const user: SessionUser = {
        id: found.id,
        username: found.username,
        name: found.name,
        roles: found.roles,
        clinicId: found.clinicId,
        clinicName: clinic.name,
        sessionId: session.sessionId
      };
      audit.record({ action: 'login.success', outcome: 'success', userId: user.id, target: user.username, ip });
      return { user, token: session.token, maxAgeSeconds: session.maxAgeSeconds };
    },

    authenticate(req) {
      const token = readCookie(req, SESSION_COOKIE);
      if (!token) return null;
      const result = sessions.check(token);
      if (result.ok) return result.user;
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
