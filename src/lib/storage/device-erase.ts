import Dexie from 'dexie';
import { DEVICE_DATABASE_NAME } from './device-database';
import { userDatabaseName } from './user-database';

/**
 * Erases everything Outpost keeps in this browser, for every user: each
 * IndexedDB database (the device list of accounts and every user's
 * encrypted store, with its records, outbox, attachments, chart summaries
 * and passkey quick-unlock key), the service worker's caches other than the
 * app's own code, sessionStorage, and localStorage except the language
 * choices. Called when the server says this device was reported lost.
 *
 * `knownUserIds`: the users the device list named, read before erasing, so
 * their databases go even where `indexedDB.databases()` is missing.
 */
export async function eraseDeviceData(knownUserIds: readonly string[]): Promise<EraseReport> {
  const names = new Set<string>([DEVICE_DATABASE_NAME, ...knownUserIds.map(userDatabaseName)]);
  if (typeof indexedDB !== 'undefined' && typeof indexedDB.databases === 'function') {
    for (const info of await indexedDB.databases()) if (info.name) names.add(info.name);
  }
  // Dexie connections in this page and other tabs close themselves on the delete's versionchange.
  await Promise.all([...names].map((name) => Dexie.delete(name)));
  const caches = await eraseCaches();
  eraseStorage();
  return { databases: names.size, caches };
}

export interface EraseReport {
  databases: number;
  caches: number;
}

/**
 * The precache holds the app's own code and static files only (no API
 * answer is cached: the worker has no runtime caching), so it stays and
 * the cleared screen still loads offline; any other cache goes.
 */
async function eraseCaches(): Promise<number> {
  if (typeof caches === 'undefined') return 0;
  const names = (await caches.keys()).filter((n) => !n.startsWith('workbox-precache'));
  await Promise.all(names.map((n) => caches.delete(n)));
  return names.length;
}

/** Language choices stay (the cleared screen and the next sign-in speak the user's language); nothing else does. */
export const KEPT_STORAGE_KEY = /^outpost-(language|join-language)(:|$)/;

function eraseStorage(): void {
  try {
    const store = globalThis.localStorage;
    if (store) {
      const keys = Array.from({ length: store.length }, (_, i) => store.key(i)).filter((k): k is string => k !== null);
      for (const k of keys) if (!KEPT_STORAGE_KEY.test(k)) store.removeItem(k);
    }
    globalThis.sessionStorage?.clear();
  } catch {
    // Storage blocked by the browser: there is nothing in it to erase.
  }
}
