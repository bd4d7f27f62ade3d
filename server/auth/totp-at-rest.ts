import type Database from 'better-sqlite3';
import { looksSealed, type SecretSealer } from '../crypto/sealed-secret';
import { totpSealContext } from './second-factor';

/**
 * Authenticator (TOTP) secrets written before they were sealed are sealed
 * at start-up, in one transaction, under the server's secrets key; the
 * first such start is recorded in `platform_migrations` as
 * `007-passkey2fa-totp-sealed`. Idempotent: sealed rows are left alone, so
 * running it on every start costs one scan of a small table.
 *
 * Then every sealed row must open with the key in hand: a server started
 * with another key (a lost or swapped key file) refuses to start with a
 * message saying so, instead of refusing every clinician's code at sign-in.
 */
export const TOTP_SEALED_MIGRATION = '007-passkey2fa-totp-sealed';

export function sealStoredTotpSecrets(db: Database.Database, sealer: SecretSealer): { sealed: number } {
  const rows = db.prepare('SELECT user_id AS userId, secret FROM second_factors').all() as { userId: string; secret: string }[];
  const plain = rows.filter((r) => !looksSealed(r.secret));
  const update = db.prepare('UPDATE second_factors SET secret = ? WHERE user_id = ? AND secret = ?');
  db.transaction(() => {
    for (const r of plain) update.run(sealer.seal(r.secret, totpSealContext(r.userId)), r.userId, r.secret);
    db.prepare('INSERT OR IGNORE INTO platform_migrations (id, applied_at) VALUES (?, ?)').run(TOTP_SEALED_MIGRATION, new Date().toISOString());
  })();
  const unopenable = rows.filter((r) => looksSealed(r.secret) && sealer.open(r.secret, totpSealContext(r.userId)) === null).length;
  if (unopenable > 0) {
    throw new Error(
      `${unopenable} stored authenticator secret(s) do not open with this server's secrets key (OUTPOST_SECRETS_KEY_FILE / OUTPOST_SECRETS_KEY). ` +
        'Start with the key they were sealed with, or reset those users\' second factor (npm run admin -- reset-second-factor).'
    );
  }
  return { sealed: plain.length };
}
