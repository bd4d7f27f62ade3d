import { createSecretSealer, loadOrCreateKeyFile, type SecretSealer } from '../crypto/sealed-secret';

/**
 * Join-link secrets sealed for re-showing: the desk makes a patient's link
 * when booking, and the clinician's video console later shows that same
 * link instead of making a second one. The database keeps the SHA-256 of
 * each secret (what the join page is checked against) and, beside it, the
 * secret sealed with AES-256-GCM under a key kept in its own file, outside
 * the database: a copy of the database alone still lets nobody join.
 */
export type LinkSealer = SecretSealer;

export function createLinkSealer(key: Buffer): LinkSealer {
  if (key.length !== 32) throw new Error('The join-link key must be 32 bytes');
  return createSecretSealer(key);
}

/** Reads the key file, creating it (32 random bytes, owner-only) on first start. */
export function loadOrCreateLinkKey(file: string): Buffer {
  return loadOrCreateKeyFile(file, 'join-link key', 'remove it to make a new one (links made before stop being shown again).');
}
