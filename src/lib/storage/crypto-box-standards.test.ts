import { pbkdf2Sync, webcrypto } from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createDataKey, deriveWrappingKey, open, PBKDF2_ITERATIONS, randomBytes, SALT_BYTES, seal, unwrapDataKey } from './crypto-box';

/**
 * The device store's cryptography checked against the standards it claims,
 * with an independent implementation (Node's own PBKDF2 and AES-GCM) rather
 * than the module's own functions: PBKDF2-SHA-256 with the given salt and
 * iterations, AES-256-GCM with a fresh 96-bit IV and the record key as
 * additional data, keys that cannot be read out.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The wrapping key as the standard defines it: PBKDF2-HMAC-SHA-256, 32 bytes, computed by Node's OpenSSL binding. */
async function referenceWrappingKey(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const bytes = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return webcrypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['wrapKey', 'unwrapKey', 'decrypt']) as Promise<CryptoKey>;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the figures the store is built on', () => {
  test('600,000 PBKDF2 iterations (OWASP 2023, SHA-256) and a 16-byte salt', () => {
    expect(PBKDF2_ITERATIONS).toBe(600000);
    expect(SALT_BYTES).toBe(16);
  });

  test('random bytes are as many as asked and not repeated', () => {
    expect(randomBytes(16)).toHaveLength(16);
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(32)).not.toEqual(randomBytes(32));
  });
});

describe('the wrapping key', () => {
  test('is PBKDF2-HMAC-SHA-256 of the password and salt with the given iterations (independent check)', async () => {
    const salt = new Uint8Array(16).fill(7);
    const ours = await deriveWrappingKey('correct horse', salt, 1000);
    const { wrapped } = await createDataKey(ours, 'data-key:u1');
    // Node's PBKDF2 unwraps what ours wrapped: same hash, salt, iterations and length.
    const reference = await referenceWrappingKey('correct horse', salt, 1000);
    const raw = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: wrapped.iv, additionalData: enc.encode('data-key:u1') }, reference, wrapped.data);
    expect(raw.byteLength).toBe(32);
    // And a different iteration count, salt or password is a different key.
    for (const [pw, s, it] of [
      ['correct horse', salt, 999],
      ['correct horse', new Uint8Array(16).fill(8), 1000],
      ['correct horsE', salt, 1000]
    ] as const) {
      const other = await referenceWrappingKey(pw, s, it);
      await expect(webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: wrapped.iv, additionalData: enc.encode('data-key:u1') }, other, wrapped.data)).rejects.toThrow();
    }
  });

  test('is an AES-256-GCM key that can only wrap and unwrap, and cannot be read out', async () => {
    const k = await deriveWrappingKey('pw', randomBytes(16), 1000);
    expect(k.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect([...k.usages].sort()).toEqual(['unwrapKey', 'wrapKey']);
    expect(k.extractable).toBe(false);
    await expect(crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, new Uint8Array(1))).rejects.toThrow();
  });
});

