import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as Y from 'yjs';
import type { DocKind } from '../../src/lib/domain/doc-names';
import { entryHash, GENESIS_HASH, type AuditChainResult, type AuditHead } from '../audit/audit-log';
import { canonicalJson } from '../audit/canonical-json';
import type { AuditEvent } from '../types';
import { ClinicMismatchError, fromProvenanceRow, type DocRecord, type PendingAppend, type StoredState } from './doc-store';
import { compactionAuditEvent, type DocumentStore, type StoredParts } from './document-store';
import { planFold, type CompactionPoint, type LogCompactionOptions, type LogCompactionResult, type ProvenanceRecord } from './log-compaction';

/**
 * The hub's document store on PostgreSQL: the same tables as the embedded
 * SQLite store (documents, the append-only update log, snapshots,
 * quarantine) and a hash-chained audit log of the entries that go with each
 * write (policy corrections, the prescribing trail), written in the same
 * transaction as the update, with the same hash as server/audit/audit-log.ts
 * so the same verification applies.
 *
 * Every commit takes one transaction-scoped advisory lock. Several server
 * processes may share the database: the lock makes their commits take turns,
 * so the audit chain never forks and update sequence numbers become visible
 * in order (a "changed since" cursor never skips a row committed later with
 * a smaller number).
 */

/** Key of the advisory lock every commit takes (any fixed 64-bit number; "outpost" in ASCII). */
const COMMIT_LOCK = '31093563466560372';
/** Key of the advisory lock migrations take, so two processes starting at once migrate once. */
const MIGRATE_LOCK = '31093563466560373';

interface Migration {
  id: string;
  sql: string;
}

/** This store's own migrations, recorded in its `schema_migrations`; ids follow the platform's list (server/store/db.ts). */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    id: '008-pg-documents',
    sql: `
      CREATE TABLE documents (
        name TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seq BIGINT NOT NULL DEFAULT 0
      );
      CREATE INDEX documents_clinic_seq ON documents (clinic_id, last_seq);
      CREATE TABLE doc_updates (
        seq BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL REFERENCES documents(name),
        "update" BYTEA NOT NULL,
        user_id TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX doc_updates_name_seq ON doc_updates (name, seq);
      CREATE TABLE doc_snapshots (
        name TEXT PRIMARY KEY REFERENCES documents(name),
        state BYTEA NOT NULL,
        upto_seq BIGINT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE doc_quarantine (
        name TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );
      -- The log is the provenance of the record: never rewritten.
      CREATE FUNCTION outpost_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
      CREATE TRIGGER doc_updates_append_only BEFORE UPDATE OR DELETE ON doc_updates
        FOR EACH ROW EXECUTE FUNCTION outpost_append_only();
    `
  },
  {
    id: '008-pg-audit-log',
    sql: `
      CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY,
        ts TEXT NOT NULL,
        user_id TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        target TEXT,
        detail TEXT NOT NULL,
        ip TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION outpost_append_only();
      CREATE TABLE audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `
  },
  {
    // Compaction (log-compaction.ts) is the one writer that may delete log rows, inside its own transaction only.
    id: '008-growth-log-compaction',
    sql: `
      CREATE TABLE doc_log_compaction (
        name TEXT PRIMARY KEY REFERENCES documents(name),
        upto_seq BIGINT NOT NULL,
        compacted_at TEXT NOT NULL,
        rows_folded BIGINT NOT NULL,
        bytes_folded BIGINT NOT NULL
      );
      CREATE TABLE doc_log_provenance (
        name TEXT NOT NULL REFERENCES documents(name),
        user_id TEXT NOT NULL,
        period TEXT NOT NULL,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        updates BIGINT NOT NULL,
        bytes BIGINT NOT NULL,
        entries TEXT NOT NULL,
        more_entries INTEGER NOT NULL,
        first_seq BIGINT NOT NULL,
        last_seq BIGINT NOT NULL,
        PRIMARY KEY (name, user_id, period)
      );
      CREATE FUNCTION outpost_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' AND current_setting('outpost.log_compaction', true) = 'on' THEN RETURN OLD; END IF;
          RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END $$;
      DROP TRIGGER doc_updates_append_only ON doc_updates;
      CREATE TRIGGER doc_updates_append_only BEFORE UPDATE OR DELETE ON doc_updates
        FOR EACH ROW EXECUTE FUNCTION outpost_log_append_only();
    `
  }
];

