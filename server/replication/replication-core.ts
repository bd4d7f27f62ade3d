import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { z } from 'zod';
import { isClinicDocKind, parseDocName } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { isRole, type Role } from '../../src/lib/domain/roles';
import { entryHash, GENESIS_HASH } from '../audit/audit-log';
import { totpSealContext } from '../auth/second-factor';
import type { SecretSealer } from '../crypto/sealed-secret';
import { openSealed, sealTo, sha256Hex, type ReplicationKeys } from './replication-crypto';
import type { SyncService } from '../types';

/**
 * What hub and edge both do with what crosses between them, whether over
 * the link or in a sneakernet bundle: documents (state vectors and diffs),
 * an edge's audit chain, and the clinic's users.
 */

/** Every staff role: replication carries every document kind a clinic's staff can open. */
export const STAFF_ROLES: Role[] = ['admin', 'clinician', 'nurse', 'frontdesk'];

/** An update with no structs and no deletions encodes to these two bytes. */
const EMPTY_UPDATE_BYTES = 2;

export const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** A document name the other side may send for this clinic: a valid name, and a clinic-wide one names this clinic. */
export function checkDocName(name: string, clinicId: string): void {
  const parsed = parseDocName(name);
  if (!parsed) throw new AppError('invalid', 'Not a document name.');
  if (isClinicDocKind(parsed.kind) && 'clinicId' in parsed && parsed.clinicId !== clinicId) {
    throw new AppError('forbidden', 'This document belongs to another clinic.');
  }
}

