import Dexie from 'dexie';
import { AppError } from '../domain/errors';
import { AccessLogStore } from './access-log-store';
import { AttachmentBlobStore } from './attachment-blob-store';
import { ChartSummaryStore } from './chart-summary-store';
import { createDataKey, deriveWrappingKey, PBKDF2_ITERATIONS, randomBytes, SALT_BYTES, unwrapDataKey } from './crypto-box';
import { EncryptedDocStore } from './encrypted-doc-store';
import { KeyRing } from './key-ring';
import { PatientProjectionStore } from './patient-projection-store';
import { keyringRowSchema, UserDatabase, userDatabaseName, type KeyringRow } from './user-database';
import { VaultMetaStore } from './vault-meta-store';

/**
 * A user's unlocked store on this device: the database, the key ring and
 * the stores built on them. Created at first sign-in on the device
 * (online), reopened with the password afterwards (offline is fine).
 */
export interface UserVault {
  readonly userId: string;
  readonly db: UserDatabase;
  readonly keys: KeyRing;
  readonly docs: EncryptedDocStore;
  readonly patients: PatientProjectionStore;
  readonly meta: VaultMetaStore;
  /** Sealed bytes of chart attachments (photos, scanned documents). */
  readonly attachments: AttachmentBlobStore;
  /** Sealed chart summaries, shown while a long chart loads. */
  readonly chartSummaries: ChartSummaryStore;
  /** Sealed reads and prints waiting to be uploaded to the clinic's audit log. */
  readonly accessLog: AccessLogStore;
  /** Drops the key and closes the database. */
  close(): void;
}

export interface VaultOptions {
  /** PBKDF2 iterations for a new vault (tests may lower it; the app never does). */
  iterations?: number;
  /** Rows per document before compaction (tests lower it). */
  compactAfterRows?: number;
}

export function keyAad(userId: string): string {
  return `data-key:${userId}`;
}

/** The assembled stores over an unwrapped data key (password or passkey unlock). */
export function assemble(userId: string, db: UserDatabase, keys: KeyRing, opts: VaultOptions): UserVault {
  return {
    userId,
    db,
    keys,
    docs: new EncryptedDocStore(db, keys, { compactAfterRows: opts.compactAfterRows }),
    patients: new PatientProjectionStore(db, keys),
    meta: new VaultMetaStore(db, keys),
    attachments: new AttachmentBlobStore(db, keys),
    chartSummaries: new ChartSummaryStore(db, keys),
    accessLog: new AccessLogStore(db, keys),
    close() {
      keys.drop();
      db.close();
    }
  };
}

/** True when this device already holds a store for the user. */
export async function vaultExists(userId: string): Promise<boolean> {
  if (!(await Dexie.exists(userDatabaseName(userId)))) return false;
  const db = new UserDatabase(userId);
  try {
    return (await db.keyring.get('data-key')) !== undefined;
  } finally {
    db.close();
  }
}

/** Creates the user's store: a random data key wrapped under the password. */
export async function createVault(userId: string, password: string, opts: VaultOptions = {}): Promise<UserVault> {
  const db = new UserDatabase(userId);
  try {
    if (await db.keyring.get('data-key')) throw new AppError('conflict', 'This device already holds records for this account');
    const iterations = opts.iterations ?? PBKDF2_ITERATIONS;
    const salt = randomBytes(SALT_BYTES);
    const wrapping = await deriveWrappingKey(password, salt, iterations);
    const { wrapped, key } = await createDataKey(wrapping, keyAad(userId));
    await db.keyring.add({ id: 'data-key', salt, iterations, iv: wrapped.iv, wrapped: wrapped.data, createdAt: new Date().toISOString() });
    return assemble(userId, db, new KeyRing(key), opts);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Opens the user's store with the password. Wrong password → AppError('unauthenticated', 'Wrong password'). */
export async function unlockVault(userId: string, password: string, opts: VaultOptions = {}): Promise<UserVault> {
  const db = new UserDatabase(userId);
  try {
    const row = await db.keyring.get('data-key');
    if (!row) throw new AppError('not-found', 'This device holds no records for this account. Sign in with the network first.');
    const parsed = keyringRowSchema.safeParse(row);
    if (!parsed.success) throw new AppError('internal', 'The key of this device’s store is damaged. Sign in with the network to set it up again.');
    const wrapping = await deriveWrappingKey(password, parsed.data.salt, parsed.data.iterations);
    let key: CryptoKey;
    try {
      key = await unwrapDataKey(wrapping, { iv: parsed.data.iv, data: parsed.data.wrapped }, keyAad(userId));
    } catch {
      // AES-GCM unwrap fails only on a tag mismatch: the password-derived key is not the one that wrapped.
      throw new AppError('unauthenticated', 'Wrong password');
    }
    return assemble(userId, db, new KeyRing(key), opts);
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * The password's wrapping key, checked against this device's wrapped data
 * key. Non-extractable: it can wrap and unwrap, never be read. Used to add a
 * second way to unlock (a passkey) after the user proves the password.
 */
export async function passwordWrappingKey(userId: string, password: string): Promise<{ wrapping: CryptoKey; row: KeyringRow }> {
  const db = new UserDatabase(userId);
  try {
    const row = await db.keyring.get('data-key');
    if (!row) throw new AppError('not-found', 'This device holds no records for this account. Sign in with the network first.');
    const parsed = keyringRowSchema.safeParse(row);
    if (!parsed.success) throw new AppError('internal', 'The key of this device’s store is damaged. Sign in with the network to set it up again.');
    const wrapping = await deriveWrappingKey(password, parsed.data.salt, parsed.data.iterations);
    try {
      await unwrapDataKey(wrapping, { iv: parsed.data.iv, data: parsed.data.wrapped }, keyAad(userId));
    } catch {
      throw new AppError('unauthenticated', 'Wrong password');
    }
    return { wrapping, row: parsed.data };
  } finally {
    db.close();
  }
}

/** Unlocks the store, creating it first when the device has none for this user. */
export async function openOrCreateVault(userId: string, password: string, opts: VaultOptions = {}): Promise<UserVault> {
  return (await vaultExists(userId)) ? unlockVault(userId, password, opts) : createVault(userId, password, opts);
}
