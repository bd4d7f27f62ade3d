import { AppError } from '../../src/lib/domain/errors';
import type { AuthService } from '../auth/auth-service';
import { WIPE_CONFIRM_PATH } from '../auth/auth-service';
import { isHttps } from '../auth/cookies';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import { findUserById } from '../store/users';
import type { Audit, SessionUser } from '../types';
import { deviceInClinic, listUserDevices, markDeviceLost, type DeviceAdminDeps } from './device-admin';
import { DEVICE_COOKIE, deviceIdOf } from './device-registry';

/**
 * JSON routes for lost devices: an administrator lists a user's devices and
 * reports one lost (the admin console calls these); a lost device posts
 * that it is erasing itself. Only administrators of the user's clinic may
 * list or report; every refusal is audited.
 */
export function deviceRoutes(deps: DeviceAdminDeps & { auth: AuthService; audit: Audit }): Route[] {
  function requireAdmin(ctx: RequestContext, target: string): SessionUser {
    const user = requireUser(ctx);
    if (!user.roles.includes('admin')) {
      deps.audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target, detail: { reason: 'not-admin' }, ip: ctx.ip });
      throw new AppError('forbidden', 'Only an administrator can manage devices.');
    }
    return user;
  }

  function refuseOtherClinic(ctx: RequestContext, admin: SessionUser, target: string): never {
    deps.audit.record({ action: 'authz.denied', outcome: 'failure', userId: admin.id, target, detail: { reason: 'other-clinic' }, ip: ctx.ip });
    // The same answer as for an unknown id: an administrator learns nothing of other clinics.
    throw new AppError('not-found', target.startsWith('device:') ? 'No device with this id has signed in here.' : 'No such user.');
  }

  return [
    {
      method: 'GET',
      path: '/api/users/:userId/devices',
      handler(ctx) {
        const target = `user:${ctx.params.userId.slice(0, 64)}`;
        const admin = requireAdmin(ctx, target);
        const user = findUserById(deps.db, ctx.params.userId);
        if (!user || user.clinicId !== admin.clinicId) refuseOtherClinic(ctx, admin, target);
        sendJson(ctx.res, 200, { devices: listUserDevices(deps, user.id) });
      }
    },
    {
      method: 'POST',
      path: '/api/devices/:deviceId/lost',
      handler(ctx) {
        const id = ctx.params.deviceId.toLowerCase();
        const target = `device:${id.slice(0, 64)}`;
        const admin = requireAdmin(ctx, target);
        if (!deps.devices.find(id) || !deviceInClinic(deps, id, admin.clinicId)) refuseOtherClinic(ctx, admin, target);
        const result = markDeviceLost(deps, id, { userId: admin.id, name: admin.username, ip: ctx.ip });
        sendJson(ctx.res, 200, result);
      }
    },
    {
      // The app says so before it erases, when it still can; the device is named by its cookie.
      method: 'POST',
      path: WIPE_CONFIRM_PATH,
      handler(ctx) {
        const id = deviceIdOf(ctx.req);
        if (!id || !deps.devices.noteWipeConfirmed(id)) throw new AppError('conflict', 'This device has not been reported lost.');
        deps.audit.record({ action: 'device.wipe-confirmed', outcome: 'success', userId: null, target: `device:${id}`, ip: ctx.ip });
        const secure = isHttps(ctx.req) ? '; Secure' : '';
        ctx.res.setHeader('Set-Cookie', `${DEVICE_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0${secure}`);
        ctx.res.statusCode = 204;
        ctx.res.end();
      }
    }
  ];
}
