/**
 * Test helper: what someone who copies the device's IndexedDB sees. Every
 * database, every object store, every key and every record, as text a test
 * can search for plaintext.
 *
 * Bytes are shown decoded three ways (UTF-8, Latin-1, and UTF-16LE at both
 * alignments), so a name with accents is found whichever way it was encoded;
 * a Blob is read, not printed as `{}`; ArrayBuffers and every typed array or
 * DataView are shown through their own window of the buffer. Strings are
 * normalized to NFC, so search for NFC text (what a source literal is).
 * Objects print as `{"key":value}` with strings in quotes but not escaped,
 * so a search for `"systolic":152` or for a string holding quotes works.
 */
export async function dumpIndexedDb(factory: IDBFactory = indexedDB): Promise<string> {
  const out: string[] = [];
  for (const info of await factory.databases()) {
    const db = await request(factory.open(info.name!));
    try {
      for (const store of Array.from(db.objectStoreNames)) {
        const keys = await request(db.transaction(store).objectStore(store).getAllKeys());
        const values = await request(db.transaction(store).objectStore(store).getAll());
        for (let i = 0; i < values.length; i++) {
          out.push(`${info.name}/${store}: ${await rawText(keys[i])} => ${await rawText(values[i])}`);
        }
      }
    } finally {
      db.close();
    }
  }
  return out.join('\n');
}

/** One stored value as the dump shows it (see dumpIndexedDb). */
export async function rawText(value: unknown): Promise<string> {
  if (typeof value === 'string') return `"${value.normalize('NFC')}"`;
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof ArrayBuffer) return bytesText(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) return bytesText(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    const name = typeof File !== 'undefined' && value instanceof File ? ` name="${value.name.normalize('NFC')}"` : '';
    return `[blob type="${value.type}"${name} ${bytesText(new Uint8Array(await value.arrayBuffer()))}]`;
  }
  if (value instanceof Map) {
    const parts: string[] = [];
    for (const [k, v] of value) parts.push(`${await rawText(k)}:${await rawText(v)}`);
    return `Map{${parts.join(',')}}`;
  }
  if (value instanceof Set) return `Set[${(await Promise.all([...value].map(rawText))).join(',')}]`;
  if (Array.isArray(value)) return `[${(await Promise.all(value.map(rawText))).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) parts.push(`"${k}":${await rawText(v)}`);
  return `{${parts.join(',')}}`;
}

function bytesText(bytes: Uint8Array): string {
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(bytes).normalize('NFC');
  const latin1 = Array.from(bytes, (b) => String.fromCharCode(b)).join('').normalize('NFC');
  const utf16 = (from: number) => new TextDecoder('utf-16le', { fatal: false }).decode(bytes.subarray(from, from + ((bytes.length - from) & ~1)));
  return `bytes(${bytes.length}) utf-8:${utf8} | latin-1:${latin1} | utf-16le:${utf16(0)} | utf-16le+1:${bytes.length > 1 ? utf16(1) : ''}`;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
