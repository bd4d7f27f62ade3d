import type { Page } from '@playwright/test';

/**
 * What someone who copies a device's disk can read out of the app's
 * IndexedDB: every database, every object store, every key and record.
 * Byte data is read too, not just strings: Blob contents, ArrayBuffers and
 * typed arrays are decoded both as UTF-8 (what TextEncoder, Yjs and JSON
 * write, so "García" is found) and as Latin-1 (one byte per character).
 *
 * A check "this text is not in the dump" is only worth something if the
 * dump can see the text in every form the app could store it in:
 * `plantDumpControl` puts a known value in a scratch database in each of
 * those forms, and `storesHolding` must find it in all of them.
 */
export interface StoreDump {
  db: string;
  store: string;
  records: number;
  /** Keys and records as text, NFC-normalised and lower-cased for searching. */
  text: string;
}

export async function dumpIndexedDb(page: Page): Promise<StoreDump[]> {
  const stores = await page.evaluate(async () => {
    const utf8 = new TextDecoder('utf-8'); // not fatal: invalid bytes become U+FFFD and valid runs stay readable
    const latin1 = new TextDecoder('latin1');
    const bytesText = (b: Uint8Array) => `${utf8.decode(b)}\n${latin1.decode(b)}`;
    const toText = async (v: unknown, seen: Set<object>): Promise<string> => {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return String(v);
      if (seen.has(v)) return '';
      seen.add(v);
      if (v instanceof ArrayBuffer) return bytesText(new Uint8Array(v));
      if (ArrayBuffer.isView(v)) return bytesText(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      if (v instanceof Blob) {
        const name = v instanceof File ? `${v.name} ` : '';
        return `${name}[${v.type}]\n${bytesText(new Uint8Array(await v.arrayBuffer()))}`;
      }
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      const parts: string[] = [];
      const entries: [unknown, unknown][] =
        v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v].map((x) => [x, x]) : Object.entries(v);
      for (const [k, x] of entries) parts.push(`${await toText(k, seen)}=${await toText(x, seen)}`);
      return parts.join('\n');
    };
    const request = <T>(req: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });

    const out: { db: string; store: string; records: number; text: string }[] = [];
    for (const info of await indexedDB.databases()) {
      const db = await request(indexedDB.open(info.name!));
      try {
        for (const store of Array.from(db.objectStoreNames)) {
          const objects = db.transaction(store).objectStore(store);
          const [keys, values] = await Promise.all([request(objects.getAllKeys()), request(objects.getAll())]);
          out.push({ db: db.name, store, records: values.length, text: `${await toText(keys, new Set())}\n${await toText(values, new Set())}` });
        }
      } finally {
        db.close();
      }
    }
    return out;
  });
  return stores.map((s) => ({ ...s, text: searchable(s.text) }));
}

function searchable(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** The stores (`db/store`, sorted) whose keys or records contain `needle`, ignoring case and Unicode normalisation form. */
export function storesHolding(dump: StoreDump[], needle: string): string[] {
  const n = searchable(needle);
  return dump
    .filter((s) => s.text.includes(n))
    .map((s) => `${s.db}/${s.store}`)
    .sort();
}

export const CONTROL_DATABASE = 'outpost-dump-control';

/**
 * Stores `text` in a scratch database (CONTROL_DATABASE) once per form a
 * record can carry it in, one object store per form, and `bytes` (if given)
 * as a Blob in store `bytes`. Returns the `db/store` names planted for
 * `text`, sorted: the answer `storesHolding` must give for it.
 */
export async function plantDumpControl(page: Page, text: string, bytes?: Uint8Array): Promise<string[]> {
  const stores = await page.evaluate(
    async ({ name, text, bytes }) => {
      const utf8 = new TextEncoder().encode(text);
      // A view into the middle of a larger buffer, as a subarray would be.
      const padded = new Uint8Array(utf8.length + 16);
      padded.set(utf8, 8);
      const latin1 = Uint8Array.from(text, (c) => {
        const code = c.charCodeAt(0);
        if (code > 0xff) throw new Error(`not Latin-1: ${c}`);
        return code;
      });
      const forms: Record<string, { key: IDBValidKey; value: unknown }> = {
        string: { key: 1, value: text },
        nested: { key: 1, value: { patient: { name: [{ text }] }, when: new Date(0) } },
        key: { key: text, value: 0 },
        blob: { key: 1, value: new Blob([utf8], { type: 'text/plain' }) },
        arraybuffer: { key: 1, value: utf8.slice().buffer },
        'typed-array': { key: 1, value: padded.subarray(8, 8 + utf8.length) },
        latin1: { key: 1, value: latin1.buffer },
        nfd: { key: 1, value: new TextEncoder().encode(text.normalize('NFD')) }
      };
      if (bytes) forms.bytes = { key: 1, value: new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }) };

      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.deleteDatabase(name);
        req.onsuccess = () => resolve();
        req.onerror = () => reject(req.error);
      });
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          for (const store of Object.keys(forms)) req.result.createObjectStore(store);
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const tx = db.transaction(Object.keys(forms), 'readwrite');
      for (const [store, { key, value }] of Object.entries(forms)) tx.objectStore(store).put(value, key);
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return Object.keys(forms).filter((f) => f !== 'bytes');
    },
    { name: CONTROL_DATABASE, text, bytes: bytes ? Array.from(bytes) : undefined }
  );
  return stores.map((s) => `${CONTROL_DATABASE}/${s}`).sort();
}

/** The scratch database's stores apart from the app's own. */
export function splitControl(dump: StoreDump[]): { control: StoreDump[]; app: StoreDump[] } {
  return { control: dump.filter((s) => s.db === CONTROL_DATABASE), app: dump.filter((s) => s.db !== CONTROL_DATABASE) };
}

export async function removeDumpControl(page: Page): Promise<void> {
  await page.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.deleteDatabase(name);
        req.onsuccess = () => resolve();
        req.onerror = () => reject(req.error);
      }),
    CONTROL_DATABASE
  );
}
