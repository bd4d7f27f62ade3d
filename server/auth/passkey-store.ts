import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * Passkeys the server checks, and the challenges of their ceremonies.
 *
 * - A credential row holds the public key (COSE), the signature counter
 *   last seen and a name the user gave it; never a private key.
 * - A challenge is 32 random bytes, stored with what it is for (register,
 *   second step of a pending sign-in, sign-in without password), whom, and
 *   when it expires; `take` deletes it in the same statement that reads it,
 *   so a challenge answers one ceremony only, even when two requests race.
 */
export type ChallengePurpose = 'register' | 'second-factor' | 'sign-in';

/** Five minutes to touch the key or type the device PIN (WebAuthn's recommended ceremony timeout range). */
export const CHALLENGE_MS = 5 * 60_000;

export interface StoredPasskey {
  id: string;
  userId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  backedUp: boolean;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface TakenChallenge {
  purpose: ChallengePurpose;
  userId: string | null;
  pendingHash: string | null;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  public_key: Buffer;
  counter: number;
  transports: string;
  backed_up: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

function fromRow(r: PasskeyRow): StoredPasskey {
  let transports: string[] = [];
  try {
    const v: unknown = JSON.parse(r.transports);
    if (Array.isArray(v)) transports = v.filter((t): t is string => typeof t === 'string');
  } catch {
    transports = [];
  }
  return {
    id: r.id,
    userId: r.user_id,
    publicKey: new Uint8Array(r.public_key),
    counter: r.counter,
    transports,
    backedUp: r.backed_up === 1,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at
  };
}

/** Whether the user has a passkey the server accepts (login asks for a second step then). */
export function hasPasskey(db: Database.Database, userId: string): boolean {
  return !!db.prepare('SELECT 1 FROM passkeys WHERE user_id = ? LIMIT 1').get(userId);
}

/** How many passkeys the user has (the security page's status line). */
export function passkeyCount(db: Database.Database, userId: string): number {
  return (db.prepare('SELECT count(*) AS n FROM passkeys WHERE user_id = ?').get(userId) as { n: number }).n;
}

export interface PasskeyStore {
  list(userId: string): StoredPasskey[];
  find(id: string): StoredPasskey | null;
  add(p: Omit<StoredPasskey, 'createdAt' | 'lastUsedAt'>): void;
  /**
   * Records a successful assertion: the new counter, compare-and-set
   * against the one the check used, so of two racing assertions carrying
   * the same counter only one is accepted. False when it lost.
   */
  recordUse(id: string, checkedCounter: number, newCounter: number): boolean;
  /** Removes one of the user's passkeys; false when it is not theirs or not there. */
  remove(userId: string, id: string): boolean;
  /** A fresh challenge (base64url), stored until used or expired. */
  newChallenge(purpose: ChallengePurpose, userId: string | null, pendingHash: string | null): string;
  /** The challenge's record, deleted as it is read; null when unknown, used or expired. */
  take(challenge: string): TakenChallenge | null;
}

export function createPasskeyStore(db: Database.Database, now: () => number = Date.now): PasskeyStore {
  const byUser = db.prepare('SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id');
  const byId = db.prepare('SELECT * FROM passkeys WHERE id = ?');
  const takeStmt = db.prepare('DELETE FROM passkey_challenges WHERE challenge = ? RETURNING purpose, user_id, pending_hash, expires_at');
  return {
    list(userId) {
      return (byUser.all(userId) as PasskeyRow[]).map(fromRow);
    },
    find(id) {
      const row = byId.get(id) as PasskeyRow | undefined;
      return row ? fromRow(row) : null;
    },
    add(p) {
      db.prepare(
        'INSERT INTO passkeys (id, user_id, public_key, counter, transports, backed_up, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
      ).run(p.id, p.userId, Buffer.from(p.publicKey), p.counter, JSON.stringify(p.transports), p.backedUp ? 1 : 0, p.name, new Date(now()).toISOString());
    },
    recordUse(id, checkedCounter, newCounter) {
      return (
        db
          .prepare('UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ? AND counter = ?')
          .run(newCounter, new Date(now()).toISOString(), id, checkedCounter).changes === 1
      );
    },
    remove(userId, id) {
      return db.prepare('DELETE FROM passkeys WHERE id = ? AND user_id = ?').run(id, userId).changes === 1;
    },
    newChallenge(purpose, userId, pendingHash) {
      const challenge = randomBytes(32).toString('base64url');
      db.prepare('DELETE FROM passkey_challenges WHERE expires_at <= ?').run(now());
      db.prepare('INSERT INTO passkey_challenges (challenge, purpose, user_id, pending_hash, expires_at) VALUES (?, ?, ?, ?, ?)').run(
        challenge,
        purpose,
        userId,
        pendingHash,
        now() + CHALLENGE_MS
      );
      return challenge;
    },
    take(challenge) {
      const row = takeStmt.get(challenge) as { purpose: ChallengePurpose; user_id: string | null; pending_hash: string | null; expires_at: number } | undefined;
      if (!row || row.expires_at <= now()) return null;
      return { purpose: row.purpose, userId: row.user_id, pendingHash: row.pending_hash };
    }
  };
}