/** Runs the migrations not yet applied, each in its own transaction, under a lock. Returns the ids applied now. */
export async function migratePg(pool: pg.Pool): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const done = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
      for (const m of PG_MIGRATIONS) {
        if (done.has(m.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          if (m.id === '008-pg-audit-log') {
            await client.query("INSERT INTO audit_meta (key, value) VALUES ('log_id', $1)", [randomBytes(16).toString('hex')]);
          }
          await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
          await client.query('COMMIT');
          applied.push(m.id);
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]);
    }
  } finally {
    client.release();
  }
  return applied;
}

interface DocumentRow {
  name: string;
  clinic_id: string;
  kind: DocKind;
  patient_id: string;
  created_at: string;
  last_seq: string;
}

interface AuditRow {
  seq: string;
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

export interface PgDocumentStoreOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  now?: () => Date;
  /** Documents this process wrote for the first time, told after their commit (the platform's document directory). */
  onCreated?(docs: readonly DocRecord[]): void;
}

export class PgDocumentStore implements DocumentStore {
  readonly engine = 'postgres' as const;
  private readonly now: () => Date;

  private constructor(
    readonly pool: pg.Pool,
    private readonly opts: PgDocumentStoreOptions
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Connects, migrates, and returns the store. Rejects with a readable error when the server cannot be reached. */
  static async open(databaseUrl: string, opts: PgDocumentStoreOptions = {}): Promise<PgDocumentStore> {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.max ?? 10, connectionTimeoutMillis: 10_000 });
    // An idle connection the server drops must not take the process down; the pool replaces it.
    pool.on('error', (err) => console.error('[store] PostgreSQL connection lost', err.message));
    try {
      await migratePg(pool);
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(`Could not open the PostgreSQL document store: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new PgDocumentStore(pool, opts);
  }

  async find(name: string): Promise<DocRecord | null> {
    const { rows } = await this.pool.query<DocumentRow>('SELECT * FROM documents WHERE name = $1', [name]);
    const row = rows[0];
    if (!row) return null;
    return { name: row.name, clinicId: row.clinic_id, kind: row.kind, patientId: row.patient_id, createdAt: row.created_at, lastSeq: Number(row.last_seq) };
  }

  /** The snapshot and the log rows after it, read in one statement (one consistent view). */
  private async parts(name: string): Promise<{ snapshot: Uint8Array | null; uptoSeq: number; tail: { seq: number; update: Uint8Array }[] }> {
    const { rows } = await this.pool.query<{ seq: string; update: Buffer; snap: boolean }>(
      `WITH s AS (SELECT state, upto_seq FROM doc_snapshots WHERE name = $1)
       SELECT upto_seq AS seq, state AS "update", true AS snap FROM s
       UNION ALL
       SELECT u.seq, u."update", false FROM doc_updates u
        WHERE u.name = $1 AND u.seq > COALESCE((SELECT upto_seq FROM s), 0)
       ORDER BY snap DESC, seq`,
      [name]
    );
    const snap = rows[0]?.snap ? rows[0] : null;
    const tail = (snap ? rows.slice(1) : rows).map((r) => ({ seq: Number(r.seq), update: new Uint8Array(r.update) }));
    return { snapshot: snap ? new Uint8Array(snap.update) : null, uptoSeq: snap ? Number(snap.seq) : 0, tail };
  }

  async load(name: string): Promise<StoredState | null> {
    const { snapshot, uptoSeq, tail } = await this.parts(name);
    if (!snapshot && tail.length === 0) return null;
    const parts = [...(snapshot ? [snapshot] : []), ...tail.map((r) => r.update)];
    return {
      update: parts.length === 1 ? parts[0] : Y.mergeUpdates(parts),
      lastSeq: tail.length > 0 ? tail[tail.length - 1].seq : uptoSeq,
      rowsSinceSnapshot: tail.length
    };
  }

  async loadSince(name: string, afterSeq: number | null): Promise<StoredParts | null> {
    // A cursor older than the compaction point: its rows are folded into the snapshot, so it gets the snapshot.
    if (afterSeq !== null && afterSeq < ((await this.compactionPoint(name))?.uptoSeq ?? 0)) {
      const all = await this.loadSince(name, null);
      return all && { ...all, fromSnapshot: true };
    }
    if (afterSeq !== null) {
      if (!(await this.find(name))) return null;
      const { rows } = await this.pool.query<{ seq: string; update: Buffer }>(
        'SELECT seq, "update" FROM doc_updates WHERE name = $1 AND seq > $2 ORDER BY seq',
        [name, afterSeq]
      );
      return { parts: rows.map((r) => new Uint8Array(r.update)), lastSeq: rows.length ? Number(rows[rows.length - 1].seq) : afterSeq };
    }
    const { snapshot, uptoSeq, tail } = await this.parts(name);
    if (!snapshot && tail.length === 0) return null;
    return { parts: [...(snapshot ? [snapshot] : []), ...tail.map((r) => r.update)], lastSeq: tail.length ? tail[tail.length - 1].seq : uptoSeq };
  }

  async saveSnapshot(name: string, state: Uint8Array, uptoSeq: number): Promise<void> {
    // A snapshot never moves backwards: an older state must not hide newer rows.
    await this.pool.query(
      `INSERT INTO doc_snapshots (name, state, upto_seq, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, upto_seq = excluded.upto_seq, updated_at = excluded.updated_at
       WHERE excluded.upto_seq > doc_snapshots.upto_seq`,
      [name, Buffer.from(state), uptoSeq, this.now().toISOString()]
    );
  }

  async changedSince(clinicId: string, kinds: readonly DocKind[], sinceSeq: number): Promise<{ names: string[]; maxSeq: number }> {
    if (kinds.length === 0) return { names: [], maxSeq: sinceSeq };
    const { rows } = await this.pool.query<{ name: string; last_seq: string }>(
      'SELECT name, last_seq FROM documents WHERE clinic_id = $1 AND last_seq > $2 AND kind = ANY($3::text[]) ORDER BY last_seq',
      [clinicId, sinceSeq, kinds]
    );
    const maxSeq = rows.length > 0 ? Number(rows[rows.length - 1].last_seq) : sinceSeq;
    return { names: rows.map((r) => r.name), maxSeq };
  }

  async quarantined(): Promise<string[]> {
    return (await this.pool.query<{ name: string }>('SELECT name FROM doc_quarantine ORDER BY name')).rows.map((r) => r.name);
  }

  async quarantine(name: string, reason: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO doc_quarantine (name, reason, at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
      [name, reason.slice(0, 200), this.now().toISOString()]
    );
  }

  async releaseQuarantine(name: string): Promise<void> {
    await this.pool.query('DELETE FROM doc_quarantine WHERE name = $1', [name]);
  }

  async commit(writes: readonly PendingAppend[], audit: readonly AuditEvent[]): Promise<number[]> {
    if (writes.length === 0 && audit.length === 0) return [];
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [COMMIT_LOCK]);
        const { seqs, created } = writes.length > 0 ? await this.appendRows(client, writes) : { seqs: [], created: [] };
        if (audit.length > 0) await this.appendAudit(client, audit);
        await client.query('COMMIT');
        if (created.length > 0) this.tellCreated(created);
        return seqs;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      // A connection whose rollback failed is not given back to the pool.
      client.release(broken);
    }
  }

  private tellCreated(created: DocRecord[]): void {
    try {
      this.opts.onCreated?.(created);
    } catch (err) {
      // The directory catches up from the store at the next start.
      console.error('[store] document directory update failed', err instanceof Error ? err.name : 'error');
    }
  }

  /** Every document, in name order, a page at a time (the platform's directory catches up from it at start). */
  async listDocuments(afterName: string, limit: number): Promise<DocRecord[]> {
    const { rows } = await this.pool.query<DocumentRow>('SELECT * FROM documents WHERE name > $1 ORDER BY name LIMIT $2', [afterName, limit]);
    return rows.map((row) => ({ name: row.name, clinicId: row.clinic_id, kind: row.kind, patientId: row.patient_id, createdAt: row.created_at, lastSeq: Number(row.last_seq) }));
  }

  private async appendRows(client: pg.PoolClient, writes: readonly PendingAppend[]): Promise<{ seqs: number[]; created: DocRecord[] }> {
    const now = this.now().toISOString();
    const docs = new Map<string, PendingAppend['doc']>();
    for (const w of writes) if (!docs.has(w.doc.name)) docs.set(w.doc.name, w.doc);
    const list = [...docs.values()];
    const fresh = await client.query<{ name: string }>(
      `INSERT INTO documents (name, clinic_id, kind, patient_id, created_at, last_seq)
       SELECT n, c, k, p, $5, 0 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS d(n, c, k, p)
       ON CONFLICT (name) DO NOTHING RETURNING name`,
      [list.map((d) => d.name), list.map((d) => d.clinicId), list.map((d) => d.kind), list.map((d) => d.patientId), now]
    );
    const owners = await client.query<{ name: string; clinic_id: string }>('SELECT name, clinic_id FROM documents WHERE name = ANY($1::text[])', [list.map((d) => d.name)]);
    for (const row of owners.rows) {
      if (row.clinic_id !== docs.get(row.name)?.clinicId) throw new ClinicMismatchError(row.name);
    }
    // Rows are numbered in the order given: the commit lock is held, and the select is ordered.
    const inserted = await client.query<{ seq: string }>(
      `INSERT INTO doc_updates (name, "update", user_id, created_at)
       SELECT n, u, w, $4 FROM unnest($1::text[], $2::bytea[], $3::text[]) WITH ORDINALITY AS r(n, u, w, i) ORDER BY i
       RETURNING seq`,
      [writes.map((w) => w.doc.name), writes.map((w) => Buffer.from(w.update)), writes.map((w) => w.userId), now]
    );
    const seqs = inserted.rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
    await client.query(
      `UPDATE documents d SET last_seq = m.seq FROM (SELECT n, max(s) AS seq FROM unnest($1::text[], $2::bigint[]) AS x(n, s) GROUP BY n) m
       WHERE d.name = m.n`,
      [writes.map((w) => w.doc.name), seqs]
    );
    const lastOf = new Map(writes.map((w, i) => [w.doc.name, seqs[i]]));
    const created = fresh.rows.map(({ name }) => ({ ...docs.get(name)!, createdAt: now, lastSeq: lastOf.get(name)! }));
    return { seqs, created };
  }

  private async appendAudit(client: pg.PoolClient, events: readonly AuditEvent[]): Promise<void> {
    const head = await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    let prev: AuditHead = head.rows[0] ? { seq: Number(head.rows[0].seq), hash: head.rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
    const ts = this.now().toISOString();
    const rows = events.map((event) => {
      const row = {
        seq: prev.seq + 1,
        ts,
        user_id: event.userId ?? null,
        action: event.action,
        outcome: event.outcome,
        target: event.target ?? null,
        detail: canonicalJson(event.detail ?? {}),
        ip: event.ip ?? null
      };
      const hash = entryHash(prev.hash, row);
      const full = { ...row, prev_hash: prev.hash, hash };
      prev = { seq: row.seq, hash };
      return full;
    });
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    await client.query(
      `INSERT INTO audit_log (seq, ts, user_id, action, outcome, target, detail, ip, prev_hash, hash)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])`,
      [col('seq'), col('ts'), col('user_id'), col('action'), col('outcome'), col('target'), col('detail'), col('ip'), col('prev_hash'), col('hash')]
    );
  }

  async compactionPoint(name: string): Promise<CompactionPoint | null> {
    const { rows } = await this.pool.query<{ upto_seq: string; compacted_at: string; rows_folded: string; bytes_folded: string }>(
      'SELECT upto_seq, compacted_at, rows_folded, bytes_folded FROM doc_log_compaction WHERE name = $1',
      [name]
    );
    const r = rows[0];
    return r ? { uptoSeq: Number(r.upto_seq), compactedAt: r.compacted_at, rowsFolded: Number(r.rows_folded), bytesFolded: Number(r.bytes_folded) } : null;
  }

  async provenance(name: string): Promise<ProvenanceRecord[]> {
    return provenanceRows(this.pool, name);
  }

  async compactLog(opts: LogCompactionOptions): Promise<LogCompactionResult> {
    const result: LogCompactionResult = { documents: 0, rowsFolded: 0, bytesFolded: 0, provenanceRecords: 0 };
    const { rows: candidates } = await this.pool.query<{ name: string }>(
      `SELECT d.name FROM documents d JOIN doc_updates u ON u.seq = (SELECT min(seq) FROM doc_updates WHERE name = d.name)
       WHERE u.created_at < $1 AND u.seq < d.last_seq ORDER BY d.name`,
      [opts.before.toISOString()]
    );
    for (const { name } of candidates) {
      const done = await this.compactOne(name, opts);
      if (!done) continue;
      result.documents += 1;
      result.rowsFolded += done.rows;
      result.bytesFolded += done.bytes;
      result.provenanceRecords += done.provenance;
    }
    return result;
  }

  private async compactOne(name: string, opts: LogCompactionOptions): Promise<{ uptoSeq: number; rows: number; bytes: number; provenance: number } | null> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [COMMIT_LOCK]);
        await client.query("SET LOCAL outpost.log_compaction = 'on'");
        const snap = (await client.query<{ state: Buffer; upto_seq: string }>('SELECT state, upto_seq FROM doc_snapshots WHERE name = $1', [name])).rows[0];
        const rows = (
          await client.query<{ seq: string; update: Buffer; user_id: string; created_at: string }>(
            'SELECT seq, "update", user_id, created_at FROM doc_updates WHERE name = $1 ORDER BY seq',
            [name]
          )
        ).rows.map((r) => ({ seq: Number(r.seq), update: new Uint8Array(r.update), userId: r.user_id, createdAt: r.created_at }));
        const existing = await provenanceRows(client, name);
        const plan = planFold(name, snap ? { state: new Uint8Array(snap.state), uptoSeq: Number(snap.upto_seq) } : null, rows, opts.before, existing);
        if (!plan) {
          await client.query('ROLLBACK');
          return null;
        }
        const now = this.now().toISOString();
        if (plan.snapshot) {
          await client.query(
            `INSERT INTO doc_snapshots (name, state, upto_seq, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET state = excluded.state, upto_seq = excluded.upto_seq, updated_at = excluded.updated_at
             WHERE excluded.upto_seq > doc_snapshots.upto_seq`,
            [name, Buffer.from(plan.snapshot.state), plan.snapshot.uptoSeq, now]
          );
        }
        for (const p of plan.provenance) {
          await client.query(
            `INSERT INTO doc_log_provenance (name, user_id, period, first_at, last_at, updates, bytes, entries, more_entries, first_seq, last_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (name, user_id, period) DO UPDATE SET first_at = excluded.first_at, last_at = excluded.last_at, updates = excluded.updates,
               bytes = excluded.bytes, entries = excluded.entries, more_entries = excluded.more_entries, first_seq = excluded.first_seq, last_seq = excluded.last_seq`,
            [name, p.userId, p.period, p.firstAt, p.lastAt, p.updates, p.bytes, JSON.stringify(p.entries), p.moreEntries, p.firstSeq, p.lastSeq]
          );
        }
        await client.query('DELETE FROM doc_updates WHERE name = $1 AND seq <= $2', [name, plan.uptoSeq]);
        await client.query(
          `INSERT INTO doc_log_compaction (name, upto_seq, compacted_at, rows_folded, bytes_folded) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (name) DO UPDATE SET upto_seq = excluded.upto_seq, compacted_at = excluded.compacted_at,
             rows_folded = doc_log_compaction.rows_folded + excluded.rows_folded, bytes_folded = doc_log_compaction.bytes_folded + excluded.bytes_folded`,
          [name, plan.uptoSeq, now, plan.folded.length, plan.bytes]
        );
        const done = { uptoSeq: plan.uptoSeq, rows: plan.folded.length, bytes: plan.bytes, provenance: plan.provenance.length };
        await this.appendAudit(client, [compactionAuditEvent(name, opts.by, done)]);
        await client.query('COMMIT');
        return done;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  /** Walks the audit log in order and recomputes every hash (as verifyAuditChain does for SQLite). */
  async verifyAudit(): Promise<AuditChainResult> {
    const { rows } = await this.pool.query<AuditRow>('SELECT * FROM audit_log ORDER BY seq');
    let prev: AuditHead = { seq: 0, hash: GENESIS_HASH };
    for (const r of rows) {
      const row = { ...r, seq: Number(r.seq) };
      if (row.seq !== prev.seq + 1) return { ok: false, firstBrokenSeq: prev.seq + 1, reason: `entry ${prev.seq + 1} is missing` };
      if (row.prev_hash !== prev.hash) return { ok: false, firstBrokenSeq: row.seq, reason: 'link to the previous entry does not match' };
      if (entryHash(row.prev_hash, row) !== row.hash) return { ok: false, firstBrokenSeq: row.seq, reason: 'entry content does not match its hash' };
      prev = { seq: row.seq, hash: row.hash };
    }
    return { ok: true, count: rows.length };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function provenanceRows(q: pg.Pool | pg.PoolClient, name: string): Promise<ProvenanceRecord[]> {
  const { rows } = await q.query<Parameters<typeof fromProvenanceRow>[0]>('SELECT * FROM doc_log_provenance WHERE name = $1 ORDER BY period, user_id', [name]);
  return rows.map(fromProvenanceRow);
}
