import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The key that signs the audit log's checkpoints: Ed25519, kept in a PEM
 * file the administrator controls (OUTPOST_AUDIT_KEY_FILE), outside the data
 * directory.
 *
 * Why a signature and not an HMAC: checking a checkpoint then needs only the
 * public key, which can be copied anywhere (an auditor's laptop, a printout)
 * without giving its holder the power to forge checkpoints. The private key
 * must stay on the server to sign, so whoever holds it and the checkpoint
 * file can still rewrite both; the README says so.
 */

export interface AuditSigningKey {
  /** `ed25519:` and the first 16 hex digits of the SHA-256 of the public key (SPKI DER). */
  keyId: string;
  publicKey: KeyObject;
  sign(data: Buffer): string;
}

export interface TrustedKey {
  keyId: string;
  publicKey: KeyObject;
}

/** The key id of a public key: short, stable, printable. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

/** Where the public half is written beside a generated key, for copying off the machine. */
export function publicKeyFileFor(keyFile: string): string {
  return keyFile.replace(/(\.pem)?$/, '.pub.pem');
}

/**
 * Reads the signing key, or creates one when the file does not exist yet
 * (readable by this account only, the public half beside it). `created`
 * lets the server print where the new key went, so an administrator learns
 * of it on the first start.
 */
export function loadOrCreateSigningKey(keyFile: string): { key: AuditSigningKey; created: boolean } {
  if (fs.existsSync(keyFile)) return { key: signingKeyFrom(readKeyFile(keyFile), keyFile), created: false };
  try {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`Cannot create the audit key ${keyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}); set OUTPOST_AUDIT_KEY_FILE.`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  try {
    // 'wx': two processes starting at once must not each write a different key.
    fs.writeFileSync(keyFile, pem, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSigningKey(keyFile);
    throw err;
  }
  fs.writeFileSync(publicKeyFileFor(keyFile), publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 });
  return { key: signingKeyFrom(pem, keyFile), created: true };
}

/**
 * A key to check checkpoints with, from a PEM file holding either the
 * private key (the server's own file) or only the public key (a copy kept
 * elsewhere).
 */
export function loadTrustedKey(file: string): TrustedKey {
  const pem = readKeyFile(file);
  let publicKey: KeyObject;
  try {
    publicKey = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  } catch {
    throw new Error(`${file} does not hold a PEM key`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 key`);
  return { keyId: keyIdOf(publicKey), publicKey };
}

export function verifySignature(key: TrustedKey, data: Buffer, signature: string): boolean {
  try {
    return verify(null, data, key.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function readKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the audit key file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function signingKeyFrom(pem: string, file: string): AuditSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${file} does not hold a PEM private key (OUTPOST_AUDIT_KEY_FILE)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    sign: (data) => sign(null, data, privateKey).toString('base64')
  };
}
