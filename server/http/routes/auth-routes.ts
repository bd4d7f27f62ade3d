import { z } from 'zod';
import { isDeviceId } from '../../../src/lib/domain/device-id';
import type { DevicePanelSetting } from '../../../src/lib/domain/device-panel';
import { summariseUserAgent } from '../../devices/device-registry';
import type { AuthService } from '../../auth/auth-service';
import { clearedSessionCookie, isHttps, sessionCookie } from '../../auth/cookies';
import type { SessionUser } from '../../types';
import { parseWith, readJson } from '../body';
import { requireUser, type Route } from '../context';
import { sendJson } from '../errors';

const loginSchema = z.object({
  username: z.string().trim().min(1, 'Enter your username').max(100),
  password: z.string().min(1, 'Enter your password').max(1024),
  /** This browser install's id (src/lib/services/device-identity.ts); optional for scripts and older apps. */
  deviceId: z.string().max(64).refine(isDeviceId, 'Not a device id').optional()
});

const pendingSchema = z.object({ pendingToken: z.string().min(1, 'The sign-in has no pending step').max(200) });
const codeSchema = z.string().trim().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app');
const verifySchema = z.union([
  pendingSchema.extend({ code: codeSchema }).strict(),
  pendingSchema.extend({ recoveryCode: z.string().trim().min(1, 'Enter a recovery code').max(40) }).strict()
]);
const pendingCodeSchema = pendingSchema.extend({ code: codeSchema });
const sessionCodeSchema = z.object({ code: codeSchema });

/** The user as the app sees it (the session id stays on the server). */
export function publicUser(u: SessionUser) {
  return { id: u.id, username: u.username, name: u.name, roles: u.roles, clinicId: u.clinicId, clinicName: u.clinicName };
}

/** The clinic's settings the app applies while this user is signed in (admin/clinic-settings.ts). */
export interface UserClinicSettings {
  idleLockMinutes: number;
  /** What the user's devices keep (domain/device-panel.ts). */
  devicePanel?: DevicePanelSetting;
}

/**
 * Sign-in, who-am-I and sign-out. `clinicSettings` adds the user's clinic's
 * settings to the answers (the app seals them with the profile, so an
 * offline unlock applies them too); without it the answer is the user alone.
 */
export function authRoutes(auth: AuthService, clinicSettings?: (clinicId: string) => UserClinicSettings): Route[] {
  const withSettings = (u: SessionUser) => ({ ...publicUser(u), ...(clinicSettings ? { clinicSettings: clinicSettings(u.clinicId) } : {}) });
  return [
    {
      method: 'POST',
      path: '/api/auth/login',
      async handler({ req, res, ip }) {
        const body = parseWith(loginSchema, await readJson(req, 16 * 1024));
        const device = body.deviceId ? { id: body.deviceId.toLowerCase(), userAgent: summariseUserAgent(req.headers['user-agent']) } : null;
        const result = await auth.login(body.username, body.password, ip, device);
        if (result.kind === 'session') {
          res.setHeader('Set-Cookie', sessionCookie(result.token, result.maxAgeSeconds, isHttps(req)));
          sendJson(res, 200, { user: withSettings(result.user) });
          return;
        }
        // Password accepted; no session yet: the second step (or an enrolment) comes first.
        sendJson(res, 200, {
          secondFactor: result.kind === 'enrol' ? 'enrol' : 'code',
          pendingToken: result.pendingToken,
          expiresInSeconds: result.expiresInSeconds,
          methods: result.methods
        });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/login/second-factor',
      async handler({ req, res, ip }) {
        const body = parseWith(verifySchema, await readJson(req, 4 * 1024));
        const proof = 'code' in body ? { code: body.code } : { recoveryCode: body.recoveryCode };
        const result = auth.verifySecondFactor(body.pendingToken, proof, ip);
        res.setHeader('Set-Cookie', sessionCookie(result.token, result.maxAgeSeconds, isHttps(req)));
        sendJson(res, 200, { user: withSettings(result.user) });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/login/enrol',
      async handler({ req, res, ip }) {
        const body = parseWith(pendingSchema, await readJson(req, 4 * 1024));
        sendJson(res, 200, auth.beginPendingEnrolment(body.pendingToken, ip));
      }
    },
    {
      method: 'POST',
      path: '/api/auth/login/enrol/confirm',
      async handler({ req, res, ip }) {
        const body = parseWith(pendingCodeSchema, await readJson(req, 4 * 1024));
        const result = auth.confirmPendingEnrolment(body.pendingToken, body.code, ip);
        res.setHeader('Set-Cookie', sessionCookie(result.token, result.maxAgeSeconds, isHttps(req)));
        sendJson(res, 200, { user: withSettings(result.user), recoveryCodes: result.recoveryCodes });
      }
    },
    {
      method: 'GET',
      path: '/api/auth/second-factor',
      handler(ctx) {
        sendJson(ctx.res, 200, auth.secondFactorStatus(requireUser(ctx)));
      }
    },
    {
      method: 'POST',
      path: '/api/auth/second-factor/enrol',
      handler(ctx) {
        sendJson(ctx.res, 200, auth.beginEnrolment(requireUser(ctx), ctx.ip));
      }
    },
    {
      method: 'POST',
      path: '/api/auth/second-factor/enrol/confirm',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = parseWith(sessionCodeSchema, await readJson(ctx.req, 4 * 1024));
        sendJson(ctx.res, 200, { recoveryCodes: auth.confirmEnrolment(user, body.code, ctx.ip) });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/second-factor/recovery-codes',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = parseWith(sessionCodeSchema, await readJson(ctx.req, 4 * 1024));
        sendJson(ctx.res, 200, { recoveryCodes: auth.regenerateRecoveryCodes(user, body.code, ctx.ip) });
      }
    },
    {
      method: 'GET',
      path: '/api/auth/me',
      handler(ctx) {
        sendJson(ctx.res, 200, { user: withSettings(requireUser(ctx)) });
      }
    },
    {
      method: 'POST',
      path: '/api/auth/logout',
      handler({ req, res, user, ip }) {
        // Signing out twice, or with an already expired session, still clears the cookie.
        if (user) auth.logout(user, ip);
        res.setHeader('Set-Cookie', clearedSessionCookie(isHttps(req)));
        res.statusCode = 204;
        res.end();
      }
    },
    {
      // Ends the user's sessions on every device, this one included (a phone left signed in somewhere).
      method: 'POST',
      path: '/api/auth/logout-everywhere',
      handler(ctx) {
        const user = requireUser(ctx);
        const ended = auth.logoutEverywhere(user, ctx.ip);
        ctx.res.setHeader('Set-Cookie', clearedSessionCookie(isHttps(ctx.req)));
        sendJson(ctx.res, 200, { ended });
      }
    }
  ];
}
