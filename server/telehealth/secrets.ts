import { createHash, randomBytes } from 'node:crypto';

/**
 * Unguessable secrets for join links and waiting-room tickets: 32 random
 * bytes, base64url (43 characters, safe in a URL path). Only the SHA-256 is
 * stored, so a copy of the database does not let anyone join a visit. A
 * plain hash suffices (no salt, no slow hash): the input has 256 bits of
 * entropy, unlike a password.
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** `<prefix>-<22 random characters>`: video room names and participant identities that say nothing about who is in the call. */
export function opaqueId(prefix: string): string {
  return `${prefix}-${randomBytes(16).toString('base64url')}`;
}
