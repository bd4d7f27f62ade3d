import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Audit, AuditEvent } from '../types';
import { canonicalJson } from './canonical-json';

/**
 * Append-only, hash-chained audit log. Each entry's hash covers the previous
 * entry's hash and the entry's own fields, so editing, deleting or reordering
 * any stored entry breaks the chain from that point and `verifyAuditChain`
 * names it. Triggers refuse UPDATE and DELETE; the chain catches what
 * bypasses SQLite (a raw file edit, a dropped trigger).
 */

export const GENESIS_HASH = '0'.repeat(64);

interface AuditRow {
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

/** The hash of one entry. `detail` is the stored canonical JSON text, hashed as is. */
export function entryHash(prevHash: string, row: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const fields = {
    seq: row.seq,
    ts: row.ts,
    userId: row.user_id,
    action: row.action,
    outcome: row.outcome,
    target: row.target,
    detail: row.detail,
    ip: row.ip
  };
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

interface Tail {
  seq: number;
  hash: string;
}

/**
 * Opens the log for writing. `record` is synchronous and uses one prepared
 * statement; the tail (last seq and hash) is kept in memory. Another process
 * (the admin CLI) may append to the same file: the insert names its seq
 * explicitly, so a stale tail fails the primary key instead of forking the
 * chain, and the tail is reloaded and the insert retried.
 */
export function createAuditLog(db: Database.Database, now: () => Date = () => new Date()): Audit {
  const readTail = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    `INSERT INTO audit_log (seq, ts, user_id, action, outcome, target, detail, ip, prev_hash, hash)
     VALUES (@seq, @ts, @user_id, @action, @outcome, @target, @detail, @ip, @prev_hash, @hash)`
  );
  const loadTail = (): Tail => (readTail.get() as Tail | undefined) ?? { seq: 0, hash: GENESIS_HASH };
  let tail = loadTail();

  function append(event: AuditEvent): void {
    const row = {
      seq: tail.seq + 1,
      ts: now().toISOString(),
      user_id: event.userId ?? null,
      action: event.action,
      outcome: event.outcome,
      target: event.target ?? null,
      detail: canonicalJson(event.detail ?? {}),
      ip: event.ip ?? null
    };
    const hash = entryHash(tail.hash, row);
    insert.run({ ...row, prev_hash: tail.hash, hash });
    tail = { seq: row.seq, hash };
  }

  return {
    resync(): void {
      tail = loadTail();
    },
    record(event: AuditEvent): void {
      try {
        append(event);
      } catch (err) {
        if (!isPrimaryKeyConflict(err)) throw err;
        tail = loadTail();
        append(event);
      }
    }
  };
}

function isPrimaryKeyConflict(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

export type AuditChainResult =
  | { ok: true; count: number }
  | { ok: false; firstBrokenSeq: number; reason: string };

/**
 * Walks the whole log in order and recomputes every hash. Reports the first
 * entry that does not fit: a changed field, a missing entry (gap in seq) or a
 * broken link to the previous hash.
 */
export function verifyAuditChain(db: Database.Database): AuditChainResult {
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>;
  let prev: Tail = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  for (const row of rows) {
    if (row.seq !== prev.seq + 1) {
      return { ok: false, firstBrokenSeq: prev.seq + 1, reason: `entry ${prev.seq + 1} is missing` };
    }
    if (row.prev_hash !== prev.hash) {
      return { ok: false, firstBrokenSeq: row.seq, reason: 'link to the previous entry does not match' };
    }
    if (entryHash(row.prev_hash, row) !== row.hash) {
      return { ok: false, firstBrokenSeq: row.seq, reason: 'entry content does not match its hash' };
    }
    prev = { seq: row.seq, hash: row.hash };
    count++;
  }
  return { ok: true, count };
}
