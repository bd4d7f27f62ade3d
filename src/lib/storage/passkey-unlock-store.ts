import Dexie from 'dexie';
import { AppError } from '../domain/errors';
import { derivePrfWrappingKey, randomBytes, rewrapDataKey, unwrapDataKey } from './crypto-box';
import { KeyRing } from './key-ring';
import { passkeyRowSchema, UserDatabase, userDatabaseName } from './user-database';
import { assemble, keyAad, passwordWrappingKey, type UserVault, type VaultOptions } from './user-vault';

/**
 * Quick unlock with a passkey on a personal device. The data key gets a
 * second wrapped copy, under a key derived from the passkey's PRF output
 * (WebAuthn `prf` extension); the password-wrapped copy stays, so the
 * password always unlocks too. Local only: unlocking this way opens the
 * records on this device and gives no access to the clinic server.
 */

/** Bytes of the PRF input: random per user and device, stored with the credential id. */
export const PRF_SALT_BYTES = 32;

/** What the lock screen needs to ask the authenticator (nothing here opens anything). */
export interface PasskeyUnlock {
  credentialId: Uint8Array;
  prfSalt: Uint8Array;
  createdAt: string;
}

/** A passkey just created, with its PRF output for `prfSalt`. */
export interface NewPasskey {
  credentialId: Uint8Array;
  prfSalt: Uint8Array;
  prfOutput: Uint8Array;
}

function prfInfo(userId: string): string {
  return `outpost passkey unlock v1:${userId}`;
}

function passkeyAad(userId: string, credentialId: Uint8Array): string {
  return `passkey-data-key:${userId}:${Array.from(credentialId, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function newPrfSalt(): Uint8Array {
  return randomBytes(PRF_SALT_BYTES);
}

/**
 * The user's passkey unlock on this device, or null when there is none.
 * Never creates the user's database (a lock screen for another account
 * must leave no trace).
 */
export async function passkeyUnlockOf(userId: string): Promise<PasskeyUnlock | null> {
  if (!(await Dexie.exists(userDatabaseName(userId)))) return null;
  const db = new UserDatabase(userId);
  try {
    const row = await db.passkeys.get('unlock');
    if (!row) return null;
    const parsed = passkeyRowSchema.safeParse(row);
    // A damaged row cannot unlock: the lock screen offers the password only.
    if (!parsed.success) return null;
    return { credentialId: parsed.data.credentialId, prfSalt: parsed.data.prfSalt, createdAt: parsed.data.createdAt };
  } finally {
    db.close();
  }
}

/**
 * Stores the passkey's wrapped copy of the data key. `password` proves the
 * user knows the password (wrong → AppError 'unauthenticated'); a passkey
 * set up before is replaced.
 */
export async function addPasskeyUnlock(userId: string, password: string, passkey: NewPasskey): Promise<void> {
  const { wrapping, row } = await passwordWrappingKey(userId, password);
  await addPasskeyUnlockWith(userId, wrapping, row, passkey);
}

/** As addPasskeyUnlock, with the password's wrapping key already checked (see passwordWrappingKey). */
export async function addPasskeyUnlockWith(
  userId: string,
  passwordKey: CryptoKey,
  row: { iv: Uint8Array; wrapped: Uint8Array },
  passkey: NewPasskey
): Promise<void> {
  if (passkey.prfOutput.length < 32) throw new AppError('invalid', 'The passkey gave too short a key');
  const prfKey = await derivePrfWrappingKey(passkey.prfOutput, prfInfo(userId));
  const wrapped = await rewrapDataKey(passwordKey, { iv: row.iv, data: row.wrapped }, keyAad(userId), prfKey, passkeyAad(userId, passkey.credentialId));
  const db = new UserDatabase(userId);
  try {
    await db.passkeys.put({
      id: 'unlock',
      credentialId: passkey.credentialId,
      prfSalt: passkey.prfSalt,
      iv: wrapped.iv,
      wrapped: wrapped.data,
      createdAt: new Date().toISOString()
    });
  } finally {
    db.close();
  }
}

/** Deletes the passkey's wrapped copy; the password still unlocks. */
export async function removePasskeyUnlock(userId: string): Promise<void> {
  if (!(await Dexie.exists(userDatabaseName(userId)))) return;
  const db = new UserDatabase(userId);
  try {
    await db.passkeys.delete('unlock');
  } finally {
    db.close();
  }
}

/**
 * Opens the user's store with the passkey's PRF output. Another passkey's
 * output (or a changed authenticator) fails the GCM tag: AppError
 * 'unauthenticated', and nothing opens.
 */
export async function unlockVaultWithPasskey(userId: string, prfOutput: Uint8Array, opts: VaultOptions = {}): Promise<UserVault> {
  const db = new UserDatabase(userId);
  try {
    const row = await db.passkeys.get('unlock');
    if (!row) throw new AppError('not-found', 'Quick unlock with a passkey is not set up on this device. Use your password.');
    const parsed = passkeyRowSchema.safeParse(row);
    if (!parsed.success) throw new AppError('internal', 'The passkey unlock on this device is damaged. Use your password, then set it up again.');
    const prfKey = await derivePrfWrappingKey(prfOutput, prfInfo(userId));
    let key: CryptoKey;
    try {
      key = await unwrapDataKey(prfKey, { iv: parsed.data.iv, data: parsed.data.wrapped }, passkeyAad(userId, parsed.data.credentialId));
    } catch {
      throw new AppError('unauthenticated', 'This passkey does not unlock Outpost on this device. Use your password.');
    }
    return assemble(userId, db, new KeyRing(key), opts);
  } catch (err) {
    db.close();
    throw err;
  }
}
