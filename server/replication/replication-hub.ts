import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { requireAdmin } from '../admin/admin-guard';
import { parseReadable } from '../admin/admin-security-routes';
import { readJson, readRaw } from '../http/body';
import type { RequestContext, Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { SecretSealer } from '../crypto/sealed-secret';
import type { Audit, SyncService } from '../types';
import { makeBundle, openBundle } from './bundle';
import {
  applyDocs,
  auditBatchSchema,
  edgeBundleSchema,
  b64,
  checkDocName,
  diffAgainst,
  exchangeSchema,
  exportUsers,
  patientScope,
  pushSchema,
  receiveAudit,
  receivedAuditHead,
  STAFF_ROLES,
  summaryOf,
  unb64,
  type AuditRowWire
} from './replication-core';
import { packJson, publicKeyFrom, sha256Hex, signText, unpackJson, verifyText, type ReplicationKeys } from './replication-crypto';
import { heldCount, heldUpdates, quarantineJudge } from './replication-quarantine';
import { CLOCK_SKEW_MS, HEADER, NONCE_RE, REPLICATION_MEDIA_TYPE, requestText, responseText } from './signed-http';

/**
 * The hub's side of clinic boxes: enrolment codes and the enrolled boxes
 * (admin console), the signed replication endpoints a box calls, and
 * sneakernet files in and out.
 */

export interface HubDeps {
  db: Database.Database;
  sync: SyncService;
  audit: Audit;
  keys: ReplicationKeys;
  /** The hub's secrets key: authenticator secrets are opened with it and re-encrypted to each box. */
  sealer?: SecretSealer;
  now?: () => number;
  /** How long an enrolment code stays usable (default 24 h). */
  codeMinutes?: number;
  /** Largest answer of one exchange, in bytes before compression (default 4 MiB): the rest is deferred to the next request. */
  maxBatchBytes?: number;
}

interface EdgeRow {
  id: string;
  clinic_id: string;
  name: string;
  sign_key: string;
  box_key: string;
  enrolled_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
}

const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Twelve characters from an alphabet without look-alikes, in groups of four (about 59 bits). */
function newCode(): string {
  const bytes = randomBytes(12);
  let s = '';
  for (const b of bytes) s += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`;
}

const normaliseCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

const codeSchema = z.object({ name: z.string({ error: 'Name the clinic box' }).trim().min(1, 'Name the clinic box').max(100, 'The name is too long') }).strict();
const enrolSchema = z.object({
  code: z.string({ error: 'Give the enrolment code' }).min(4).max(40),
  signKey: z.string().max(200),
  boxKey: z.string().max(200)
}).strict();
const changesSchema = z.object({ since: z.string().max(20).optional() }).strict();

export function hubRoutes(deps: HubDeps): Route[] {
  const { db, sync, audit, keys } = deps;
  const now = deps.now ?? Date.now;
  const maxBatchBytes = deps.maxBatchBytes ?? 4 * 1024 * 1024;
  const findEdge = db.prepare<[string], EdgeRow>('SELECT * FROM edges WHERE id = ?');

  /** Verifies a signed request from an enrolled, unrevoked box; records its nonce. */
  async function authenticateEdge(ctx: RequestContext): Promise<{ edge: EdgeRow; nonce: string; payload: unknown }> {
    const h = ctx.req.headers;
    const edgeId = String(h[HEADER.edge] ?? '');
    const ts = String(h[HEADER.timestamp] ?? '');
    const nonce = String(h[HEADER.nonce] ?? '');
    const signature = String(h[HEADER.signature] ?? '');
    const refuse = (reason: string, code: 'unauthenticated' | 'forbidden', message: string, edge?: EdgeRow): never => {
      ctx.req.resume();
      audit.record({ action: 'edge.refused', outcome: 'failure', userId: null, target: edge ? `edge:${edge.id}` : null, detail: { reason, path: ctx.url.pathname }, ip: ctx.ip });
      throw new AppError(code, message);
    };
    // Nobody but an enrolled box gets the hub to buffer a body.
    const edge = /^[0-9a-f-]{36}$/.test(edgeId) ? findEdge.get(edgeId) : undefined;
    if (!edge) return refuse('unknown-edge', 'unauthenticated', 'This clinic box is not enrolled at this hub.');
    const body = await readRaw(ctx.req, MAX_REQUEST_BYTES, REPLICATION_MEDIA_TYPE);
    if (!NONCE_RE.test(nonce) || !/^\d{1,15}$/.test(ts)) return refuse('malformed', 'unauthenticated', 'The request is not signed.', edge);
    if (!verifyText(publicKeyFrom(edge.sign_key, 'ed25519'), requestText(ctx.url.pathname, edgeId, ts, nonce, body), signature)) {
      return refuse('bad-signature', 'unauthenticated', 'The request’s signature does not match this clinic box’s key.', edge);
    }
    if (edge.revoked_at !== null) return refuse('revoked', 'forbidden', 'This clinic box was revoked at the hub.', edge);
    if (Math.abs(now() - Number(ts)) > CLOCK_SKEW_MS) return refuse('stale', 'unauthenticated', 'The request’s time is too far from the hub’s clock (check the box’s clock).', edge);
    const fresh = db.transaction(() => {
      db.prepare('DELETE FROM edge_nonces WHERE at < ?').run(now() - 2 * CLOCK_SKEW_MS);
      const r = db.prepare('INSERT OR IGNORE INTO edge_nonces (edge_id, nonce, at) VALUES (?, ?, ?)').run(edgeId, nonce, now());
      db.prepare('UPDATE edges SET last_seen_at = ? WHERE id = ?').run(now(), edgeId);
      return r.changes === 1;
    })();
    if (!fresh) return refuse('replay', 'unauthenticated', 'This request was already received (replay).', edge);
    let payload: unknown;
    try {
      payload = unpackJson(body, MAX_INFLATED_BYTES);
    } catch {
      throw new AppError('invalid', 'The request body is not compressed JSON.');
    }
    return { edge, nonce, payload };
  }

  function sendSigned(ctx: RequestContext, nonce: string, payload: unknown): void {
    const body = packJson(payload);
    const res: ServerResponse = ctx.res;
    res.statusCode = 200;
    res.setHeader('Content-Type', REPLICATION_MEDIA_TYPE);
    res.setHeader(HEADER.signature, signText(keys.signPrivate, responseText(ctx.url.pathname, nonce, 200, body)));
    res.setHeader('Content-Length', body.length);
    res.end(body);
  }

  /** A signed replication endpoint: authenticate, run, answer signed. */
  const signed = (path: string, run: (edge: EdgeRow, payload: unknown, ctx: RequestContext) => Promise<unknown> | unknown): Route => ({
    method: 'POST',
    path,
    async handler(ctx) {
      const { edge, nonce, payload } = await authenticateEdge(ctx);
      sendSigned(ctx, nonce, await run(edge, payload, ctx));
    }
  });

  function importEdgeAudit(edge: EdgeRow, batch: { logId: string; rows: AuditRowWire[] }, via: string, ip: string | null) {
    const r = receiveAudit(db, edge.id, batch, now());
    if (r.added > 0 || r.problem) {
      audit.record({ action: 'edge.audit', outcome: r.problem ? 'failure' : 'success', userId: null, target: `edge:${edge.id}`, detail: { via, added: r.added, lastSeq: r.lastSeq, ...(r.problem ? { problem: r.problem } : {}) }, ip });
    }
    return r;
  }

  /**
   * How the hub judges what a box sends: only its own clinic's documents
   * and patients, each update by the write policy as a replica
   * (policy-types.ts isReplica); a refusal is set aside, audited, shown to
   * the administrator, and the other documents go on.
   */
  function judgeFor(edge: EdgeRow, via: 'link' | 'bundle') {
    return quarantineJudge({
      db,
      audit,
      origin: `edge:${edge.id}`,
      clinicId: edge.clinic_id,
      via,
      now,
      base: { origin: 'replica', outOfScope: (name) => patientScope(sync, db, edge.clinic_id, name) }
    });
  }

  async function clinicDocsState(clinicId: string): Promise<{ name: string; update: string }[]> {
    const names = (await sync.changes({ roles: STAFF_ROLES, clinicId }, undefined)).docs;
    const out: { name: string; update: string }[] = [];
    for (const name of names) {
      const state = await sync.readState(name, clinicId);
      if (state) out.push({ name, update: b64(state) });
    }
    return out;
  }

  return [
    // ------------------------------------------------------------ admin console
    {
      method: 'GET',
      path: '/api/admin/edges',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const rows = db.prepare<[string], EdgeRow>('SELECT * FROM edges WHERE clinic_id = ? ORDER BY enrolled_at').all(admin.clinicId);
        sendJson(ctx.res, 200, {
          edges: rows.map((e) => ({
            id: e.id,
            name: e.name,
            enrolledAt: e.enrolled_at,
            lastSeenAt: e.last_seen_at,
            revokedAt: e.revoked_at,
            auditEntries: receivedAuditHead(db, e.id).seq,
            heldCount: heldCount(db, `edge:${e.id}`),
            // What was set aside: the document, why (rules and words), when; never its content.
            held: heldUpdates(db, `edge:${e.id}`, 20).map((h) => ({ docName: h.docName, via: h.via, rules: h.rules, reason: h.reason, lastAt: h.lastAt, times: h.times }))
          }))
        });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/edges/enrolment-codes',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const body = parseReadable(codeSchema, await readJson(ctx.req, 4 * 1024));
        const code = newCode();
        const expiresAt = now() + (deps.codeMinutes ?? 24 * 60) * 60_000;
        db.prepare('INSERT INTO edge_enrolment_codes (code_hash, clinic_id, name, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
          sha256Hex(normaliseCode(code)), admin.clinicId, body.name, admin.id, now(), expiresAt
        );
        audit.record({ action: 'edge.enrolment-code', outcome: 'success', userId: admin.id, target: `clinic:${admin.clinicId}`, detail: { expiresAt: new Date(expiresAt).toISOString() }, ip: ctx.ip });
        sendJson(ctx.res, 201, { code, expiresAt: new Date(expiresAt).toISOString() });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/edges/:id/revoke',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const edge = findEdge.get(ctx.params.id);
        if (!edge || edge.clinic_id !== admin.clinicId) throw new AppError('not-found', 'No such clinic box.');
        if (edge.revoked_at === null) db.prepare('UPDATE edges SET revoked_at = ?, revoked_by = ? WHERE id = ?').run(now(), admin.id, edge.id);
        audit.record({ action: 'edge.revoke', outcome: 'success', userId: admin.id, target: `edge:${edge.id}`, detail: {}, ip: ctx.ip });
        sendJson(ctx.res, 200, { id: edge.id, revokedAt: edge.revoked_at ?? now() });
      }
    },
    {
      // Sneakernet in: a file a box exported, uploaded by this clinic's administrator.
      method: 'POST',
      path: '/api/admin/edges/bundle',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const text = (await readRaw(ctx.req, MAX_REQUEST_BYTES, 'application/json')).toString('utf8');
        const { header, payload } = openBundle(text, keys, 'edge', (h) => {
          const e = findEdge.get(h.edgeId);
          return e && e.revoked_at === null && e.clinic_id === admin.clinicId ? e.sign_key : null;
        });
        const edge = findEdge.get(header.edgeId)!;
        const body = parseReadable(edgeBundleSchema, payload);
        const seen = db.prepare('SELECT 1 FROM edge_bundles WHERE id = ?').get(header.id) !== undefined;
        const docs = await applyDocs(sync, edge.clinic_id, body.docs, `edge:${edge.id}`, judgeFor(edge, 'bundle'));
        const a = importEdgeAudit(edge, body.audit, 'bundle', ctx.ip);
        if (!seen) db.prepare('INSERT INTO edge_bundles (id, origin, imported_at) VALUES (?, ?, ?)').run(header.id, edge.id, now());
        audit.record({ action: 'edge.bundle.import', outcome: 'success', userId: admin.id, target: `edge:${edge.id}`, detail: { bundle: header.id, again: seen, docs: docs.applied, refused: docs.refused.length, auditAdded: a.added }, ip: ctx.ip });
        sendJson(ctx.res, 200, { bundle: header.id, alreadyImported: seen, docs: docs.applied, refused: docs.refused, auditAdded: a.added, auditProblem: a.problem ?? null });
      }
    },
    {
      // Sneakernet out: the clinic's documents and users, encrypted to one box's key (a POST: it is audited).
      method: 'POST',
      path: '/api/admin/edges/:id/bundle',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const edge = findEdge.get(ctx.params.id);
        if (!edge || edge.clinic_id !== admin.clinicId || edge.revoked_at !== null) throw new AppError('not-found', 'No such clinic box.');
        const docs = await clinicDocsState(edge.clinic_id);
        const file = makeBundle(keys, edge.box_key, { from: 'hub', edgeId: edge.id }, { docs, users: exportUsers(db, edge.clinic_id, deps.sealer ? { sealer: deps.sealer, boxKey: edge.box_key } : undefined) });
        audit.record({ action: 'edge.bundle.export', outcome: 'success', userId: admin.id, target: `edge:${edge.id}`, detail: { docs: docs.length }, ip: ctx.ip });
        ctx.res.statusCode = 200;
        ctx.res.setHeader('Content-Type', 'application/json');
        ctx.res.setHeader('Content-Disposition', 'attachment; filename="outpost-hub-to-box.json"');
        ctx.res.end(file);
      }
    },

    // ------------------------------------------------------------ the box's setup command
    {
      method: 'POST',
      path: '/api/replication/enrol',
      async handler(ctx) {
        const body = parseReadable(enrolSchema, await readJson(ctx.req, 8 * 1024));
        try {
          publicKeyFrom(body.signKey, 'ed25519');
          publicKeyFrom(body.boxKey, 'x25519');
        } catch {
          throw new AppError('invalid', 'The box’s public keys are not valid.');
        }
        const hash = sha256Hex(normaliseCode(body.code));
        const made = db.transaction(() => {
          const code = db.prepare('SELECT * FROM edge_enrolment_codes WHERE code_hash = ?').get(hash) as { clinic_id: string; name: string; expires_at: number; used_at: number | null } | undefined;
          if (!code || code.used_at !== null || code.expires_at < now()) return null;
          const id = randomUUID();
          const name = code.name;
          db.prepare('INSERT INTO edges (id, clinic_id, name, sign_key, box_key, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, code.clinic_id, name, body.signKey, body.boxKey, now());
          db.prepare('UPDATE edge_enrolment_codes SET used_at = ?, edge_id = ? WHERE code_hash = ?').run(now(), id, hash);
          return { id, clinicId: code.clinic_id, name };
        })();
        if (!made) {
          audit.record({ action: 'edge.enrol', outcome: 'failure', userId: null, target: null, detail: { reason: 'code' }, ip: ctx.ip });
          throw new AppError('forbidden', 'This enrolment code is not valid: it is wrong, was used already, or has expired. Ask the hub’s administrator for a new one.');
        }
        audit.record({ action: 'edge.enrol', outcome: 'success', userId: null, target: `edge:${made.id}`, detail: { clinicId: made.clinicId }, ip: ctx.ip });
        const clinic = db.prepare('SELECT id, name FROM clinics WHERE id = ?').get(made.clinicId) as { id: string; name: string };
        sendJson(ctx.res, 201, { edgeId: made.id, name: made.name, clinic, hub: { signKey: keys.signPublic, boxKey: keys.boxPublic } });
      }
    },

    // ------------------------------------------------------------ signed replication endpoints
    signed('/api/replication/changes', (edge, payload) => {
      const body = parseReadable(changesSchema, payload);
      return sync.changes({ roles: STAFF_ROLES, clinicId: edge.clinic_id }, body.since);
    }),
    signed('/api/replication/exchange', async (edge, payload) => {
      const body = parseReadable(exchangeSchema, payload);
      const judge = judgeFor(edge, 'link');
      const docs: { name: string; update?: string; sv?: string; ds?: string; deferred?: true; error?: string }[] = [];
      let bytes = 0;
      for (const d of body.docs) {
        if (bytes >= maxBatchBytes) {
          docs.push({ name: d.name, deferred: true });
          continue;
        }
        try {
          checkDocName(d.name, edge.clinic_id);
          const scope = await patientScope(sync, db, edge.clinic_id, d.name);
          if (scope) throw new AppError('forbidden', scope);
          const mine = await summaryOf(sync, d.name, edge.clinic_id);
          if (!mine.state) {
            docs.push({ name: d.name });
            continue;
          }
          const diff = diffAgainst(mine.state, unb64(d.sv), d.ds);
          if (diff) bytes += diff.byteLength;
          docs.push({ name: d.name, sv: b64(mine.sv), ds: mine.ds!, ...(diff ? { update: b64(diff) } : {}) });
        } catch (err) {
          // A box that holds a document outside its clinic has it set aside here, as if it had sent it.
          if (err instanceof AppError && err.code === 'forbidden') judge.setAside?.({ name: d.name, code: err.code, rules: ['replication.scope'], reason: err.message }, new Uint8Array(0));
          docs.push({ name: d.name, error: err instanceof AppError ? err.code : 'internal' });
        }
      }
      return { docs };
    }),
    signed('/api/replication/push', async (edge, payload, ctx) => {
      const body = parseReadable(pushSchema, payload);
      const r = await applyDocs(sync, edge.clinic_id, body.docs, `edge:${edge.id}`, judgeFor(edge, 'link'));
      audit.record({ action: 'edge.replicate', outcome: r.refused.length ? 'failure' : 'success', userId: null, target: `edge:${edge.id}`, detail: { docs: r.applied, refused: r.refused.length, via: 'link' }, ip: ctx.ip });
      return r;
    }),
    signed('/api/replication/users', (edge) => exportUsers(db, edge.clinic_id, deps.sealer ? { sealer: deps.sealer, boxKey: edge.box_key } : undefined)),
    signed('/api/replication/audit', (edge, payload, ctx) => {
      const body = parseReadable(auditBatchSchema, payload);
      return importEdgeAudit(edge, body, 'link', ctx.ip);
    })
  ];
}
