/**
 * A device id: a random UUID the browser install makes up once
 * (crypto.randomUUID) and the server records at sign-in. Shared by the app
 * and the server so both refuse the same malformed ids.
 */
const DEVICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isDeviceId(value: string): boolean {
  return DEVICE_ID.test(value);
}
