import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { isDeviceId } from '../../src/lib/domain/device-id';
import { devicePanelSchema } from '../../src/lib/domain/device-panel';
import { resultReleaseSchema } from '../../src/lib/domain/result-release';
import { ROLES } from '../../src/lib/domain/roles';
import { createSecondFactorStore, resetSecondFactor, secondFactorRequired, secondFactorRoles, setSecondFactorRoles } from '../auth/second-factor';
import { markDeviceLost, type DeviceAdminDeps } from '../devices/device-admin';
import type { DeviceRow } from '../devices/device-registry';
import { readJson } from '../http/body';
import type { Route } from '../http/context';
import { fromZod, sendJson } from '../http/errors';
import { findUserById, type User } from '../store/users';
import type { Audit, SessionUser } from '../types';
import { requireAdmin } from './admin-guard';
import { devicePanelView, setDevicePanel } from './device-panel-store';
import { resultReleaseView, setResultRelease } from './result-release-store';

/**
 * The security side of the admin console: a user's devices and second
 * factor (with "mark device lost" and "reset second factor"), and the
 * clinic's policies (which roles must use a second factor, when results are
 * released to patients, what each staff device keeps). Each is the same function the admin CLI calls
 * (devices/device-admin.ts, auth/second-factor.ts), so both paths audit
 * alike; the audit entries here add `via: 'admin-console'`. A user or
 * device of another clinic answers as unknown (404).
 */

export interface AdminSecurityDeps {
  db: Database.Database;
  audit: Audit;
  devices: DeviceAdminDeps['devices'];
  /** Closes the sync sockets of sessions a lost device had, at once. */
  notifyEnded(sessionIds: readonly string[]): void;
}

/** The first problem, said plainly, as the answer's message; every problem in the details. */
export function parseReadable<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw fromZod(r.error, r.error.issues[0]?.message ?? 'The request is not valid');
  return r.data;
}

const policySchema = z
  .object({
    roles: z
      .array(z.enum(ROLES, { error: `Roles are ${ROLES.join(', ')}` }), { error: 'Send the roles as a list (it may be empty)' })
      .max(ROLES.length, 'Each role once')
      .transform((r) => [...new Set(r)])
  })
  .strict();

const emptySchema = z.object({}).strict();

export type DeviceState = 'in-use' | 'lost' | 'wiped';

/** A device as the console shows it: a browser and system summary, never more than the registry keeps. */
export function adminDeviceView(d: DeviceRow) {
  const state: DeviceState = d.wipeConfirmedAt ? 'wiped' : d.lostAt ? 'lost' : 'in-use';
  return { id: d.id, name: d.userAgent, firstSeenAt: d.firstSeenAt, lastSeenAt: d.lastSeenAt, state, lostAt: d.lostAt, lostBy: d.lostBy, wipeConfirmedAt: d.wipeConfirmedAt };
}

export function adminSecurityRoutes(deps: AdminSecurityDeps): Route[] {
  const { db, audit, devices } = deps;
  const factors = createSecondFactorStore(db);

  function userInClinic(admin: SessionUser, id: string): User {
    const user = findUserById(db, id);
    if (!user || user.clinicId !== admin.clinicId) throw new AppError('not-found', 'There is no such user in your clinic.');
    return user;
  }

  function secondFactorView(user: User) {
    const s = factors.status(user.id);
    return { enrolled: s.enrolled, confirmedAt: s.confirmedAt, recoveryCodesLeft: s.recoveryCodesLeft, required: secondFactorRequired(db, user) };
  }

  return [
    {
      method: 'GET',
      path: '/api/admin/users/:id/security',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        sendJson(ctx.res, 200, { devices: devices.listForUser(user.id).map(adminDeviceView), secondFactor: secondFactorView(user) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/users/:id/devices/:device/lost',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        parseReadable(emptySchema, await readJson(ctx.req));
        const deviceId = ctx.params.device.toLowerCase();
        if (!isDeviceId(deviceId)) throw new AppError('invalid', 'Not a device id.', [{ path: 'deviceId', message: 'Not a device id' }]);
        // Only a device this user signed in on: the id alone must not reach another clinic's device.
        if (!devices.usersOf(deviceId).includes(user.id)) throw new AppError('not-found', 'This user has not signed in on that device.');
        const result = markDeviceLost({ db, devices, audit, notifyEnded: deps.notifyEnded }, deviceId, { userId: admin.id, name: admin.username, ip: ctx.ip, via: 'admin-console' });
        sendJson(ctx.res, 200, { ...result, device: adminDeviceView(devices.find(deviceId)!) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/users/:id/second-factor/reset',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const user = userInClinic(admin, ctx.params.id);
        parseReadable(emptySchema, await readJson(ctx.req));
        // An administrator who could clear their own factor would make the factor worthless for that account.
        if (admin.id === user.id) throw new AppError('conflict', 'You cannot reset your own second factor; ask another administrator.');
        const had = resetSecondFactor(db, audit, { id: user.id, username: user.username }, { userId: admin.id, via: 'admin-console' });
        sendJson(ctx.res, 200, { hadAuthenticator: had, secondFactor: secondFactorView(user) });
      }
    },
    {
      method: 'GET',
      path: '/api/admin/clinic/second-factor',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        sendJson(ctx.res, 200, { roles: secondFactorRoles(db, admin.clinicId) });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/clinic/second-factor',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const { roles } = parseReadable(policySchema, await readJson(ctx.req));
        setSecondFactorRoles(db, audit, admin.clinicId, roles, { userId: admin.id, via: 'admin-console' });
        sendJson(ctx.res, 200, { roles: secondFactorRoles(db, admin.clinicId) });
      }
    },
    {
      method: 'GET',
      path: '/api/admin/clinic/result-release',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        sendJson(ctx.res, 200, resultReleaseView(db, admin.clinicId));
      }
    },
    {
      method: 'POST',
      path: '/api/admin/clinic/result-release',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const policy = parseReadable(resultReleaseSchema, await readJson(ctx.req));
        const before = setResultRelease(db, admin.clinicId, policy, admin.id);
        audit.record({ action: 'clinic.settings', outcome: 'success', userId: admin.id, target: `clinic:${admin.clinicId}`, detail: { changed: { resultRelease: { from: before, to: policy } }, via: 'admin-console' }, ip: ctx.ip });
        sendJson(ctx.res, 200, resultReleaseView(db, admin.clinicId));
      }
    },
    {
      method: 'GET',
      path: '/api/admin/clinic/device-panel',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        sendJson(ctx.res, 200, devicePanelView(db, admin.clinicId));
      }
    },
    {
      method: 'POST',
      path: '/api/admin/clinic/device-panel',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const setting = parseReadable(devicePanelSchema, await readJson(ctx.req));
        const before = setDevicePanel(db, admin.clinicId, setting, admin.id);
        audit.record({ action: 'clinic.settings', outcome: 'success', userId: admin.id, target: `clinic:${admin.clinicId}`, detail: { changed: { devicePanel: { from: before, to: setting } }, via: 'admin-console' }, ip: ctx.ip });
        sendJson(ctx.res, 200, devicePanelView(db, admin.clinicId));
      }
    }
  ];
}
