import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secrets the server must read back (join-link secrets, TOTP seeds) kept
 * sealed with AES-256-GCM under a key that lives outside the database: a
 * copy of the database alone reveals none of them.
 *
 * `context` is authenticated but not stored (GCM additional data): a sealed
 * value bound to one user's row does not open when copied into another's.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>`, base64url; a 96-bit random IV per
 * value (NIST SP 800-38D §8.2.2).
 */
export interface SecretSealer {
  seal(secret: string, context?: string): string;
  /** The secret, or null when the value is not one of this key's for this context (another server's key, tampered, moved). */
  open(sealed: string, context?: string): string | null;
}

const VERSION = 'v1';

/** True when `value` has the shape of a sealed secret (whatever key sealed it). */
export function looksSealed(value: string): boolean {
  return /^v1\.[\w-]+\.[\w-]*\.[\w-]+$/.test(value);
}

export function createSecretSealer(key: Buffer): SecretSealer {
  if (key.length !== 32) throw new Error('A sealing key must be 32 bytes');
  return {
    seal(secret, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [v, iv, body, tag] = sealed.split('.');
      if (v !== VERSION || !iv || body === undefined || !tag) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    }
  };
}

/**
 * Reads a 32-byte key file (base64), creating it (random, owner-only) on
 * first start. `label` names the key in the error a damaged file gives.
 */
export function loadOrCreateKeyFile(file: string, label: string, consequence: string): Buffer {
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`The ${label} ${file} is not 32 bytes; ${consequence}`);
    return key;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKeyFile(file, label, consequence);
    throw err;
  }
  return key;
}
