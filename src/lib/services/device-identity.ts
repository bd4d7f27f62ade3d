import { isDeviceId } from '../domain/device-id';

/**
 * This browser install's device id: made up once, kept in localStorage, and
 * mirrored into the `outpost_device` cookie so every request and sync
 * upgrade names the device (server/devices/device-registry.ts). The server
 * records it at sign-in; an administrator who reports the device lost makes
 * the server answer its next contact with the wipe signal. It is no secret
 * and opens nothing: it only lets the server tell this install to erase
 * itself.
 */
export const DEVICE_ID_KEY = 'outpost-device-id';
const COOKIE = 'outpost_device';
/** 400 days, the longest a browser keeps a cookie; refreshed at every start. */
const COOKIE_MAX_AGE_S = 400 * 24 * 60 * 60;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** The device id, created on first use; null outside a browser or with storage blocked (sign-in then names no device). */
export function deviceId(): string | null {
  const store = storage();
  if (!store || typeof crypto?.randomUUID !== 'function') return null;
  let id = store.getItem(DEVICE_ID_KEY);
  if (!id || !isDeviceId(id)) {
    id = crypto.randomUUID();
    store.setItem(DEVICE_ID_KEY, id);
  }
  writeCookie(`${COOKIE}=${id}; Path=/; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}`);
  return id;
}

/** Forgets the cookie (the wipe erases the stored id with the rest of localStorage). */
export function forgetDeviceCookie(): void {
  writeCookie(`${COOKIE}=; Path=/; SameSite=Strict; Max-Age=0`);
}

function writeCookie(value: string): void {
  if (typeof document === 'undefined') return;
  const secure = typeof location !== 'undefined' && location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = value + secure;
}
