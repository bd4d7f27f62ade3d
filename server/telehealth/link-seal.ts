import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Join-link secrets sealed for re-showing: the desk makes a patient's link
 * when booking, and the clinician's video console later shows that same
 * link instead of making a second one. The database keeps the SHA-256 of
 * each secret (what the join page is checked against) and, beside it, the
 * secret sealed with AES-256-GCM under a key kept in its own file, outside
 * the database: a copy of the database alone still lets nobody join.
 */
export interface LinkSealer {
  seal(secret: string): string;
  /** The secret, or null when the sealed value is not one of this key's (another server's, tampered). */
  open(sealed: string): string | null;
}

const VERSION = 'v1';

export function createLinkSealer(key: Buffer): LinkSealer {
  if (key.length !== 32) throw new Error('The join-link key must be 32 bytes');
  return {
    seal(secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed) {
      const [v, iv, body, tag] = sealed.split('.');
      if (v !== VERSION || !iv || !body || !tag) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    }
  };
}

/** Reads the key file, creating it (32 random bytes, owner-only) on first start. */
export function loadOrCreateLinkKey(file: string): Buffer {
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`The join-link key ${file} is not 32 bytes; remove it to make a new one (links made before stop being shown again).`);
    return key;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateLinkKey(file);
    throw err;
  }
  return key;
}
