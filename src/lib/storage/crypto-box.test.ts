import { describe, expect, test } from 'vitest';
import { createDataKey, deriveWrappingKey, open, randomBytes, seal, unwrapDataKey } from './crypto-box';

const text = new TextEncoder();

describe('crypto box', () => {
  test('a record round-trips and each seal uses a fresh IV', async () => {
    const wrapping = await deriveWrappingKey('pw', randomBytes(16), 1000);
    const { key } = await createDataKey(wrapping, 'data-key:u1');
    const a = await seal(key, text.encode('Penicillin allergy'), 'update:chart:1:r1');
    const b = await seal(key, text.encode('Penicillin allergy'), 'update:chart:1:r1');
    expect(a.iv).not.toEqual(b.iv);
    expect(new TextDecoder().decode(await open(key, a, 'update:chart:1:r1'))).toBe('Penicillin allergy');
  });

  test('the data key in memory cannot be exported', async () => {
    const wrapping = await deriveWrappingKey('pw', randomBytes(16), 1000);
    const { key, wrapped } = await createDataKey(wrapping, 'data-key:u1');
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
    const again = await unwrapDataKey(wrapping, wrapped, 'data-key:u1');
    expect(again.extractable).toBe(false);
  });

  // Guards against a ciphertext copied into another record (or another patient's document) decrypting there.
  test('a record sealed for one record key does not open under another', async () => {
    const wrapping = await deriveWrappingKey('pw', randomBytes(16), 1000);
    const { key } = await createDataKey(wrapping, 'data-key:u1');
    const sealed = await seal(key, text.encode('x'), 'update:chart:a:r1');
    await expect(open(key, sealed, 'update:chart:b:r1')).rejects.toThrow();
  });

  test('a key wrapped under one password does not unwrap under another', async () => {
    const salt = randomBytes(16);
    const { wrapped } = await createDataKey(await deriveWrappingKey('right', salt, 1000), 'data-key:u1');
    await expect(unwrapDataKey(await deriveWrappingKey('wrong', salt, 1000), wrapped, 'data-key:u1')).rejects.toThrow();
  });
});
