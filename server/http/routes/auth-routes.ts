import { z } from 'zod';
import { isDeviceId } from '../../../src/lib/domain/device-id';
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

/** The user as the app sees it (the session id stays on the server). */
export function publicUser(u: SessionUser) {
  return { id: u.id, username: u.username, name: u.name, roles: u.roles, clinicId: u.clinicId, clinicName: u.clinicName };
}

export function authRoutes(auth: AuthService): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/auth/login',
      async handler({ req, res, ip }) {
        const body = parseWith(loginSchema, await readJson(req, 16 * 1024));
        const device = body.deviceId ? { id: body.deviceId.toLowerCase(), userAgent: summariseUserAgent(req.headers['user-agent']) } : null;
        const result = await auth.login(body.username, body.password, ip, device);
        res.setHeader('Set-Cookie', sessionCookie(result.token, result.maxAgeSeconds, isHttps(req)));
        sendJson(res, 200, { user: publicUser(result.user) });
      }
    },
    {
      method: 'GET',
      path: '/api/auth/me',
      handler(ctx) {
        sendJson(ctx.res, 200, { user: publicUser(requireUser(ctx)) });
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
