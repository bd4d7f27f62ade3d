import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migratePlatformTables, openDatabase } from '../store/db';
import type { Logger } from '../http/logger';
import { openAuditCheckpoints, withCheckpoints, type AuditCheckpoints } from './audit-checkpoints';
import { createAuditLog, entryHash, readAuditLogId, verifyAuditChain } from './audit-log';
import { loadOrCreateSigningKey, loadTrustedKey } from './audit-key';
import { signCheckpoint } from './checkpoint-file';
import { verifyAudit } from './verify-audit';

const dirs: string[] = [];
const AT = '2026-01-01T00:00:00.000Z';
const clock = () => new Date(AT);

function freshDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Setup {
  db: Database.Database;
  dataDir: string;
  /** Outside the data directory, as in a deployment. */
  checkpointDir: string;
  keyFile: string;
  logged: string[];
  open(everyEntries?: number): { checkpoints: AuditCheckpoints; record(n: number): void };
  verify(extraKeyFiles?: string[]): ReturnType<typeof verifyAudit>;
  file(): string;
  lines(): string[];
}

function setup(): Setup {
  const dataDir = freshDir('outpost-audit-data-');
  const outside = freshDir('outpost-audit-outside-');
  const checkpointDir = path.join(outside, 'checkpoints');
  const keyFile = path.join(outside, 'keys', 'audit-signing-key.pem');
  const db = openDatabase(dataDir);
  migratePlatformTables(db);
  const logged: string[] = [];
  const logger: Logger = { info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) };
  const file = () => path.join(checkpointDir, `audit-${readAuditLogId(db)}.jsonl`);
  return {
    db,
    dataDir,
    checkpointDir,
    keyFile,
    logged,
    open(everyEntries = 5) {
      const checkpoints = openAuditCheckpoints(db, { dir: checkpointDir, keyFile, everyEntries, intervalMs: 3_600_000 }, logger, clock);
      const audit = withCheckpoints(createAuditLog(db, clock), checkpoints);
      return {
        checkpoints,
        record(n: number) {
          for (let i = 0; i < n; i++) audit.record({ action: 'doc.open', outcome: 'success', userId: `user-${i % 3}`, target: `chart:${i}` });
        }
      };
    },
    verify(extraKeyFiles = []) {
      return verifyAudit(db, { checkpointDir, trustedKeys: [keyFile, ...extraKeyFiles].map(loadTrustedKey) });
    },
    file,
    lines: () => fs.readFileSync(file(), 'utf8').trimEnd().split('\n')
  };
}

/** After the current turn: where a checkpoint scheduled by `record` is written. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What an insider with the database file does: drop the guards, then change history. */
function tamper(dataDir: string, work: (db: Database.Database) => void): void {
  const other = new Database(path.join(dataDir, 'outpost.sqlite'));
  other.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  work(other);
  other.close();
}