export const docNameSchema = z.string().min(3).max(200);
const b64Schema = z.string().max(64 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Not base64');

const dsHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

export const exchangeSchema = z.object({
  docs: z.array(z.object({ name: docNameSchema, sv: b64Schema, ds: dsHashSchema.optional() }).strict()).max(200)
}).strict();

export const pushSchema = z.object({
  docs: z.array(z.object({ name: docNameSchema, update: b64Schema }).strict()).max(200)
}).strict();

/**
 * SHA-256 of a document's delete set. A deletion adds no struct and moves
 * no clock, so two sides with equal state vectors may still differ in what
 * they deleted: the summary carries both.
 */
export function deleteSetHash(state: Uint8Array): string {
  return sha256Hex(Y.diffUpdate(state, Y.encodeStateVectorFromUpdate(state)));
}

/** A document's state vector and delete-set hash (an empty document's when it is not held). */
export async function summaryOf(sync: SyncService, name: string, clinicId: string): Promise<{ sv: Uint8Array; ds: string | null; state: Uint8Array | null }> {
  const state = await sync.readState(name, clinicId);
  return state ? { sv: Y.encodeStateVectorFromUpdate(state), ds: deleteSetHash(state), state } : { sv: Y.encodeStateVector(new Y.Doc()), ds: null, state: null };
}

/**
 * What `state` holds beyond the other side's state vector and delete set
 * (its hash); null when nothing: no struct the other lacks, and the same
 * deletions.
 */
export function diffAgainst(state: Uint8Array, sv: Uint8Array, otherDs: string | null | undefined): Uint8Array | null {
  const diff = Y.diffUpdate(state, sv);
  if (diff.byteLength <= EMPTY_UPDATE_BYTES) return null;
  if (Y.parseUpdateMeta(diff).to.size === 0 && otherDs === deleteSetHash(state)) return null;
  return diff;
}

/** Why a replicated update was not taken: an error code, the rules it broke (if the write policy refused it) and words for the administrator. */
export interface Refusal {
  name: string;
  code: string;
  rules: string[];
  reason: string;
}

/** How the receiving side judges what the other side sent (applyDocs). */
export interface ReplicaJudge {
  /**
   * Who wrote it, as the write policy sees it: `replica` on the hub (a box
   * is judged, never trusted: policy-types.ts isReplica), `system` on a box
   * receiving from its hub (the hub judged every write it holds).
   */
  origin: 'replica' | 'system';
  /** Why a document is outside the sender's clinic, or null (checked before anything is applied). */
  outOfScope?(name: string): Promise<string | null> | string | null;
  /** A refused update, set aside with its reason (replication-quarantine.ts). */
  setAside?(refusal: Refusal, update: Uint8Array): void;
  /** A document's update was taken: whatever was set aside for it before is resolved. */
  taken?(name: string): void;
}

/** Words for a patient document whose patient another clinic holds. */
export const OTHER_CLINIC_PATIENT = 'This patient belongs to another clinic.';

/**
 * A patient document is in a clinic's scope unless the patient is another
 * clinic's: in the patient list, or by the patient's own document.
 */
export async function patientScope(sync: SyncService, db: Database.Database, clinicId: string, name: string): Promise<string | null> {
  const parsed = parseDocName(name);
  if (!parsed || !('patientId' in parsed)) return null;
  const row = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'patients'").get()
    ? (db.prepare('SELECT clinic_id FROM patients WHERE id = ?').get(parsed.patientId) as { clinic_id: string } | undefined)
    : undefined;
  if (row && row.clinic_id !== clinicId) return OTHER_CLINIC_PATIENT;
  try {
    await sync.readState(`patient:${parsed.patientId}`, clinicId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'forbidden') return OTHER_CLINIC_PATIENT;
    throw err;
  }
  return null;
}

/**
 * Writes what the other side sent through the real write path, judged as
 * `judge` says. The log row names the sender (`edge:<id>` on the hub, `hub`
 * on an edge); the original authors stay in the entries' own provenance
 * fields. A document outside the sender's clinic, or an update the write
 * policy refuses, is not applied: it is set aside with its reason and the
 * other documents go on.
 */
export async function applyDocs(sync: SyncService, clinicId: string, docs: readonly { name: string; update: string }[], writer: string, judge: ReplicaJudge): Promise<{ applied: number; refused: Refusal[] }> {
  let applied = 0;
  const refused: Refusal[] = [];
  for (const d of docs) {
    const bytes = unb64(d.update);
    try {
      checkDocName(d.name, clinicId);
      const scope = await judge.outOfScope?.(d.name);
      if (scope) throw new AppError('forbidden', scope);
      await sync.applyServerUpdate(d.name, clinicId, bytes, writer, judge.origin);
      judge.taken?.(d.name);
      applied++;
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'internal';
      const rules = err instanceof AppError && code === 'forbidden' ? [...new Set((err.details ?? []).flatMap((i) => (i.path ? [i.path] : [])))] : [];
      const refusal: Refusal = { name: d.name, code, rules: rules.length ? rules : code === 'forbidden' ? ['replication.scope'] : [], reason: err instanceof AppError ? err.message : 'The update could not be applied.' };
      refused.push(refusal);
      // Only a judgement is set aside: a document held for review, or a server fault, is simply tried again next round.
      if (code === 'forbidden' || code === 'invalid') judge.setAside?.(refusal, bytes);
    }
  }
  return { applied, refused };
}

// ---------------------------------------------------------------- audit

export interface AuditRowWire {
  seq: number;
  ts: string;
  user_id: string | null;
  action: string;
  outcome: string;
  target: string | null;
  detail: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

export const auditRowSchema = z.object({
  seq: z.number().int().positive(),
  ts: z.string().max(40),
  user_id: z.string().max(200).nullable(),
  action: z.string().max(100),
  outcome: z.string().max(20),
  target: z.string().max(500).nullable(),
  detail: z.string().max(64 * 1024),
  ip: z.string().max(100).nullable(),
  prev_hash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/)
}).strict();

export const auditBatchSchema = z.object({
  logId: z.string().regex(/^[0-9a-f]{32}$/, 'Not an audit log id'),
  rows: z.array(auditRowSchema).max(2000)
}).strict();

/** What a box's sneakernet file carries: its pending documents whole, and its audit entries the hub has not acknowledged. */
export const edgeBundleSchema = z.object({
  docs: z.array(z.object({ name: docNameSchema, update: b64Schema }).strict()).max(100_000),
  audit: z.object({ logId: auditBatchSchema.shape.logId, rows: z.array(auditRowSchema).max(1_000_000) }).strict()
}).strict();

/** What the hub's file for a box carries: the clinic's documents whole, and its users. */
export const hubBundleSchema = z.object({
  docs: z.array(z.object({ name: docNameSchema, update: b64Schema }).strict()).max(100_000),
  users: z.lazy(() => usersSchema)
}).strict();

/** This server's own audit entries after `afterSeq`, as stored (hash chain included). */
export function readOwnAudit(db: Database.Database, afterSeq: number, limit: number): AuditRowWire[] {
  return db.prepare('SELECT seq, ts, user_id, action, outcome, target, detail, ip, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as AuditRowWire[];
}

/** The last entry of an origin's chain held here. */
export function receivedAuditHead(db: Database.Database, origin: string): { seq: number; hash: string; logId: string | null } {
  const row = db.prepare('SELECT seq, hash, log_id AS logId FROM edge_audit WHERE origin = ? ORDER BY seq DESC LIMIT 1').get(origin) as { seq: number; hash: string; logId: string } | undefined;
  return row ?? { seq: 0, hash: GENESIS_HASH, logId: null };
}

/**
 * Takes an edge's audit entries into the hub's copy of that edge's chain.
 * Entries already held are skipped when they match what is held (a resend
 * after a cut, a bundle imported twice); each new entry must follow the
 * held head: next seq, linked to its hash, and its own hash right. The
 * first entry that does not fit refuses it and all after it.
 */
export function receiveAudit(db: Database.Database, origin: string, batch: { logId: string; rows: readonly AuditRowWire[] }, now: number): { added: number; lastSeq: number; problem?: string } {
  const held = db.prepare('SELECT hash FROM edge_audit WHERE origin = ? AND seq = ?');
  const insert = db.prepare(
    `INSERT INTO edge_audit (origin, log_id, seq, ts, user_id, action, outcome, target, detail, ip, prev_hash, hash, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  );
  return db.transaction(() => {
    const head = receivedAuditHead(db, origin);
    if (head.logId !== null && head.logId !== batch.logId) {
      return { added: 0, lastSeq: head.seq, problem: 'The entries come from another audit log than the one held for this box.' };
    }
    let prev = head;
    let added = 0;
    for (const row of [...batch.rows].sort((a, b) => a.seq - b.seq)) {
      if (row.seq <= prev.seq) {
        const h = held.get(origin, row.seq) as { hash: string } | undefined;
        if (!h || h.hash !== row.hash) return { added, lastSeq: prev.seq, problem: `Entry #${row.seq} differs from the one already held.` };
        continue;
      }
      if (row.seq !== prev.seq + 1) return { added, lastSeq: prev.seq, problem: `Entry #${prev.seq + 1} is missing.` };
      if (row.prev_hash !== prev.hash) return { added, lastSeq: prev.seq, problem: `Entry #${row.seq} does not link to the entry before it.` };
      if (entryHash(row.prev_hash, row) !== row.hash) return { added, lastSeq: prev.seq, problem: `Entry #${row.seq} does not match its hash.` };
      insert.run(origin, batch.logId, row.seq, row.ts, row.user_id, row.action, row.outcome, row.target, row.detail, row.ip, row.prev_hash, row.hash, now);
      prev = { seq: row.seq, hash: row.hash, logId: batch.logId };
      added++;
    }
    return { added, lastSeq: prev.seq };
  })();
}

