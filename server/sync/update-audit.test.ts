import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditLog, verifyAuditChain } from '../audit/audit-log';
import { migratePlatformTables } from '../store/db';
import type { Audit, AuditEvent } from '../types';
import { UpdateAuditLog } from './update-audit';
import { RecordingAudit } from './sync-test-server';

const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  vi.restoreAllMocks();
});

/** The real hash-chained log on a real (in-memory) database, noting for each entry whether a transaction was open. */
function chainedLog(failOn?: string): { db: Database.Database; audit: Audit; inTx: boolean[]; stored: () => string[] } {
  const db = new Database(':memory:');
  dbs.push(db);
  migratePlatformTables(db);
  const log = createAuditLog(db);
  const inTx: boolean[] = [];
  const audit: Audit = {
    record(e: AuditEvent) {
      inTx.push(db.inTransaction);
      if (e.target === failOn) throw new Error('disk I/O error');
      log.record(e);
    }
  };
  const stored = () => (db.prepare("SELECT target FROM audit_log WHERE action = 'doc.update' ORDER BY seq").all() as { target: string }[]).map((r) => r.target);
  return { db, audit, inTx, stored };
}

const source = { docName: 'chart:x', userId: 'u1', via: 'websocket' as const };

describe('UpdateAuditLog', () => {
  it('folds one connection’s keystrokes into one entry pointing at the stored rows', () => {
    const audit = new RecordingAudit();
    const log = new UpdateAuditLog(audit, 60_000);
    const conn = {};
    log.note(conn, source, 10, 7);
    log.note(conn, source, 12, 9);
    log.note(conn, source, 11, 12);
    expect(audit.events).toEqual([]);
    log.flush(conn);
    expect(audit.events).toEqual([
      {
        action: 'doc.update',
        outcome: 'success',
        userId: 'u1',
        target: 'chart:x',
        ip: null,
        detail: { via: 'websocket', updates: 3, bytes: 33, firstSeq: 7, lastSeq: 12 }
      }
    ]);
  });

  it('writes the fold when the window ends, and one entry per update with a zero window', async () => {
    const audit = new RecordingAudit();
    const log = new UpdateAuditLog(audit, 20);
    log.note({}, source, 1, 1);
    log.note({}, source, 1, 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(audit.events).toHaveLength(2);

    const each = new RecordingAudit();
    const unfolded = new UpdateAuditLog(each, 0);
    const conn = {};
    unfolded.note(conn, source, 1, 1);
    unfolded.note(conn, source, 1, 2);
    expect(each.events.map((e) => e.detail?.lastSeq)).toEqual([1, 2]);
  });

  it('writes every connection’s entry of a window in one transaction, on the chain in order', () => {
    const { db, audit, inTx, stored } = chainedLog();
    const log = new UpdateAuditLog(audit, 60_000, (write) => db.transaction(write)());
    for (const name of ['chart:a', 'chart:b', 'chart:c']) log.note({}, { ...source, docName: name }, 5, 1);
    log.flushAll();
    expect(stored()).toEqual(['chart:a', 'chart:b', 'chart:c']);
    expect(inTx).toEqual([true, true, true]);
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 3 });

    // Positive control: without the database's transaction, the same window is written one commit per entry.
    const plain = chainedLog();
    const each = new UpdateAuditLog(plain.audit, 60_000);
    for (const name of ['chart:a', 'chart:b']) each.note({}, { ...source, docName: name }, 5, 1);
    each.flushAll();
    expect(plain.stored()).toEqual(['chart:a', 'chart:b']);
    expect(plain.inTx).toEqual([false, false]);
  });

  it('when the window’s transaction fails, writes each entry on its own: one bad entry costs only itself', () => {
    const { db, audit, inTx, stored } = chainedLog('chart:bad');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = new UpdateAuditLog(audit, 60_000, (write) => db.transaction(write)());
    for (const name of ['chart:a', 'chart:bad', 'chart:c']) log.note({}, { ...source, docName: name }, 5, 1);
    log.flushAll();
    // In the transaction: a, then bad (thrown: all rolled back); then on their own: a, bad (thrown, logged), c.
    expect(inTx).toEqual([true, true, false, false, false]);
    expect(stored()).toEqual(['chart:a', 'chart:c']);
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 2 });
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0][0])).toBe('[sync] audit write failed for doc.update');
  });
});
