import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Audit, AuditEvent } from '../types';
import { canonicalJson } from './canonical-json';

/**
 * Append-only, hash-chained audit log. Each entry's hash covers the previous
 * entry's hash and the entry's own fields, so editing, deleting or reordering
 * any stored entry breaks the chain from that point and `verifyAuditChain`
 * names it. Triggers refuse UPDATE and DELETE; the chain catches what
 * bypasses SQLite (a raw file edit, a dropped trigger). What the chain alone
 * cannot catch — the last entries cut off, or history rewritten with every
 * later hash recomputed — the signed checkpoints kept outside the database
 * catch (audit-checkpoints.ts).
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

/** The last entry of the log: its seq and hash (seq 0 and the genesis hash when empty). */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** The log's head as committed (or as written so far by an open transaction on this connection). */
export function readAuditHead(db: Database.Database): AuditHead {
  const row = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as AuditHead | undefined;
  return row ?? { seq: 0, hash: GENESIS_HASH };
}

/** The log's identity (migration 004), under which its checkpoints are filed. */
export function readAuditLogId(db: Database.Database): string {
  const row = db.prepare("SELECT value FROM audit_meta WHERE key = 'log_id'").get() as { value: string } | undefined;
  if (!row) throw new Error('This database has no audit log id yet: start the server on it once (it migrates the database and writes the first checkpoint)');
  return row.value;
}

/**
 * Opens the log for writing. `record` is synchronous and uses prepared
 * statements. The tail is read from the table at every append, not kept in
 * memory: an append inside a transaction that is later rolled back must not
 * leave a remembered tail that skips a seq, and another process (the admin
 * CLI) may append to the same file. The insert names its seq explicitly, so
 * a race with another process fails the primary key instead of forking the
 * chain, and the append is retried on the new tail.
 */
export function createAuditLog(db: Database.Database, now: () => Date = () => new Date()): Audit {
  const readTail = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    `INSERT INTO audit_log (seq, ts, user_id, action, outcome, target, detail, ip, prev_hash, hash)
     VALUES (@seq, @ts, @user_id, @action, @outcome, @target, @detail, @ip, @prev_hash, @hash)`
  );
  const loadTail = (): AuditHead => (readTail.get() as AuditHead | undefined) ?? { seq: 0, hash: GENESIS_HASH };

  function append(event: AuditEvent): void {
    const tail = loadTail();
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
    insert.run({ ...row, prev_hash: tail.hash, hash: entryHash(tail.hash, row) });
  }

  return {
    record(event: AuditEvent): void {
      for (let attempt = 1; ; attempt++) {
        try {
          append(event);
          return;
        } catch (err) {
          if (!isPrimaryKeyConflict(err) || attempt >= 5) throw err;
        }
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
 * broken link to the previous hash. `onEntry` sees each entry that fits, in
 * order, so the checkpoints can be compared with the same single pass.
 *
 * The chain alone cannot see a removed tail, nor a row rewritten with every
 * hash after it recomputed: that is what the signed checkpoints outside the
 * database are for (see audit-verify.ts).
 */
export function verifyAuditChain(db: Database.Database, onEntry?: (entry: AuditHead) => void): AuditChainResult {
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>;
  let prev: AuditHead = { seq: 0, hash: GENESIS_HASH };
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
    onEntry?.(prev);
    count++;
  }
  return { ok: true, count };
}
