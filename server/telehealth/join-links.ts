import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { GuestKind } from '../../src/lib/domain/telehealth/participants';
import type { Language } from '../../src/lib/domain/languages';
import type { JoinScope } from '../../src/lib/domain/telehealth/join';
import { hashSecret, newSecret } from './secrets';

/**
 * Join links: `/join/<secret>`, bound to one visit, scoped to the patient or
 * a guest, expiring and revocable. The URL carries nothing but the secret.
 * A patient link also needs the patient's date of birth; after
 * MAX_BIRTH_DATE_ATTEMPTS wrong dates the link locks itself (revoked), so a
 * forwarded or intercepted link cannot be used to guess.
 */
export const MAX_BIRTH_DATE_ATTEMPTS = 5;
export const DEFAULT_PATIENT_LINK_MINUTES = 24 * 60;
export const DEFAULT_GUEST_LINK_MINUTES = 4 * 60;

export interface LinkRow {
  id: string;
  visit_id: string;
  scope: JoinScope;
  guest_kind: GuestKind | null;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  failed_attempts: number;
  /** The language the join page opens in; null: the browser's. */
  language: Language | null;
  created_by: string;
  created_at: string;
  /** The secret sealed for re-showing (link-seal.ts); null for links made before, or without a key. */
  token_sealed: string | null;
}

/** One message for unknown, expired and revoked links, so a probe learns nothing about which it hit. */
export const LINK_INVALID = 'This link is not valid or has expired. Contact the clinic for a new one.';

export function createJoinLinkStore(db: Database.Database, now: () => number, seal: ((secret: string) => string) | null = null) {
  const insert = db.prepare(
    `INSERT INTO telehealth_join_links (id, token_hash, visit_id, scope, guest_kind, created_by, created_at, expires_at, language, token_sealed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  );
  const usableOfVisit = db.prepare('SELECT * FROM telehealth_join_links WHERE visit_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id');
  const byHash = db.prepare('SELECT * FROM telehealth_join_links WHERE token_hash = ?');
  const byId = db.prepare('SELECT * FROM telehealth_join_links WHERE id = ?');
  const revoke = db.prepare('UPDATE telehealth_join_links SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL');
  const revokeVisit = db.prepare('UPDATE telehealth_join_links SET revoked_at = ?, revoked_reason = ? WHERE visit_id = ? AND revoked_at IS NULL');
  const failed = db.prepare('UPDATE telehealth_join_links SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts');
  const iso = () => new Date(now()).toISOString();

  function isUsable(link: LinkRow | undefined): link is LinkRow {
    return !!link && link.revoked_at === null && Date.parse(link.expires_at) > now();
  }

  return {
    isUsable,

    issue(visitId: string, scope: JoinScope, guestKind: GuestKind | null, createdBy: string, minutes: number, language: Language | null = null) {
      const secret = newSecret();
      const id = randomUUID();
      const expiresAt = new Date(now() + minutes * 60_000).toISOString();
      insert.run(id, hashSecret(secret), visitId, scope, guestKind, createdBy, iso(), expiresAt, language, seal ? seal(secret) : null);
      return { linkId: id, secret, expiresAt };
    },

    /** The usable link behind a secret, or why there is none (for the audit log; the caller answers all alike). */
    lookup(secret: string): { ok: true; link: LinkRow } | { ok: false; reason: 'unknown' | 'expired' | 'revoked'; link?: LinkRow } {
      const link = byHash.get(hashSecret(secret)) as LinkRow | undefined;
      if (!link) return { ok: false, reason: 'unknown' };
      if (link.revoked_at !== null) return { ok: false, reason: 'revoked', link };
      if (!isUsable(link)) return { ok: false, reason: 'expired', link };
      return { ok: true, link };
    },

    get: (linkId: string) => byId.get(linkId) as LinkRow | undefined,
    /** The visit's links that still work, oldest first. */
    usableForVisit: (visitId: string) => usableOfVisit.all(visitId, iso()) as LinkRow[],
    revoke: (linkId: string, reason: string) => revoke.run(iso(), reason, linkId).changes > 0,
    revokeAllForVisit: (visitId: string, reason: string) => revokeVisit.run(iso(), reason, visitId).changes,

    /** Counts a wrong date of birth; returns the tries left, locking the link at zero. */
    recordFailedAttempt(link: LinkRow): number {
      const { failed_attempts } = failed.get(link.id) as { failed_attempts: number };
      const left = Math.max(0, MAX_BIRTH_DATE_ATTEMPTS - failed_attempts);
      if (left === 0) revoke.run(iso(), 'too-many-attempts', link.id);
      return left;
    }
  };
}
export type JoinLinkStore = ReturnType<typeof createJoinLinkStore>;
