import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import type { Role } from '../../src/lib/domain/roles';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/password';
import type { SessionEndReason, SessionStore } from '../auth/sessions';
import { parseWith, readJson } from '../http/body';
import type { RequestContext, Route } from '../http/context';
import { sendJson } from '../http/errors';
import { createUser, findUserById, findUserByUsername, listUsersOfClinic, setPasswordHash, setUserDisabled, setUserRoles, USERNAME_PATTERN, type User } from '../store/users';
import type { Audit, SessionUser } from '../types';
import type Database from 'better-sqlite3';
import { requireAdmin } from './admin-guard';
import { generatePassword } from './generated-password';

/**
 * Staff accounts of the administrator's clinic: list, create, roles,
 * disable/enable, password reset, and each user's open sessions with
 * revoke. The same store functions as the admin CLI (store/users.ts,
 * auth/sessions.ts). A user of another clinic answers as unknown (404), so
 * ids do not leak across clinics. Passwords never reach the audit log; a
 * generated one is in the answer once and nowhere else.
 */

/** Roles the console assigns. Patient accounts belong to a patient's record and are not made here. */
export const STAFF_ROLES = ['admin', 'clinician', 'nurse', 'frontdesk'] as const satisfies readonly Role[];

const rolesSchema = z
  .array(z.enum(STAFF_ROLES, { error: `Roles are ${STAFF_ROLES.join(', ')}` }), { error: 'Choose at least one role' })
  .min(1, 'Choose at least one role')
  .max(STAFF_ROLES.length)
  .transform((r) => [...new Set(r)]);