/** Walks an origin's received chain from genesis, as verifyAuditChain does for the server's own. */
export function verifyReceivedAudit(db: Database.Database, origin: string): { ok: true; count: number } | { ok: false; firstBrokenSeq: number; reason: string } {
  const rows = db.prepare('SELECT * FROM edge_audit WHERE origin = ? ORDER BY seq').iterate(origin) as IterableIterator<AuditRowWire>;
  let prev = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  for (const row of rows) {
    if (row.seq !== prev.seq + 1) return { ok: false, firstBrokenSeq: prev.seq + 1, reason: `entry ${prev.seq + 1} is missing` };
    if (row.prev_hash !== prev.hash) return { ok: false, firstBrokenSeq: row.seq, reason: 'link to the previous entry does not match' };
    if (entryHash(row.prev_hash, row) !== row.hash) return { ok: false, firstBrokenSeq: row.seq, reason: 'entry content does not match its hash' };
    prev = { seq: row.seq, hash: row.hash };
    count++;
  }
  return { ok: true, count };
}

// ---------------------------------------------------------------- users

export interface UserWire {
  id: string;
  username: string;
  name: string;
  roles: string[];
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
}

export const usersSchema = z.object({
  clinic: z.object({ id: z.string().uuid(), name: z.string().min(1).max(200), secondFactorRoles: z.array(z.string()).max(10) }).strict(),
  users: z.array(z.object({
    id: z.string().uuid(),
    username: z.string().min(2).max(64),
    name: z.string().min(1).max(200),
    roles: z.array(z.string()).max(10),
    passwordHash: z.string().min(1).max(1000),
    disabled: z.boolean(),
    createdAt: z.string().max(40)
  }).strict()).max(10_000),
  /** Authenticators: each secret encrypted to the box's X25519 key, re-sealed there under the box's own secrets key. */
  secondFactors: z.array(z.object({
    userId: z.string().uuid(),
    sealed: z.object({ ephemeralKey: z.string().max(200), iv: z.string().max(40), tag: z.string().max(40), ciphertext: z.string().max(400) }).strict(),
    createdAt: z.string().max(40),
    confirmedAt: z.string().max(40),
    lastStep: z.number().int().nonnegative()
  }).strict()).max(10_000).optional(),
  /** Recovery codes, as their hashes. */
  recoveryCodes: z.array(z.object({ userId: z.string().uuid(), codeHash: z.string().max(200), usedAt: z.string().max(40).nullable() }).strict()).max(200_000).optional()
}).strict();

