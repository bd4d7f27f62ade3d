import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { isDeviceId } from '../../src/lib/domain/device-id';
import { findUserById } from '../store/users';
import type { Audit } from '../types';
import type { DeviceRegistry, DeviceRow } from './device-registry';

/**
 * What an administrator does with a user's devices: list them and report
 * one lost. Called by the admin CLI (`list-devices`, `mark-device-lost`),
 * by the JSON routes in device-routes.ts and by the admin console; each
 * caller decides who may (the routes: an administrator of a clinic whose
 * user signed in on the device).
 */

export interface DeviceAdminDeps {
  db: Database.Database;
  devices: DeviceRegistry;
  audit: Audit;
  /** Closes the sockets of the ended sessions at once (a running server); the CLI leaves it to the server's periodic check. */
  notifyEnded?(sessionIds: readonly string[]): void;
}

/** Who reports the device lost, for the audit log. */
export interface DeviceActor {
  userId: string | null;
  /** Username of the administrator, or "admin-cli:<os user>" from the shell. */
  name: string;
  ip?: string | null;
  /** Which tool reported it (the admin console says 'admin-console'), for the audit log. */
  via?: string;
}

export function listUserDevices(deps: Pick<DeviceAdminDeps, 'devices'>, userId: string): DeviceRow[] {
  return deps.devices.listForUser(userId);
}

export interface MarkLostResult {
  deviceId: string;
  sessionsEnded: number;
  alreadyLost: boolean;
}

/**
 * Reports a device lost: every session opened on it ends now, and from its
 * next contact on (sign-in, sync, any API call) the server answers it only
 * with the wipe signal. Audited, with how many sessions ended and for whom.
 */
export function markDeviceLost(deps: DeviceAdminDeps, deviceId: string, actor: DeviceActor): MarkLostResult {
  const id = deviceId.trim().toLowerCase();
  if (!isDeviceId(id)) throw new AppError('invalid', 'Not a device id.');
  const result = deps.devices.markLost(id, actor.name);
  if (!result) throw new AppError('not-found', 'No device with this id has signed in here.');
  deps.audit.record({
    action: 'device.lost',
    outcome: 'success',
    userId: actor.userId,
    target: `device:${id}`,
    detail: { by: actor.name.slice(0, 100), sessionsEnded: result.endedSessions.length, alreadyLost: result.alreadyLost, users: deps.devices.usersOf(id), ...(actor.via ? { via: actor.via } : {}) },
    ip: actor.ip ?? null
  });
  deps.notifyEnded?.(result.endedSessions);
  return { deviceId: id, sessionsEnded: result.endedSessions.length, alreadyLost: result.alreadyLost };
}

/** True when an administrator of `clinicId` may see or act on the device: one of its users belongs to that clinic. */
export function deviceInClinic(deps: Pick<DeviceAdminDeps, 'db' | 'devices'>, deviceId: string, clinicId: string): boolean {
  return deps.devices.usersOf(deviceId).some((userId) => findUserById(deps.db, userId)?.clinicId === clinicId);
}
