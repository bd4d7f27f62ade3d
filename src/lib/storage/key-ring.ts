import type { z } from 'zod';
import { AppError } from '../domain/errors';
import { open, seal, type Sealed } from './crypto-box';

/**
 * Holds the unwrapped data key while the app is unlocked, and is the only
 * way storage code encrypts or decrypts. Locking drops the key: every later
 * call fails with a readable error instead of touching ciphertext.
 */
export class KeyRing {
  #key: CryptoKey | null;

  constructor(key: CryptoKey) {
    this.#key = key;
  }

  get unlocked(): boolean {
    return this.#key !== null;
  }

  /** Forgets the key. The CryptoKey is non-extractable, so dropping the reference is all there is to do. */
  drop(): void {
    this.#key = null;
  }

  #current(): CryptoKey {
    if (!this.#key) throw new AppError('unauthenticated', 'Outpost is locked. Unlock it to see patient records.');
    return this.#key;
  }

  seal(plaintext: Uint8Array, recordKey: string): Promise<Sealed> {
    return seal(this.#current(), plaintext, recordKey);
  }

  /**
   * Decrypts one record. A failure here means the record was damaged or
   * moved (its record key is authenticated), never a wrong password: the
   * password was checked when the key was unwrapped.
   */
  async open(sealed: Sealed, recordKey: string, what: string): Promise<Uint8Array> {
    const key = this.#current();
    try {
      return await open(key, sealed, recordKey);
    } catch (cause) {
      throw damaged(what, cause);
    }
  }

  sealJson(value: unknown, recordKey: string): Promise<Sealed> {
    return this.seal(new TextEncoder().encode(JSON.stringify(value)), recordKey);
  }

  async openJson<T>(sealed: Sealed, recordKey: string, schema: z.ZodType<T>, what: string): Promise<T> {
    const bytes = await this.open(sealed, recordKey, what);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      throw damaged(what, cause);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw damaged(what, parsed.error);
    return parsed.data;
  }
}

export function damaged(what: string, cause?: unknown): AppError {
  const err = new AppError(
    'internal',
    `Stored ${what} on this device is damaged and cannot be read. Nothing was changed; sync with the clinic server to restore it.`
  );
  if (cause !== undefined) (err as Error & { cause?: unknown }).cause = cause;
  return err;
}