const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `The password needs at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, 'The password is too long');

const createSchema = z
  .object({
    username: z.string().trim().regex(USERNAME_PATTERN, 'Usernames are 2–64 letters, digits, dots, dashes or underscores'),
    name: z.string().trim().min(1, 'Enter the person’s name').max(200, 'The name is too long'),
    roles: rolesSchema,
    /** Absent or empty: the server generates one and returns it once. */
    password: z.union([z.literal(''), passwordSchema]).optional()
  })
  .strict();

const disabledSchema = z.object({ disabled: z.boolean({ error: 'Say whether the account is disabled (true or false)' }) }).strict();
const rolesBodySchema = z.object({ roles: rolesSchema }).strict();
const resetSchema = z.object({ password: z.union([z.literal(''), passwordSchema]).optional() }).strict();
const revokeSchema = z.object({ sessionId: z.string().uuid('Not a session id').optional() }).strict();

export interface AdminUserDeps {
  db: Database.Database;
  audit: Audit;
  sessions: SessionStore;
  /** Closes the sync sockets of a session this process ended, at once rather than at the next periodic check. */
  endSession(sessionId: string, reason: SessionEndReason): void;
}

/** A user as the console shows them (never the password hash). */
export function adminUserView(u: User) {
  return { id: u.id, username: u.username, name: u.name, roles: u.roles, disabled: u.disabled, createdAt: u.createdAt };
}

export function adminUserRoutes(deps: AdminUserDeps): Route[] {
  const { db, audit, sessions } = deps;

  /** The target user, only if they are of the administrator's clinic. */
  function userInClinic(admin: SessionUser, id: string): User {
    const user = findUserById(db, id);
    if (!user || user.clinicId !== admin.clinicId) throw new AppError('not-found', 'There is no such user in your clinic.');
    return user;
  }

  function endAll(userId: string, reason: SessionEndReason): number {
    const open = sessions.openForUser(userId);
    const ended = sessions.revokeAllForUser(userId, reason);
    for (const s of open) deps.endSession(s.id, reason);
    return ended;
  }

  const record = (ctx: RequestContext, admin: SessionUser, action: 'user.create' | 'user.disable' | 'user.password-reset' | 'user.roles' | 'sessions.revoke', target: User, detail: Record<string, unknown>) =>
    audit.record({ action, outcome: 'success', userId: admin.id, target: target.username, detail: { userId: target.id, ...detail, via: 'admin-console' }, ip: ctx.ip });

  const refuseSelf = (admin: SessionUser, target: User, what: string) => {
    if (admin.id === target.id) throw new AppError('conflict', `You cannot ${what} your own account; ask another administrator.`);
  };

  return [
    {
      method: 'GET',
      path: '/api/admin/users',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const q = (ctx.url.searchParams.get('q') ?? '').trim().toLowerCase().slice(0, 100);
        const users = listUsersOfClinic(db, admin.clinicId).filter((u) => !q || u.username.toLowerCase().includes(q) || u.name.toLowerCase().includes(q));
        sendJson(ctx.res, 200, { users: users.map(adminUserView) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/users',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const body = parseWith(createSchema, await readJson(ctx.req, 16 * 1024));
        if (findUserByUsername(db, body.username)) {
          throw new AppError('conflict', `The username "${body.username}" is taken.`, [{ path: 'username', message: 'Taken' }]);
        }
        const generated = body.password ? null : generatePassword();
        const passwordHash = await hashPassword(body.password || generated!);
        // Checked again after the slow hash: another request may have taken the name meanwhile (the UNIQUE index is the last word).
        if (findUserByUsername(db, body.username)) throw new AppError('conflict', `The username "${body.username}" is taken.`, [{ path: 'username', message: 'Taken' }]);
        const user = createUser(db, { clinicId: admin.clinicId, username: body.username, name: body.name, roles: body.roles, passwordHash });
        record(ctx, admin, 'user.create', user, { roles: body.roles, passwordGenerated: generated !== null });
        sendJson(ctx.res, 201, { user: adminUserView(user), ...(generated ? { generatedPassword: generated } : {}) });
      }
    },
    {
      method: 'GET',
      path: '/api/admin/users/:id',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        const open = sessions.openForUser(user.id).map((s) => ({
          id: s.id,
          createdAt: new Date(s.createdAt).toISOString(),
          lastSeenAt: new Date(s.lastSeenAt).toISOString(),
          expiresAt: new Date(s.expiresAt).toISOString(),
          current: s.id === admin.sessionId,
          deviceId: s.deviceId
        }));
        sendJson(ctx.res, 200, { user: adminUserView(user), sessions: open });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/users/:id/roles',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        const { roles } = parseWith(rolesBodySchema, await readJson(ctx.req));
        // A patient's account belongs to their record: making it a staff account here would hand a patient the clinic.
        if (user.roles.includes('patient')) throw new AppError('conflict', 'This is a patient’s account; its roles are not changed here.');
        if (admin.id === user.id && !roles.includes('admin')) refuseSelf(admin, user, 'remove the administrator role from');
        setUserRoles(db, user.id, roles);
        record(ctx, admin, 'user.roles', user, { from: user.roles, to: roles });
        sendJson(ctx.res, 200, { user: adminUserView(findUserById(db, user.id)!) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/users/:id/disabled',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        const { disabled } = parseWith(disabledSchema, await readJson(ctx.req));
        if (disabled) refuseSelf(admin, user, 'disable');
        setUserDisabled(db, user.id, disabled);
        const ended = disabled ? endAll(user.id, 'disabled') : 0;
        record(ctx, admin, 'user.disable', user, { disabled, sessionsEnded: ended });
        sendJson(ctx.res, 200, { user: adminUserView(findUserById(db, user.id)!), sessionsEnded: ended });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/users/:id/password',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        const body = parseWith(resetSchema, await readJson(ctx.req, 16 * 1024));
        const generated = body.password ? null : generatePassword();
        setPasswordHash(db, user.id, await hashPassword(body.password || generated!));
        const ended = endAll(user.id, 'password-reset');
        record(ctx, admin, 'user.password-reset', user, { sessionsEnded: ended, passwordGenerated: generated !== null });
        sendJson(ctx.res, 200, { sessionsEnded: ended, ...(generated ? { generatedPassword: generated } : {}) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/users/:id/sessions/revoke',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        const { sessionId } = parseWith(revokeSchema, await readJson(ctx.req));
        let ended: number;
        if (sessionId) {
          if (!sessions.openForUser(user.id).some((s) => s.id === sessionId)) throw new AppError('not-found', 'That session has already ended or is not this user’s.');
          sessions.revoke(sessionId, 'revoked');
          deps.endSession(sessionId, 'revoked');
          ended = 1;
        } else {
          ended = endAll(user.id, 'revoked');
        }
        record(ctx, admin, 'sessions.revoke', user, { count: ended, ...(sessionId ? { sessionId } : { all: true }) });
        sendJson(ctx.res, 200, { sessionsEnded: ended });
      }
    }
  ];
}