export type UsersWire = z.infer<typeof usersSchema>;

/**
 * The hub's side: one clinic's staff accounts (patients' portal accounts
 * stay on the hub), with their confirmed authenticators when `factors`
 * gives the hub's sealer and the box's encryption key.
 */
export function exportUsers(db: Database.Database, clinicId: string, factors?: { sealer: SecretSealer; boxKey: string }): UsersWire {
  const clinic = db.prepare('SELECT id, name, second_factor_roles FROM clinics WHERE id = ?').get(clinicId) as { id: string; name: string; second_factor_roles: string };
  const rows = db.prepare('SELECT id, username, name, roles, password_hash, disabled, created_at FROM users WHERE clinic_id = ? ORDER BY username').all(clinicId) as {
    id: string; username: string; name: string; roles: string; password_hash: string; disabled: number; created_at: string;
  }[];
  const users = rows
    .map((r) => ({ id: r.id, username: r.username, name: r.name, roles: (JSON.parse(r.roles) as string[]).filter(isRole), passwordHash: r.password_hash, disabled: r.disabled === 1, createdAt: r.created_at }))
    .filter((u) => !u.roles.includes('patient'));
  const wire: UsersWire = { clinic: { id: clinic.id, name: clinic.name, secondFactorRoles: JSON.parse(clinic.second_factor_roles) as string[] }, users };
  if (!factors) return wire;
  const ids = new Set(users.map((u) => u.id));
  const factorRows = db.prepare('SELECT f.user_id, f.secret, f.created_at, f.confirmed_at, f.last_step FROM second_factors f JOIN users u ON u.id = f.user_id WHERE u.clinic_id = ? AND f.confirmed_at IS NOT NULL').all(clinicId) as {
    user_id: string; secret: string; created_at: string; confirmed_at: string; last_step: number;
  }[];
  wire.secondFactors = [];
  for (const r of factorRows) {
    if (!ids.has(r.user_id)) continue;
    const secret = factors.sealer.open(r.secret, totpSealContext(r.user_id));
    if (secret === null) continue;
    wire.secondFactors.push({ userId: r.user_id, sealed: sealTo(factors.boxKey, Buffer.from(secret, 'utf8')), createdAt: r.created_at, confirmedAt: r.confirmed_at, lastStep: r.last_step });
  }
  wire.recoveryCodes = (db.prepare('SELECT r.user_id, r.code_hash, r.used_at FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.clinic_id = ?').all(clinicId) as { user_id: string; code_hash: string; used_at: string | null }[])
    .filter((r) => ids.has(r.user_id))
    .map((r) => ({ userId: r.user_id, codeHash: r.code_hash, usedAt: r.used_at }));
  return wire;
}

/**
 * The edge's side: the hub's list is the truth for this clinic. New and
 * changed accounts are written; an account the hub disabled, or no longer
 * lists, is disabled here. Returns the ids whose sessions must end (newly
 * disabled, or their password changed).
 */
