import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { base64url, CompactEncrypt } from 'jose';
import { AppError } from '../../src/lib/domain/errors';
import type { Audit } from '../types';
import type { RequestContext, Route } from '../http/context';

/**
 * A printed transfer's QR code: a SMART Health Link (SMART Health Links
 * spec, https://docs.smarthealthit.org/smart-health-links/spec/, flag `U`:
 * one file, fetched directly).
 *
 * When a clinician prints a transfer, the server encrypts the transfer
 * document (a FHIR `document` Bundle) as a compact JWE (`dir`, `A256GCM`)
 * with a fresh random 256-bit key, keeps only the ciphertext, and returns
 * `shlink:/<base64url of {url, key, exp, flag: "U", label}>` for the QR
 * code. The key exists only in the link (on the paper): the server forgets
 * it, so its copy cannot be read without the paper, and the paper without
 * the server's copy holds no record.
 *
 * The receiving clinic's reader does `GET <url>?recipient=<who>` and gets
 * the JWE (`application/jose`), which it decrypts with the key. The url
 * holds 256 random bits. Each link answers once: a second fetch, an
 * expired link (7 days by default), an unknown id or a missing recipient
 * is refused (404 as the spec asks for inactive links; 400 without a
 * recipient), and every fetch, refused or not, is audited
 * (`transfer.link`: the link id, the outcome, the recipient as given; never
 * the key or the record).
 */

export const LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface HealthLinkOptions {
  ttlMs?: number;
  now?: () => number;
}

export interface HealthLinks {
  /** Encrypts and stores the bundle; the shlink (with its key) and when it expires. */
  create(input: { clinicId: string; patientId: string; createdBy: string; bundle: unknown; baseUrl: string; label: string }): Promise<{ id: string; shlink: string; expiresAt: string }>;
  routes: Route[];
}

export function migrateHealthLinkTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS transfer_links (
      id TEXT PRIMARY KEY,
      clinic_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      jwe TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    );
  `);
}

export function createHealthLinks(db: Database.Database, audit: Audit, opts: HealthLinkOptions = {}): HealthLinks {
  migrateHealthLinkTables(db);
  const now = opts.now ?? Date.now;
  const ttl = opts.ttlMs ?? LINK_TTL_MS;
  const insert = db.prepare('INSERT INTO transfer_links (id, clinic_id, patient_id, jwe, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const find = db.prepare<[string], { id: string; clinic_id: string; patient_id: string; jwe: string; expires_at: number; used_at: number | null }>(
    'SELECT id, clinic_id, patient_id, jwe, expires_at, used_at FROM transfer_links WHERE id = ?'
  );
  const use = db.prepare('UPDATE transfer_links SET used_at = ?, jwe = \'\' WHERE id = ? AND used_at IS NULL AND expires_at > ?');
  // Ciphertext of links past their time is of no use to anyone: dropped (the row stays for the audit trail).
  const dropExpired = db.prepare("UPDATE transfer_links SET jwe = '' WHERE expires_at <= ? AND jwe != ''");

  return {
    async create({ clinicId, patientId, createdBy, bundle, baseUrl, label }) {
      dropExpired.run(now());
      const id = randomBytes(32).toString('base64url');
      const key = randomBytes(32);
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(bundle)))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' })
        .encrypt(key);
      const created = now();
      const expires = created + ttl;
      insert.run(id, clinicId, patientId, jwe, createdBy, created, expires);
      const payload = {
        url: `${baseUrl.replace(/\/+$/, '')}/api/shl/${id}`,
        key: base64url.encode(key),
        exp: Math.floor(expires / 1000),
        flag: 'U',
        label: label.slice(0, 80)
      };
      return { id, shlink: `shlink:/${base64url.encode(JSON.stringify(payload))}`, expiresAt: new Date(expires).toISOString() };
    },
    routes: [
      {
        method: 'GET',
        path: '/api/shl/:id',
        handler(ctx: RequestContext) {
          const id = ctx.params.id;
          const recipient = (ctx.url.searchParams.get('recipient') ?? '').trim();
          const record = (outcome: 'success' | 'failure', reason?: string) =>
            audit.record({ action: 'transfer.link', outcome, userId: null, target: `transfer-link:${/^[A-Za-z0-9_-]{43}$/.test(id) ? id : 'unknown'}`, ip: ctx.ip, detail: { recipient: recipient.slice(0, 200), ...(reason ? { reason } : {}) } });
          if (!recipient) {
            record('failure', 'no-recipient');
            throw new AppError('invalid', 'Say who is fetching the record: ?recipient=<your name or organization>');
          }
          const row = /^[A-Za-z0-9_-]{43}$/.test(id) ? find.get(id) : undefined;
          const t = now();
          const reason = !row ? 'unknown' : row.used_at !== null ? 'used' : row.expires_at <= t ? 'expired' : null;
          if (reason || !row || use.run(t, id, t).changes !== 1) {
            record('failure', reason ?? 'used');
            throw new AppError('not-found', 'This link is not active (unknown, already used or expired); ask the sending clinic for a new one.');
          }
          record('success');
          ctx.res.statusCode = 200;
          ctx.res.setHeader('Content-Type', 'application/jose');
          ctx.res.setHeader('Cache-Control', 'no-store');
          // Readers of health links are often web apps of other origins; the link itself is the credential.
          ctx.res.setHeader('Access-Control-Allow-Origin', '*');
          ctx.res.end(row.jwe);
        }
      }
    ]
  };
}
