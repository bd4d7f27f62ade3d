import { z } from 'zod';
import type { AuthService } from '../../auth/auth-service';
import { clearedSessionCookie, isHttps, sessionCookie } from '../../auth/cookies';
import type { SessionUser } from '../../types';
import { parseWith, readJson } from '../body';
import { requireUser, type Route } from '../context';
import { sendJson } from '../errors';

const loginSchema = z.object({
  username: z.string().trim().min(1, 'Enter your username').max(100),
  password: z.string().min(1, 'Enter your password').max(1024)
});

/** The user as the app sees it (the session id stays on the server). */
export function publicUser(u: SessionUser) {
  return { id: u.id, username: u.username, name: u.name, roles: u.roles, clinicId: u.clinicId, clinicName: u.clinicName };
}

/** The clinic's settings the app applies while this user is signed in (admin/clinic-settings.ts). */
export interface UserClinicSettings {
  idleLockMinutes: number;
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
        const result = await auth.login(body.username, body.password, ip);
        res.setHeader('Set-Cookie', sessionCookie(result.token, result.maxAgeSeconds, isHttps(req)));
        sendJson(res, 200, { user: withSettings(result.user) });
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
    }
  ];
}
