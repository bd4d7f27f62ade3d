import { AppError } from '../domain/errors';

/**
 * The cryptographic primitives of the device store, on WebCrypto only.
 *
 * - A random 256-bit AES-GCM data key encrypts every record.
 * - The data key is wrapped by a key derived from the user's password with
 *   PBKDF2-SHA-256 (600,000 iterations, OWASP 2023 guidance for SHA-256) and a
 *   random 16-byte salt; it is only ever stored wrapped.
 * - Unwrapped keys are non-extractable: script running in the page can use
 *   the key while unlocked but cannot read its bytes out.
 * - Each record gets a fresh random 96-bit IV and its record key as
 *   additional authenticated data, so a ciphertext moved to another record
 *   (or another document) fails to decrypt instead of showing the wrong chart.
 */
export const PBKDF2_ITERATIONS = 600_000;
export const SALT_BYTES = 16;
const IV_BYTES = 12;

export interface Sealed {
  iv: Uint8Array;
  data: Uint8Array;
}

const encoder = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new AppError('internal', 'This browser cannot encrypt data (WebCrypto is missing). Use a current browser over https.');
  return s;
}

export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** WebCrypto wants ArrayBuffer-backed views; copies only when a view is backed by something else. */
function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** The key-encryption key derived from a password; it can only wrap and unwrap. */
export async function deriveWrappingKey(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['wrapKey', 'unwrapKey']
  );
}

/**
 * A fresh data key, returned both wrapped (to store) and as a
 * non-extractable key (to use). The extractable copy needed for wrapping
 * never leaves this function.
 */
export async function createDataKey(wrappingKey: CryptoKey, aad: string): Promise<{ wrapped: Sealed; key: CryptoKey }> {
  const extractable = await subtle().generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const iv = randomBytes(IV_BYTES);
  const wrapped = new Uint8Array(
    await subtle().wrapKey('raw', extractable, wrappingKey, { name: 'AES-GCM', iv: buf(iv), additionalData: encoder.encode(aad) })
  );
  const key = await unwrapDataKey(wrappingKey, { iv, data: wrapped }, aad);
  return { wrapped: { iv, data: wrapped }, key };
}

/** Unwraps the data key as non-extractable. A wrong password fails here (GCM tag mismatch). */
export async function unwrapDataKey(wrappingKey: CryptoKey, wrapped: Sealed, aad: string): Promise<CryptoKey> {
  return subtle().unwrapKey(
    'raw',
    buf(wrapped.data),
    wrappingKey,
    { name: 'AES-GCM', iv: buf(wrapped.iv), additionalData: encoder.encode(aad) },
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt']
  );
}

/**
 * A key-encryption key from a passkey's PRF output (WebAuthn `prf`
 * extension, 32 bytes from the authenticator's hmac-secret). HKDF-SHA-256
 * (RFC 5869) turns it into an AES-GCM key that can only wrap and unwrap;
 * `info` binds it to its use and its user, so the same PRF output never
 * serves twice.
 */
export async function derivePrfWrappingKey(prfOutput: Uint8Array, info: string): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', buf(prfOutput), 'HKDF', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: encoder.encode(info) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['wrapKey', 'unwrapKey']
  );
}

/**
 * Wraps the data key under a second wrapping key, for a second way to
 * unlock. The data key in use is non-extractable, so the stored copy is
 * unwrapped once more as extractable; that copy never leaves this function.
 * Fails (GCM tag mismatch) when `from` is not the key that wrapped `wrapped`.
 */
export async function rewrapDataKey(from: CryptoKey, wrapped: Sealed, aad: string, to: CryptoKey, toAad: string): Promise<Sealed> {
  const extractable = await subtle().unwrapKey(
    'raw',
    buf(wrapped.data),
    from,
    { name: 'AES-GCM', iv: buf(wrapped.iv), additionalData: encoder.encode(aad) },
    { name: 'AES-GCM', length: 256 },
    true,
    ['encrypt', 'decrypt']
  );
  const iv = randomBytes(IV_BYTES);
  const data = new Uint8Array(
    await subtle().wrapKey('raw', extractable, to, { name: 'AES-GCM', iv: buf(iv), additionalData: encoder.encode(toAad) })
  );
  return { iv, data };
}

export async function seal(key: CryptoKey, plaintext: Uint8Array, recordKey: string): Promise<Sealed> {
  const iv = randomBytes(IV_BYTES);
  const data = await subtle().encrypt(
    { name: 'AES-GCM', iv: buf(iv), additionalData: encoder.encode(recordKey) },
    key,
    buf(plaintext)
  );
  return { iv, data: new Uint8Array(data) };
}

/** Decrypts one record; throws the WebCrypto OperationError when the key, IV, AAD or bytes do not match. */
export async function open(key: CryptoKey, sealed: Sealed, recordKey: string): Promise<Uint8Array> {
  const data = await subtle().decrypt(
    { name: 'AES-GCM', iv: buf(sealed.iv), additionalData: encoder.encode(recordKey) },
    key,
    buf(sealed.data)
  );
  return new Uint8Array(data);
}
