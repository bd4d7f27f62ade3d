import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign,
  verify,
  type KeyObject
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';

/**
 * The keys a hub or an edge replicates with: an Ed25519 pair that signs
 * every request, answer and bundle, and an X25519 pair that sneakernet
 * bundles are encrypted to. Both private keys live in one file in the data
 * directory (mode 0600); only the public halves ever leave the machine.
 */
export interface ReplicationKeys {
  signPrivate: KeyObject;
  /** SPKI DER, base64: what the other side stores. */
  signPublic: string;
  boxPrivate: KeyObject;
  boxPublic: string;
}

export const KEY_FILE = 'replication-keys.json';

export function generateKeys(): ReplicationKeys {
  const s = generateKeyPairSync('ed25519');
  const b = generateKeyPairSync('x25519');
  return {
    signPrivate: s.privateKey,
    signPublic: s.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    boxPrivate: b.privateKey,
    boxPublic: b.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  };
}

export function saveKeys(file: string, keys: ReplicationKeys): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = JSON.stringify({
    sign: keys.signPrivate.export({ type: 'pkcs8', format: 'pem' }),
    box: keys.boxPrivate.export({ type: 'pkcs8', format: 'pem' })
  });
  fs.writeFileSync(file, body, { mode: 0o600 });
}

export function loadKeys(file: string): ReplicationKeys | null {
  if (!fs.existsSync(file)) return null;
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { sign: string; box: string };
  const signPrivate = createPrivateKey(raw.sign);
  const boxPrivate = createPrivateKey(raw.box);
  return {
    signPrivate,
    signPublic: createPublicKey(signPrivate).export({ type: 'spki', format: 'der' }).toString('base64'),
    boxPrivate,
    boxPublic: createPublicKey(boxPrivate).export({ type: 'spki', format: 'der' }).toString('base64')
  };
}

export function loadOrCreateKeys(file: string): ReplicationKeys {
  const existing = loadKeys(file);
  if (existing) return existing;
  const keys = generateKeys();
  saveKeys(file, keys);
  return keys;
}

/** A public key sent by the other side; throws on anything but the expected kind. */
export function publicKeyFrom(b64: string, kind: 'ed25519' | 'x25519'): KeyObject {
  const key = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== kind) throw new Error(`not an ${kind} key`);
  return key;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function signText(key: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}

export function verifyText(key: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** JSON, brotli-compressed: every body of the replication protocol. */
export function packJson(value: unknown): Buffer {
  return brotliCompressSync(Buffer.from(JSON.stringify(value), 'utf8'), {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 }
  });
}

/** The reverse of packJson, refusing to inflate beyond `maxBytes` (a compression bomb). */
export function unpackJson(body: Uint8Array, maxBytes: number): unknown {
  const text = brotliDecompressSync(body, { maxOutputLength: maxBytes }).toString('utf8');
  return JSON.parse(text) as unknown;
}

/**
 * Encrypts to an X25519 public key: an ephemeral key agreement, HKDF-SHA-256
 * to an AES-256-GCM key. Returns what the recipient needs besides its
 * private key.
 */
export function sealTo(recipientBoxPublic: string, plaintext: Uint8Array): { ephemeralKey: string; iv: string; tag: string; ciphertext: string } {
  const recipient = publicKeyFrom(recipientBoxPublic, 'x25519');
  const eph = generateKeyPairSync('x25519');
  const ephemeralKey = eph.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const key = deriveKey(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), ephemeralKey, recipientBoxPublic);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ephemeralKey, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
}

export function openSealed(keys: ReplicationKeys, sealed: { ephemeralKey: string; iv: string; tag: string; ciphertext: string }): Buffer {
  const eph = publicKeyFrom(sealed.ephemeralKey, 'x25519');
  const key = deriveKey(diffieHellman({ privateKey: keys.boxPrivate, publicKey: eph }), sealed.ephemeralKey, keys.boxPublic);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
}

function deriveKey(shared: Buffer, ephemeralKey: string, recipientKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(`${ephemeralKey}|${recipientKey}`), 'outpost-replication-bundle-v1', 32));
}