export function importUsers(db: Database.Database, wire: UsersWire, factors?: { keys: ReplicationKeys; sealer: SecretSealer }): { written: number; ended: string[]; skipped: number } {
  const clinicRow = db.prepare('SELECT id FROM clinics WHERE id = ?');
  const insertClinic = db.prepare('INSERT INTO clinics (id, name, demo, created_at, second_factor_roles) VALUES (?, ?, 0, ?, ?)');
  const updateClinic = db.prepare('UPDATE clinics SET name = ?, second_factor_roles = ? WHERE id = ?');
  const find = db.prepare('SELECT id, clinic_id, username, name, roles, password_hash, disabled FROM users WHERE id = ?');
  const byName = db.prepare('SELECT id FROM users WHERE username = ?');
  const insert = db.prepare('INSERT INTO users (id, clinic_id, username, name, roles, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE users SET username = ?, name = ?, roles = ?, password_hash = ?, disabled = ? WHERE id = ?');
  const local = db.prepare('SELECT id, disabled FROM users WHERE clinic_id = ?');
  const disable = db.prepare('UPDATE users SET disabled = 1 WHERE id = ?');
  return db.transaction(() => {
    const sfr = JSON.stringify(wire.clinic.secondFactorRoles.filter(isRole));
    if (clinicRow.get(wire.clinic.id)) updateClinic.run(wire.clinic.name, sfr, wire.clinic.id);
    else insertClinic.run(wire.clinic.id, wire.clinic.name, new Date().toISOString(), sfr);
    let written = 0;
    let skipped = 0;
    const ended: string[] = [];
    const listed = new Set<string>();
    for (const u of wire.users) {
      const roles = JSON.stringify(u.roles.filter(isRole).filter((r) => r !== 'patient'));
      const existing = find.get(u.id) as { clinic_id: string; username: string; name: string; roles: string; password_hash: string; disabled: number } | undefined;
      const taken = byName.get(u.username) as { id: string } | undefined;
      if ((existing && existing.clinic_id !== wire.clinic.id) || (taken && taken.id !== u.id)) {
        skipped++;
        continue;
      }
      listed.add(u.id);
      if (!existing) {
        insert.run(u.id, wire.clinic.id, u.username, u.name, roles, u.passwordHash, u.disabled ? 1 : 0, u.createdAt);
        written++;
        continue;
      }
      const changed = existing.username !== u.username || existing.name !== u.name || existing.roles !== roles || existing.password_hash !== u.passwordHash || existing.disabled !== (u.disabled ? 1 : 0);
      if (!changed) continue;
      update.run(u.username, u.name, roles, u.passwordHash, u.disabled ? 1 : 0, u.id);
      written++;
      if ((u.disabled && existing.disabled === 0) || existing.password_hash !== u.passwordHash || existing.roles !== roles) ended.push(u.id);
    }
    for (const row of local.all(wire.clinic.id) as { id: string; disabled: number }[]) {
      if (listed.has(row.id) || row.disabled === 1) continue;
      disable.run(row.id);
      written++;
      ended.push(row.id);
    }
    if (factors && wire.secondFactors) importFactors(db, wire, listed, factors);
    return { written, ended, skipped };
  })();
}

/**
 * The hub's authenticators and recovery codes replace the box's for the
 * listed users: a user enrolled at the hub is asked for the same code at
 * the box (never to enrol a new one there on a password alone), and an
 * authenticator reset at the hub is gone at the box. A recovery code used
 * at either side stays used here.
 */
function importFactors(db: Database.Database, wire: UsersWire, listed: ReadonlySet<string>, factors: { keys: ReplicationKeys; sealer: SecretSealer }): void {
  const upsert = db.prepare(
    `INSERT INTO second_factors (user_id, secret, created_at, confirmed_at, last_step) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, confirmed_at = excluded.confirmed_at,
       last_step = max(second_factors.last_step, excluded.last_step)`
  );
  const drop = db.prepare('DELETE FROM second_factors WHERE user_id = ?');
  const withFactor = new Set<string>();
  for (const f of wire.secondFactors ?? []) {
    if (!listed.has(f.userId)) continue;
    const secret = openSealed(factors.keys, f.sealed).toString('utf8');
    upsert.run(f.userId, factors.sealer.seal(secret, totpSealContext(f.userId)), f.createdAt, f.confirmedAt, f.lastStep);
    withFactor.add(f.userId);
  }
  for (const id of listed) if (!withFactor.has(id)) drop.run(id);
  const codes = new Map<string, { codeHash: string; usedAt: string | null }[]>();
  for (const c of wire.recoveryCodes ?? []) if (listed.has(c.userId)) codes.set(c.userId, [...(codes.get(c.userId) ?? []), c]);
  const localCodes = db.prepare('SELECT code_hash, used_at FROM recovery_codes WHERE user_id = ?');
  const dropCode = db.prepare('DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?');
  const addCode = db.prepare('INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES (?, ?, ?) ON CONFLICT(user_id, code_hash) DO UPDATE SET used_at = coalesce(recovery_codes.used_at, excluded.used_at)');
  for (const id of listed) {
    const theirs = codes.get(id) ?? [];
    const keep = new Set(theirs.map((c) => c.codeHash));
    for (const mine of localCodes.all(id) as { code_hash: string }[]) if (!keep.has(mine.code_hash)) dropCode.run(id, mine.code_hash);
    for (const c of theirs) addCode.run(id, c.codeHash, c.usedAt);
  }
}
