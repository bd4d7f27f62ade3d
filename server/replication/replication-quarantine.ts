import type Database from 'better-sqlite3';
import type { Audit } from '../types';
import type { Refusal, ReplicaJudge } from './replication-core';

/**
 * Replicated updates the receiving side refused, set aside so replication
 * goes on: the latest refused update per sender and document, whole, with
 * the rules it broke and a reason in words. A first refusal, or one for
 * other rules, is audited; the same refusal sent again is counted. When an
 * update for that document from that sender is later taken, the entry is
 * resolved (removed, audited). The administrator sees the entries in the
 * console's "Clinic boxes" tab.
 */

export interface HeldUpdate {
  origin: string;
  docName: string;
  via: string;
  code: string;
  rules: string[];
  reason: string;
  bytes: number;
  firstAt: number;
  lastAt: number;
  times: number;
}

interface Row {
  origin: string;
  doc_name: string;
  clinic_id: string;
  via: string;
  code: string;
  rules: string;
  reason: string;
  bytes: number;
  first_at: number;
  last_at: number;
  times: number;
}

export function quarantineJudge(opts: {
  db: Database.Database;
  audit: Audit;
  /** `edge:<id>` on the hub, `hub` on a box. */
  origin: string;
  clinicId: string;
  via: 'link' | 'bundle';
  now?: () => number;
  base: Pick<ReplicaJudge, 'origin' | 'outOfScope'>;
}): ReplicaJudge {
  const { db, audit, origin, clinicId, via } = opts;
  const now = opts.now ?? Date.now;
  const find = db.prepare<[string, string], { rules: string; code: string }>('SELECT rules, code FROM replication_quarantine WHERE origin = ? AND doc_name = ?');
  return {
    ...opts.base,
    setAside(refusal: Refusal, update: Uint8Array) {
      const rules = JSON.stringify(refusal.rules);
      const held = find.get(origin, refusal.name);
      const at = now();
      db.prepare(
        `INSERT INTO replication_quarantine (origin, doc_name, clinic_id, via, code, rules, reason, update_bytes, first_at, last_at, times)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
         ON CONFLICT(origin, doc_name) DO UPDATE SET via = excluded.via, code = excluded.code, rules = excluded.rules, reason = excluded.reason,
           update_bytes = excluded.update_bytes, last_at = excluded.last_at, times = replication_quarantine.times + 1`
      ).run(origin, refusal.name, clinicId, via, refusal.code, rules, refusal.reason, Buffer.from(update), at, at);
      if (held && held.rules === rules && held.code === refusal.code) return;
      audit.record({
        action: 'edge.quarantine',
        outcome: 'failure',
        userId: null,
        target: refusal.name,
        ip: null,
        detail: { from: origin, via, code: refusal.code, rules: refusal.rules, bytes: update.byteLength }
      });
    },
    taken(name: string) {
      const r = db.prepare('DELETE FROM replication_quarantine WHERE origin = ? AND doc_name = ?').run(origin, name);
      if (r.changes > 0) audit.record({ action: 'edge.quarantine', outcome: 'success', userId: null, target: name, ip: null, detail: { from: origin, via, resolved: true } });
    }
  };
}

/** What is held for a sender (`edge:<id>`, or `hub`), newest first. */
export function heldUpdates(db: Database.Database, origin: string, limit = 100): HeldUpdate[] {
  const rows = db
    .prepare<[string, number], Row>('SELECT origin, doc_name, clinic_id, via, code, rules, reason, length(update_bytes) AS bytes, first_at, last_at, times FROM replication_quarantine WHERE origin = ? ORDER BY last_at DESC LIMIT ?')
    .all(origin, limit);
  return rows.map((r) => ({ origin: r.origin, docName: r.doc_name, via: r.via, code: r.code, rules: JSON.parse(r.rules) as string[], reason: r.reason, bytes: r.bytes, firstAt: r.first_at, lastAt: r.last_at, times: r.times }));
}

export function heldCount(db: Database.Database, origin: string): number {
  return (db.prepare('SELECT count(*) AS n FROM replication_quarantine WHERE origin = ?').get(origin) as { n: number }).n;
}
