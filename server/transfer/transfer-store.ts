import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * Where a clinic may send a patient's record, and who may send records here.
 *
 * - `transfer_destinations`: clinics an administrator registered as
 *   destinations (name + FHIR base URL, http or https only), with the key
 *   the destination issued to this clinic. Clinicians choose among these;
 *   a record is never sent to an address typed at the bedside.
 * - `transfer_inbound_keys`: keys this clinic issued to clinics that send
 *   records here. A key lets its holder do one thing: POST a document or
 *   collection Bundle to /fhir/R4, which lands as a record to reconcile (or
 *   a match review), never in the active lists. Only a hash is stored; the
 *   key is shown once, when it is made.
 * Both are managed with `npm run admin` (admin-commands.ts).
 */

export interface Destination {
  id: string;
  clinicId: string;
  name: string;
  /** FHIR base, without a trailing slash (…/fhir/R4 is appended when absent). */
  url: string;
}

export interface InboundKey {
  id: string;
  clinicId: string;
  name: string;
}

export function migrateTransferTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS transfer_destinations (
      id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      name TEXT NOT NULL,
      url TEXT NOT NULL,
      send_key TEXT,
      created_at TEXT NOT NULL,
      UNIQUE (clinic_id, name)
    );
    CREATE TABLE IF NOT EXISTS transfer_inbound_keys (
      id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      name TEXT NOT NULL,
      key_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    );
  `);
}

/** A destination's FHIR base URL, checked: http(s), no credentials, query or fragment; `/fhir/R4` appended when the path is bare. */
export function destinationUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error('The destination URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The destination URL must be http or https');
  if (url.username || url.password) throw new Error('The destination URL may not carry credentials');
  if (url.search || url.hash) throw new Error('The destination URL may not carry a query or fragment');
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path === '' ? '/fhir/R4' : path}`;
}

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export interface TransferStore {
  addDestination(clinicId: string, name: string, url: string, sendKey?: string): Destination;
  destinations(clinicId: string): Destination[];
  destination(clinicId: string, id: string): (Destination & { sendKey: string | null }) | null;
  /** Issues a key for a sending clinic; returns the key (shown once). */
  issueKey(clinicId: string, name: string): { id: string; key: string };
  /** The key's clinic and name, or null for an unknown or revoked key. */
  verifyKey(key: string): InboundKey | null;
  /** The keys this clinic issued, revoked ones too (never the key itself: only its hash is kept). */
  keys(clinicId: string): (InboundKey & { createdAt: string; revokedAt: string | null })[];
  /** Revokes a key of this clinic at once (the next request with it is refused); false when there is no such active key. */
  revokeKey(clinicId: string, id: string): boolean;
  /** Removes a destination of this clinic, by id or by name; the removed one, or null. Transfers queued for it are then refused. */
  removeDestination(clinicId: string, idOrName: string): Destination | null;
}

export function createTransferStore(db: Database.Database, now: () => Date = () => new Date()): TransferStore {
  migrateTransferTables(db);
  return {
    addDestination(clinicId, name, url, sendKey) {
      const clean = destinationUrl(url);
      const label = name.trim();
      if (!label || label.length > 200) throw new Error('The destination needs a name (at most 200 characters)');
      const id = randomUUID();
      db.prepare('INSERT INTO transfer_destinations (id, clinic_id, name, url, send_key, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, clinicId, label, clean, sendKey ?? null, now().toISOString());
      return { id, clinicId, name: label, url: clean };
    },
    destinations(clinicId) {
      return (db.prepare('SELECT id, clinic_id, name, url FROM transfer_destinations WHERE clinic_id = ? ORDER BY name COLLATE NOCASE').all(clinicId) as { id: string; clinic_id: string; name: string; url: string }[]).map((r) => ({
        id: r.id,
        clinicId: r.clinic_id,
        name: r.name,
        url: r.url
      }));
    },
    destination(clinicId, id) {
      const r = db.prepare('SELECT id, clinic_id, name, url, send_key FROM transfer_destinations WHERE clinic_id = ? AND id = ?').get(clinicId, id) as
        | { id: string; clinic_id: string; name: string; url: string; send_key: string | null }
        | undefined;
      return r ? { id: r.id, clinicId: r.clinic_id, name: r.name, url: r.url, sendKey: r.send_key } : null;
    },
    issueKey(clinicId, name) {
      const id = randomUUID();
      const key = `otk_${id.replace(/-/g, '')}_${randomBytes(24).toString('base64url')}`;
      db.prepare('INSERT INTO transfer_inbound_keys (id, clinic_id, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, clinicId, name.trim().slice(0, 200), hashKey(key), now().toISOString());
      return { id, key };
    },
    verifyKey(key) {
      const m = /^otk_([0-9a-f]{32})_[A-Za-z0-9_-]{32}$/.exec(key);
      if (!m) return null;
      const id = `${m[1].slice(0, 8)}-${m[1].slice(8, 12)}-${m[1].slice(12, 16)}-${m[1].slice(16, 20)}-${m[1].slice(20)}`;
      const r = db.prepare('SELECT id, clinic_id, name, key_hash FROM transfer_inbound_keys WHERE id = ? AND revoked_at IS NULL').get(id) as
        | { id: string; clinic_id: string; name: string; key_hash: string }
        | undefined;
      if (!r) return null;
      const a = Buffer.from(r.key_hash, 'hex');
      const b = Buffer.from(hashKey(key), 'hex');
      return a.length === b.length && timingSafeEqual(a, b) ? { id: r.id, clinicId: r.clinic_id, name: r.name } : null;
    },
    keys(clinicId) {
      const rows = db.prepare('SELECT id, clinic_id, name, created_at, revoked_at FROM transfer_inbound_keys WHERE clinic_id = ? ORDER BY created_at, id').all(clinicId) as
        { id: string; clinic_id: string; name: string; created_at: string; revoked_at: string | null }[];
      return rows.map((r) => ({ id: r.id, clinicId: r.clinic_id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at }));
    },
    revokeKey(clinicId, id) {
      return db.prepare('UPDATE transfer_inbound_keys SET revoked_at = ? WHERE clinic_id = ? AND id = ? AND revoked_at IS NULL').run(now().toISOString(), clinicId, id).changes === 1;
    },
    removeDestination(clinicId, idOrName) {
      const r = db.prepare('SELECT id, clinic_id, name, url FROM transfer_destinations WHERE clinic_id = ? AND (id = ? OR name = ? COLLATE NOCASE)').all(clinicId, idOrName, idOrName.trim()) as
        { id: string; clinic_id: string; name: string; url: string }[];
      if (r.length !== 1) return null;
      db.prepare('DELETE FROM transfer_destinations WHERE id = ?').run(r[0].id);
      return { id: r[0].id, clinicId: r[0].clinic_id, name: r[0].name, url: r[0].url };
    }
  };
}