describe('the data key', () => {
  test('is a random AES-256-GCM key, wrapped with a 96-bit IV and its label as additional data', async () => {
    const wrapping = await deriveWrappingKey('pw', new Uint8Array(16), 1000);
    const a = await createDataKey(wrapping, 'data-key:u1');
    const b = await createDataKey(wrapping, 'data-key:u1');
    expect(a.wrapped.iv).toHaveLength(12);
    // 32 key bytes plus the 16-byte GCM tag.
    expect(a.wrapped.data).toHaveLength(48);
    expect(a.wrapped.iv).not.toEqual(b.wrapped.iv);
    expect(a.wrapped.data).not.toEqual(b.wrapped.data);
    expect(a.key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect([...a.key.usages].sort()).toEqual(['decrypt', 'encrypt']);
    expect(a.key.extractable).toBe(false);
    // The label is bound: the wrapped key does not unwrap under another user's label.
    await expect(unwrapDataKey(wrapping, a.wrapped, 'data-key:u2')).rejects.toThrow();
    const again = await unwrapDataKey(wrapping, a.wrapped, 'data-key:u1');
    expect(again.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect([...again.usages].sort()).toEqual(['decrypt', 'encrypt']);
  });

  test('the key returned for use is the key that was wrapped', async () => {
    const wrapping = await deriveWrappingKey('pw', new Uint8Array(16), 1000);
    const { key, wrapped } = await createDataKey(wrapping, 'data-key:u1');
    const sealed = await seal(key, enc.encode('Zoë'), 'r1');
    const reopened = await unwrapDataKey(wrapping, wrapped, 'data-key:u1');
    expect(dec.decode(await open(reopened, sealed, 'r1'))).toBe('Zoë');
  });
});

describe('a sealed record', () => {
  test('is AES-GCM with a fresh 96-bit IV and the record key as additional data (independent check)', async () => {
    const salt = new Uint8Array(16).fill(1);
    const wrapping = await deriveWrappingKey('pw', salt, 1000);
    const { key, wrapped } = await createDataKey(wrapping, 'data-key:u1');
    const sealed = await seal(key, enc.encode('Penicillin — anaphylaxis'), 'update:chart:p1:r1');
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.data).toHaveLength(enc.encode('Penicillin — anaphylaxis').length + 16);
    expect(dec.decode(sealed.data)).not.toContain('Penicillin');
    // Decrypt with Node's AES-GCM and the data key recovered through the reference wrapping key.
    const reference = await referenceWrappingKey('pw', salt, 1000);
    const rawKey = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: wrapped.iv, additionalData: enc.encode('data-key:u1') }, reference, wrapped.data);
    const dataKey = await webcrypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['decrypt']);
    const plain = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: enc.encode('update:chart:p1:r1') }, dataKey, sealed.data);
    expect(dec.decode(plain)).toBe('Penicillin — anaphylaxis');
    await expect(webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: enc.encode('update:chart:p1:r2') }, dataKey, sealed.data)).rejects.toThrow();
  });

  test('opens from views that are not backed by a plain ArrayBuffer, or are a window into one', async () => {
    const wrapping = await deriveWrappingKey('pw', new Uint8Array(16), 1000);
    const { key } = await createDataKey(wrapping, 'data-key:u1');
    const shared = new Uint8Array(new SharedArrayBuffer(5));
    shared.set(enc.encode('hello'));
    const sealed = await seal(key, shared, 'r1');
    const sharedData = new Uint8Array(new SharedArrayBuffer(sealed.data.length));
    sharedData.set(sealed.data);
    const sharedIv = new Uint8Array(new SharedArrayBuffer(12));
    sharedIv.set(sealed.iv);
    expect(dec.decode(await open(key, { iv: sharedIv, data: sharedData }, 'r1'))).toBe('hello');
    const window = new Uint8Array(sealed.data.length + 4);
    window.set(sealed.data, 2);
    expect(dec.decode(await open(key, { iv: sealed.iv, data: window.subarray(2, 2 + sealed.data.length) }, 'r1'))).toBe('hello');
  });

  test('a tampered byte or IV does not open', async () => {
    const wrapping = await deriveWrappingKey('pw', new Uint8Array(16), 1000);
    const { key } = await createDataKey(wrapping, 'data-key:u1');
    const sealed = await seal(key, enc.encode('x'), 'r1');
    const data = sealed.data.slice();
    data[0] ^= 1;
    await expect(open(key, { iv: sealed.iv, data }, 'r1')).rejects.toThrow();
    const iv = sealed.iv.slice();
    iv[11] ^= 1;
    await expect(open(key, { iv, data: sealed.data }, 'r1')).rejects.toThrow();
  });
});

test('a browser without WebCrypto gets a readable error, not a crash', async () => {
  vi.stubGlobal('crypto', {});
  await expect(deriveWrappingKey('pw', new Uint8Array(16), 1000)).rejects.toThrow('This browser cannot encrypt data (WebCrypto is missing). Use a current browser over https.');
  vi.stubGlobal('crypto', undefined);
  await expect(open({} as CryptoKey, { iv: new Uint8Array(12), data: new Uint8Array(17) }, 'r')).rejects.toMatchObject({ code: 'internal' });
});
