import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migratePlatformTables, openDatabase } from '../store/db';
import { silentLogger } from '../http/logger';
import { openAuditCheckpoints, withCheckpoints } from './audit-checkpoints';
import { createAuditLog, entryHash, verifyAuditChain } from './audit-log';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-audit-'));
  dirs.push(dir);
  return dir;
}

function logWithEntries(n: number): { db: Database.Database; dir: string } {
  const dir = freshDir();
  const db = openDatabase(dir);
  migratePlatformTables(db);
  const audit = createAuditLog(db);
  for (let i = 0; i < n; i++) {
    audit.record({ action: 'doc.open', outcome: 'success', userId: `user-${i % 3}`, target: `chart:${i}`, detail: { i }, ip: '127.0.0.1' });
  }
  return { db, dir };
}

/** What an attacker with the database file does: drop the guard, then change history. */
function tamper(dir: string, sql: string, ...params: unknown[]): void {
  const other = new Database(path.join(dir, 'outpost.sqlite'));
  other.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  other.prepare(sql).run(...params);
  other.close();
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('audit log', () => {
  it('chains entries so the whole log verifies', () => {
    const { db } = logWithEntries(10);
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 10 });
    const rows = db.prepare('SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq').all() as { prev_hash: string; hash: string }[];
    expect(rows[0].prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    db.close();
  });

  it('refuses UPDATE and DELETE through SQLite', () => {
    const { db } = logWithEntries(3);
    expect(() => db.prepare("UPDATE audit_log SET action = 'logout' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
    db.close();
  });

  it('detects an edited entry and names it', () => {
    const { db, dir } = logWithEntries(8);
    tamper(dir, 'UPDATE audit_log SET user_id = ? WHERE seq = 5', 'someone-else');
    expect(verifyAuditChain(db)).toEqual({ ok: false, firstBrokenSeq: 5, reason: 'entry content does not match its hash' });
    db.close();
  });

  it('detects an edited entry whose hash was recomputed, at the next link', () => {
    const { db, dir } = logWithEntries(8);
    type Row = Parameters<typeof entryHash>[1] & { prev_hash: string; hash: string };
    const rowAt = (seq: number) => db.prepare('SELECT * FROM audit_log WHERE seq = ?').get(seq) as Row;
    // The hash is computed here by hand (sha256 of the previous hash, then the
    // entry's fields as JSON with sorted keys), not with the code's entryHash,
    // so a change to what the code hashes cannot make the forgery miss.
    const handHash = (prevHash: string, r: Row) =>
      createHash('sha256')
        .update(prevHash)
        .update(
          JSON.stringify({ action: r.action, detail: r.detail, ip: r.ip, outcome: r.outcome, seq: r.seq, target: r.target, ts: r.ts, userId: r.user_id })
        )
        .digest('hex');
    const original = rowAt(3);
    // Positive control: the hand hash reproduces what the log stored.
    expect(handHash(original.prev_hash, original)).toBe(original.hash);
    expect(original.user_id).toBe('user-2');

    const forgedHash = handHash(original.prev_hash, { ...original, user_id: 'someone-else' });
    expect(forgedHash).not.toBe(original.hash);
    tamper(dir, 'UPDATE audit_log SET user_id = ?, hash = ? WHERE seq = 3', 'someone-else', forgedHash);
    expect(rowAt(3)).toMatchObject({ user_id: 'someone-else', hash: forgedHash, prev_hash: original.prev_hash });
    // Entry 4 still points at the hash entry 3 had before the edit.
    expect(rowAt(4).prev_hash).toBe(original.hash);

    const accepted: { seq: number; hash: string }[] = [];
    expect(verifyAuditChain(db, (e) => accepted.push(e))).toEqual({
      ok: false,
      firstBrokenSeq: 4,
      reason: 'link to the previous entry does not match'
    });
    // The edited entry itself passed the per-entry check (it was accepted
    // with its forged hash): only the link from entry 4 caught the edit.
    expect(accepted.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(accepted[2].hash).toBe(forgedHash);
    db.close();
  });

  it('detects a deleted entry', () => {
    const { db, dir } = logWithEntries(8);
    tamper(dir, 'DELETE FROM audit_log WHERE seq = 4');
    expect(verifyAuditChain(db)).toEqual({ ok: false, firstBrokenSeq: 4, reason: 'entry 4 is missing' });
    db.close();
  });

  it('keeps one chain when two processes append to the same file', () => {
    const { db, dir } = logWithEntries(2);
    const second = openDatabase(dir);
    const a = createAuditLog(db);
    const b = createAuditLog(second);
    a.record({ action: 'logout', outcome: 'success' });
    b.record({ action: 'user.create', outcome: 'success', target: 'new.user' });
    a.record({ action: 'logout', outcome: 'success' });
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 5 });
    second.close();
    db.close();
  });

  it('hashes detail canonically, whatever the key order', () => {
    const one = logWithEntries(0);
    const two = logWithEntries(0);
    const fixed = () => new Date('2026-01-01T00:00:00Z');
    createAuditLog(one.db, fixed).record({ action: 'import', outcome: 'success', detail: { a: 1, b: { c: 2, d: 3 } } });
    createAuditLog(two.db, fixed).record({ action: 'import', outcome: 'success', detail: { b: { d: 3, c: 2 }, a: 1 } });
    const hash = (db: Database.Database) => (db.prepare('SELECT hash FROM audit_log').get() as { hash: string }).hash;
    expect(hash(one.db)).toBe('2515b35af8b1396561f6fdb3fbc170d7f879c08b511994644a211a052b078ff1');
    expect(hash(two.db)).toBe('2515b35af8b1396561f6fdb3fbc170d7f879c08b511994644a211a052b078ff1');
    one.db.close();
    two.db.close();
  });

  it('npm run audit:verify shows the checkpoints it checked against, then names what broke, with exit code 1', () => {
    const { db, dir } = logWithEntries(0);
    const outside = freshDir();
    const checkpointDir = path.join(outside, 'checkpoints');
    const keyFile = path.join(outside, 'audit-signing-key.pem');
    const at = () => new Date('2026-03-04T05:06:07.000Z');
    const checkpoints = openAuditCheckpoints(db, { dir: checkpointDir, keyFile, everyEntries: 100 }, silentLogger, at);
    const audit = withCheckpoints(createAuditLog(db, at), checkpoints);
    for (let i = 0; i < 6; i++) audit.record({ action: 'doc.open', outcome: 'success', userId: 'user-1', target: `chart:${i}` });
    checkpoints.close();
    const keyId = checkpoints.keyId;
    const file = checkpoints.file;
    db.close();
    const run = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/audit-verify.ts'], {
        cwd: root,
        env: { ...process.env, OUTPOST_DATA_DIR: dir, OUTPOST_AUDIT_CHECKPOINT_DIR: checkpointDir, OUTPOST_AUDIT_KEY_FILE: keyFile },
        encoding: 'utf8'
      });
    const ok = run();
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout.trimEnd().split('\n')).toEqual([
      `Trusted key ${keyId} (from ${keyFile}).`,
      `Checked against 2 checkpoints in ${file}, signed by ${keyId}.`,
      'Latest checkpoint: #2 at 2026-03-04T05:06:07.000Z, for entry #6.',
      'Audit log intact: 6 entries verified.',
      'Every entry up to #6 is covered by a checkpoint.'
    ]);

    tamper(dir, 'DELETE FROM audit_log WHERE seq = 6');
    const truncated = run();
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toContain(
      'The log ends at entry #5 but checkpoint #2 of 2026-03-04T05:06:07.000Z vouches for entry #6: 1 entries were removed from the end.'
    );

    tamper(dir, "UPDATE audit_log SET target = 'chart:other' WHERE seq = 2");
    const broken = run();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('Audit log BROKEN at entry #2: entry content does not match its hash.');
    expect(broken.stderr).toContain('  entry #2: 2026-03-04T05:06:07.000Z doc.open (success)');
  });

  it('appends after a transaction that was rolled back without leaving a gap', () => {
    const { db } = logWithEntries(2);
    const audit = createAuditLog(db);
    expect(() =>
      db.transaction(() => {
        audit.record({ action: 'doc.update', outcome: 'success', target: 'chart:1' });
        throw new Error('the write it belonged to failed');
      })()
    ).toThrow('the write it belonged to failed');
    audit.record({ action: 'doc.update', outcome: 'success', target: 'chart:2' });
    expect(db.prepare('SELECT seq, target FROM audit_log WHERE seq > 2').all()).toEqual([{ seq: 3, target: 'chart:2' }]);
    expect(verifyAuditChain(db)).toEqual({ ok: true, count: 3 });
    db.close();
  });
});