/** Rewrites entry `seq` and recomputes its hash and every hash after it, so the chain alone verifies. */
function rewriteAndRehash(db: Database.Database, seq: number, userId: string): void {
  type Row = Parameters<typeof entryHash>[1] & { prev_hash: string; hash: string };
  const rows = db.prepare('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq').all(seq) as Row[];
  const update = db.prepare('UPDATE audit_log SET user_id = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  let prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(seq - 1) as { hash: string }).hash;
  for (const row of rows) {
    const edited = { ...row, user_id: row.seq === seq ? userId : row.user_id, prev_hash: prev };
    const hash = entryHash(prev, edited);
    update.run(edited.user_id, prev, hash, row.seq);
    prev = hash;
  }
}

const summary = (lines: string[]) => lines.map((l) => JSON.parse(l) as { n: number; seq: number; at: string }).map(({ n, seq, at }) => ({ n, seq, at }));

describe('audit checkpoints', () => {
  it('signs a checkpoint at start, every N entries and at shutdown, each chained to the one before', async () => {
    const s = setup();
    const { checkpoints, record } = s.open(5);
    expect(summary(s.lines())).toEqual([{ n: 1, seq: 0, at: AT }]);
    record(5);
    expect(s.lines()).toHaveLength(1); // never from inside record: the entry may not be committed yet
    await nextTurn();
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0, at: AT },
      { n: 2, seq: 5, at: AT }
    ]);
    record(2);
    checkpoints.close();
    const lines = s.lines();
    expect(summary(lines)).toEqual([
      { n: 1, seq: 0, at: AT },
      { n: 2, seq: 5, at: AT },
      { n: 3, seq: 7, at: AT }
    ]);
    const third = JSON.parse(lines[2]) as Record<string, unknown>;
    expect(Object.keys(third).sort()).toEqual(['at', 'hash', 'key', 'log', 'n', 'prev', 'seq', 'sig', 'v']);
    expect(third.key).toBe(loadTrustedKey(s.keyFile).keyId);
    expect(third.log).toBe(readAuditLogId(s.db));

    const result = s.verify();
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ ok: true, lastSeq: 7, uncovered: 0, keyIds: [loadTrustedKey(s.keyFile).keyId] });
    expect(result.checkpoints).toHaveLength(3);
    s.db.close();
  });

  it('keeps the key outside the data directory, readable by its owner only, with the public half beside it', () => {
    const s = setup();
    const { checkpoints } = s.open();
    expect(checkpoints.createdKeyFile).toEqual({ keyFile: s.keyFile, publicKeyFile: s.keyFile.replace(/\.pem$/, '.pub.pem') });
    expect(fs.statSync(s.keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(s.keyFile, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(fs.readFileSync(s.keyFile.replace(/\.pem$/, '.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect(fs.readdirSync(s.dataDir).sort()).toEqual(['outpost.sqlite', 'outpost.sqlite-shm', 'outpost.sqlite-wal']);
    checkpoints.close();
    // A second start reuses the key and says nothing of creating one.
    expect(s.open().checkpoints.createdKeyFile).toBeNull();
    s.db.close();
  });

  it('detects the last entries deleted from the database, which the chain alone accepts', () => {
    const s = setup();
    const { checkpoints, record } = s.open(100);
    record(8);
    checkpoints.close();
    tamper(s.dataDir, (db) => db.prepare('DELETE FROM audit_log WHERE seq > 6').run());
    expect(verifyAuditChain(s.db)).toEqual({ ok: true, count: 6 });
    expect(s.verify()).toMatchObject({
      ok: false,
      lastSeq: 6,
      problems: ['The log ends at entry #6 but checkpoint #2 of 2026-01-01T00:00:00.000Z vouches for entry #8: 2 entries were removed from the end.']
    });
    s.db.close();
  });

  it('says so at start when the database holds fewer entries than the last checkpoint', () => {
    const s = setup();
    const { checkpoints, record } = s.open(100);
    record(4);
    checkpoints.close();
    tamper(s.dataDir, (db) => db.prepare('DELETE FROM audit_log WHERE seq = 4').run());
    s.open(100).checkpoints.close();
    expect(s.logged).toEqual([
      'AUDIT: the audit log ends at entry #3 but checkpoint #2 (2026-01-01T00:00:00.000Z) vouches for entry #4: entries were removed from the database. Run `npm run audit:verify` and keep a copy of the data directory.'
    ]);
    s.db.close();
  });

  it('detects an entry rewritten with every later hash recomputed, at the first checkpoint after it', async () => {
    const s = setup();
    const { checkpoints, record } = s.open(5);
    record(5);
    await nextTurn();
    record(3);
    checkpoints.close();
    tamper(s.dataDir, (db) => rewriteAndRehash(db, 3, 'someone-else'));
    expect(s.db.prepare('SELECT user_id FROM audit_log WHERE seq = 3').get()).toEqual({ user_id: 'someone-else' });
    expect(verifyAuditChain(s.db)).toEqual({ ok: true, count: 8 });
    expect(s.verify()).toMatchObject({
      ok: false,
      problems: [
        'Entry #5 does not match checkpoint #2 of 2026-01-01T00:00:00.000Z: the log was rewritten at or before entry #5 after that checkpoint was signed.'
      ]
    });
    s.db.close();
  });

  it('detects a checkpoint line removed from the middle of the file', async () => {
    const s = setup();
    const { checkpoints, record } = s.open(2);
    record(2);
    await nextTurn();
    record(2);
    checkpoints.close();
    const lines = s.lines();
    expect(lines).toHaveLength(3);
    fs.writeFileSync(s.file(), `${lines[0]}\n${lines[2]}\n`);
    expect(s.verify()).toMatchObject({
      ok: false,
      problems: [`Checkpoint file ${s.file()}: checkpoint line 2 is numbered #3 where #2 was expected: a checkpoint was removed or reordered.`]
    });
    s.db.close();
  });

  it('detects an edited checkpoint line', () => {
    const s = setup();
    const { checkpoints, record } = s.open(100);
    record(8);
    checkpoints.close();
    // Lower the vouched-for entry so that a truncated log would seem to fit.
    const lines = s.lines();
    const edited = { ...(JSON.parse(lines[1]) as Record<string, unknown>), seq: 6 };
    fs.writeFileSync(s.file(), `${lines[0]}\n${JSON.stringify(edited)}\n`);
    expect(s.verify()).toMatchObject({
      ok: false,
      problems: [`Checkpoint file ${s.file()}: checkpoint line 2 (#2) has a signature that does not match its content (edited).`]
    });
    s.db.close();
  });

  it('refuses checkpoints signed with another key, however well formed', () => {
    const s = setup();
    const { checkpoints, record } = s.open(100);
    record(8);
    checkpoints.close();
    // The insider truncates the log and writes a fresh checkpoint file for it with a key of their own.
    tamper(s.dataDir, (db) => db.prepare('DELETE FROM audit_log WHERE seq > 6').run());
    const otherKeyFile = path.join(freshDir('outpost-other-key-'), 'other.pem');
    const other = loadOrCreateSigningKey(otherKeyFile).key;
    const head = s.db.prepare('SELECT seq, hash FROM audit_log WHERE seq = 6').get() as { seq: number; hash: string };
    const forged = signCheckpoint(other, readAuditLogId(s.db), null, head, new Date(AT));
    fs.writeFileSync(s.file(), `${forged.line}\n`);

    // Positive control: the forged file is consistent in itself.
    expect(verifyAudit(s.db, { checkpointDir: s.checkpointDir, trustedKeys: [loadTrustedKey(otherKeyFile)] })).toMatchObject({ ok: true, lastSeq: 6 });
    expect(s.verify()).toMatchObject({
      ok: false,
      problems: [`Checkpoint file ${s.file()}: checkpoint line 1 (#1) is signed with key ${other.keyId}, which is not a trusted audit key.`]
    });
    s.db.close();
  });

  it('fails when the log has no checkpoint file at all', () => {
    const s = setup();
    s.open().checkpoints.close();
    fs.rmSync(s.file());
    expect(s.verify()).toMatchObject({
      ok: false,
      problems: [
        `No checkpoints for this audit log (id ${readAuditLogId(s.db)}) in ${s.checkpointDir}: its checkpoint file was removed, or no server has run on this database yet (it writes the first one when it starts).`
      ]
    });
    s.db.close();
  });

  it('drops a last line cut short by a power cut and chains the next checkpoint to the last whole one', () => {
    const s = setup();
    const first = s.open(100);
    first.record(3);
    first.checkpoints.close();
    fs.appendFileSync(s.file(), '{"v":1,"log":"');
    expect(s.verify()).toMatchObject({
      ok: true,
      notes: ['The last checkpoint line is incomplete (a write cut short by a crash) and was not read.']
    });
    const second = s.open(100);
    second.record(1);
    second.checkpoints.close();
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0, at: AT },
      { n: 2, seq: 3, at: AT },
      { n: 3, seq: 4, at: AT }
    ]);
    expect(s.verify()).toMatchObject({ ok: true, lastSeq: 4, notes: [] });
    s.db.close();
  });

  it('after a change of key, verifies with the earlier public key added', () => {
    const s = setup();
    const first = s.open(100);
    first.record(2);
    first.checkpoints.close();
    const oldPublic = path.join(freshDir('outpost-old-key-'), 'old.pub.pem');
    fs.copyFileSync(s.keyFile.replace(/\.pem$/, '.pub.pem'), oldPublic);
    fs.rmSync(s.keyFile);
    s.open(100).checkpoints.close();
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0, at: AT },
      { n: 2, seq: 2, at: AT },
      { n: 3, seq: 2, at: AT }
    ]);
    expect(s.verify().ok).toBe(false);
    expect(s.verify([oldPublic])).toMatchObject({ ok: true, lastSeq: 2 });
    s.db.close();
  });
});
