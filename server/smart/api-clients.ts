import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * Registered API clients of SMART Backend Services: other systems that call
 * the FHIR API and the CDS Hooks service without a person signing in. An
 * administrator registers each one (admin CLI `add-api-client`) with the
 * clinic it works for, its public keys (an inline JWKS; the client signs its
 * token requests with the private half, Outpost never sees it) and the
 * scopes it may be granted. Disabling a client refuses its next token request
 * and every access token it still holds.
 *
 * Also here: the assertion ids already used (so a captured client assertion
 * cannot be replayed before it expires) and the access tokens issued, stored
 * as SHA-256 hashes only (a copy of the database hands out no usable token).
 */

export interface ApiClient {
  id: string;
  clinicId: string;
  name: string;
  /** The client's public JSON Web Key Set, as registered. */
  jwks: { keys: Record<string, unknown>[] };
  /** Space-separated scopes this client may be granted, e.g. `system/*.rs`. */
  scopes: string[];
  disabled: boolean;
  createdBy: string;
  createdAt: string;
}

export interface IssuedToken {
  clientId: string;
  clinicId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
}

interface ClientRow {
  id: string;
  clinic_id: string;
  name: string;
  jwks: string;
  scopes: string;
  disabled: number;
  created_by: string;
  created_at: string;
}

export function migrateApiClientTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS api_clients (
      id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL REFERENCES clinics(id),
      name TEXT NOT NULL,
      jwks TEXT NOT NULL,
      scopes TEXT NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS api_client_assertions (
      client_id TEXT NOT NULL,
      jti TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (client_id, jti)
    );
    CREATE TABLE IF NOT EXISTS api_access_tokens (
      token_hash TEXT PRIMARY KEY,
      client_id TEXT NOT NULL REFERENCES api_clients(id),
      clinic_id TEXT NOT NULL,
      scopes TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `);
}

const fromRow = (r: ClientRow): ApiClient => ({
  id: r.id,
  clinicId: r.clinic_id,
  name: r.name,
  jwks: JSON.parse(r.jwks) as ApiClient['jwks'],
  scopes: r.scopes.split(' ').filter(Boolean),
  disabled: r.disabled === 1,
  createdBy: r.created_by,
  createdAt: r.created_at
});

/** Throws with a reason when the JWKS is not a set of public RSA or EC keys. */
export function checkPublicJwks(value: unknown): { keys: Record<string, unknown>[] } {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { keys?: unknown }).keys)) {
    throw new Error('The JWKS must be an object with a "keys" array');
  }
  const keys = (value as { keys: unknown[] }).keys;
  if (keys.length === 0) throw new Error('The JWKS has no keys');
  for (const k of keys) {
    if (typeof k !== 'object' || k === null) throw new Error('Each JWKS key must be an object');
    const key = k as Record<string, unknown>;
    if (key.kty !== 'RSA' && key.kty !== 'EC') throw new Error('Only RSA and EC keys are accepted (RS384, ES384)');
    // A private member (RSA d, p, q…; EC d) means the client handed over its secret: refuse to store it.
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      if (secret in key) throw new Error('The JWKS holds a private key; register only the public keys');
    }
    if (typeof key.kid !== 'string' || !key.kid) throw new Error('Each key needs a "kid"');
  }
  return { keys: keys as Record<string, unknown>[] };
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface ApiClientStore {
  add(input: { clinicId: string; name: string; jwks: unknown; scopes: string[]; createdBy: string }): ApiClient;
  get(id: string): ApiClient | null;
  list(): ApiClient[];
  setDisabled(id: string, disabled: boolean): boolean;
  /** Records an assertion id; false when this client already used it (and it has not expired). */
  useAssertion(clientId: string, jti: string, expiresAt: number, now: number): boolean;
  /** Stores a new access token (hash only) and returns the token. */
  issue(token: Omit<IssuedToken, 'expiresAt'>, expiresAt: number, now: number): string;
  /** The grant behind a token; null when unknown, expired, or its client is disabled. */
  lookup(token: string, now: number): IssuedToken | null;
}

export function createApiClientStore(db: Database.Database): ApiClientStore {
  migrateApiClientTables(db);
  const insert = db.prepare(
    'INSERT INTO api_clients (id, clinic_id, name, jwks, scopes, disabled, created_by, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)'
  );
  const byId = db.prepare('SELECT * FROM api_clients WHERE id = ?');
  const all = db.prepare('SELECT * FROM api_clients ORDER BY created_at, id');
  const disable = db.prepare('UPDATE api_clients SET disabled = ? WHERE id = ?');
  const dropExpiredJti = db.prepare('DELETE FROM api_client_assertions WHERE expires_at < ?');
  const putJti = db.prepare('INSERT OR IGNORE INTO api_client_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)');
  const dropExpiredTokens = db.prepare('DELETE FROM api_access_tokens WHERE expires_at < ?');
  const putToken = db.prepare('INSERT INTO api_access_tokens (token_hash, client_id, clinic_id, scopes, expires_at) VALUES (?, ?, ?, ?, ?)');
  const getToken = db.prepare(
    `SELECT t.client_id, t.clinic_id, t.scopes, t.expires_at FROM api_access_tokens t
     JOIN api_clients c ON c.id = t.client_id WHERE t.token_hash = ? AND c.disabled = 0`
  );
  const useJti = db.transaction((clientId: string, jti: string, expiresAt: number, now: number) => {
    dropExpiredJti.run(now);
    return putJti.run(clientId, jti, expiresAt).changes === 1;
  });

  return {
    add({ clinicId, name, jwks, scopes, createdBy }) {
      const id = randomUUID();
      insert.run(id, clinicId, name, JSON.stringify(checkPublicJwks(jwks)), scopes.join(' '), createdBy, new Date().toISOString());
      return fromRow(byId.get(id) as ClientRow);
    },
    get: (id) => {
      const row = byId.get(id) as ClientRow | undefined;
      return row ? fromRow(row) : null;
    },
    list: () => (all.all() as ClientRow[]).map(fromRow),
    setDisabled: (id, disabled) => disable.run(disabled ? 1 : 0, id).changes === 1,
    useAssertion: (clientId, jti, expiresAt, now) => useJti(clientId, jti, expiresAt, now),
    issue({ clientId, clinicId, scopes }, expiresAt, now) {
      dropExpiredTokens.run(now);
      const token = randomBytes(32).toString('base64url');
      putToken.run(hashToken(token), clientId, clinicId, scopes.join(' '), expiresAt);
      return token;
    },
    lookup(token, now) {
      const row = getToken.get(hashToken(token)) as { client_id: string; clinic_id: string; scopes: string; expires_at: number } | undefined;
      if (!row || row.expires_at <= now) return null;
      return { clientId: row.client_id, clinicId: row.clinic_id, scopes: row.scopes.split(' ').filter(Boolean), expiresAt: row.expires_at };
    }
  };
}
