import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { migratePlatformTables, openDatabase } from '../store/db';
import type { Logger } from '../http/logger';
import { openAuditCheckpoints, withCheckpoints, type AuditCheckpoints } from './audit-checkpoints';
import { createAuditLog, entryHash, readAuditHead, readAuditLogId } from './audit-log';
import { loadTrustedKey } from './audit-key';
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
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dataDir = freshDir('outpost-cpe-data-');
  const outside = freshDir('outpost-cpe-outside-');
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
    logger,
    open(opts: { everyEntries?: number; intervalMs?: number } = { everyEntries: 100, intervalMs: 3_600_000 }) {
      const checkpoints: AuditCheckpoints = openAuditCheckpoints(db, { dir: checkpointDir, keyFile, ...opts }, logger, clock);
      const audit = withCheckpoints(createAuditLog(db, clock), checkpoints);
      return {
        checkpoints,
        record(n: number) {
          for (let i = 0; i < n; i++) audit.record({ action: 'doc.open', outcome: 'success', userId: 'user-1', target: `chart:${i}` });
        }
      };
    },
    verify() {
      return verifyAudit(db, { checkpointDir, trustedKeys: [loadTrustedKey(keyFile)] });
    },
    file,
    lines: () => fs.readFileSync(file(), 'utf8').trimEnd().split('\n')
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const summary = (lines: string[]) => lines.map((l) => JSON.parse(l) as { n: number; seq: number }).map(({ n, seq }) => ({ n, seq }));

function tamper(dataDir: string, work: (db: Database.Database) => void): void {
  const other = new Database(path.join(dataDir, 'outpost.sqlite'));
  other.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  work(other);
  other.close();
}

describe('checkpoint folder that cannot be used', () => {
  it('refuses to start, naming the folder and the error code', () => {
    const s = setup();
    const blocker = path.join(freshDir('outpost-cpe-block-'), 'plain-file');
    fs.writeFileSync(blocker, '');
    const dir = path.join(blocker, 'checkpoints');
    expect(() => openAuditCheckpoints(s.db, { dir, keyFile: s.keyFile }, s.logger, clock)).toThrow(
      new Error(`Cannot write audit checkpoints to ${dir} (ENOTDIR); set OUTPOST_AUDIT_CHECKPOINT_DIR to a folder the server may write.`)
    );
    s.db.close();
  });

  it("says 'error' when the failure has no code", () => {
    const s = setup();
    vi.spyOn(fs, 'accessSync').mockImplementationOnce(() => {
      throw new Error('no code');
    });
    expect(() => s.open()).toThrow(
      new Error(`Cannot write audit checkpoints to ${s.checkpointDir} (error); set OUTPOST_AUDIT_CHECKPOINT_DIR to a folder the server may write.`)
    );
    s.db.close();
  });

  it('a checkpoint that cannot be written is logged, and the server goes on', () => {
    const s = setup();
    const { checkpoints, record } = s.open();
    const file = s.file();
    fs.rmSync(s.checkpointDir, { recursive: true });
    fs.writeFileSync(s.checkpointDir, '');
    record(1);
    expect(() => checkpoints.close()).not.toThrow();
    expect(s.logged.map((m) => m.split('\n')[0])).toEqual([
      `AUDIT: could not write an audit checkpoint to ${file}: Error [ENOTDIR]: ENOTDIR: not a directory, open '${file}'`
    ]);
    s.db.close();
  });
});

describe('when checkpoints are written', () => {
  it('every N entries: not at N-1, at N', async () => {
    const s = setup();
    const { checkpoints, record } = s.open({ everyEntries: 3, intervalMs: 3_600_000 });
    record(1);
    await nextTurn();
    expect(s.lines()).toHaveLength(1);
    record(1);
    await nextTurn();
    expect(s.lines()).toHaveLength(1);
    record(1);
    await nextTurn();
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0 },
      { n: 2, seq: 3 }
    ]);
    // The count starts again after a checkpoint.
    record(2);
    await nextTurn();
    expect(s.lines()).toHaveLength(2);
    record(1);
    await nextTurn();
    expect(summary(s.lines()).at(-1)).toEqual({ n: 3, seq: 6 });
    checkpoints.close();
    s.db.close();
  });

  it('every intervalMs when the head moved: not 1 ms before, at the interval', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = setup();
    const { checkpoints, record } = s.open({ everyEntries: 100, intervalMs: 1_000 });
    record(2);
    vi.advanceTimersByTime(999);
    expect(s.lines()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0 },
      { n: 2, seq: 2 }
    ]);
    // The head did not move: nothing more.
    vi.advanceTimersByTime(1_000);
    expect(s.lines()).toHaveLength(2);
    checkpoints.close();
    s.db.close();
  });

  it('every 60 s by default', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = setup();
    const { checkpoints, record } = s.open({ everyEntries: 100 });
    record(1);
    vi.advanceTimersByTime(59_999);
    expect(s.lines()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0 },
      { n: 2, seq: 1 }
    ]);
    checkpoints.close();
    s.db.close();
  });

  it('not inside a transaction: after it, of what it committed', async () => {
    const s = setup();
    const { checkpoints, record } = s.open();
    let inside: unknown = 'not called';
    s.db.transaction(() => {
      record(2);
      inside = checkpoints.checkpointNow();
    })();
    expect(inside).toBeNull();
    expect(s.lines()).toHaveLength(1);
    await nextTurn();
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0 },
      { n: 2, seq: 2 }
    ]);
    checkpoints.close();
    s.db.close();
  });

  it('nothing after close: entries recorded later and a second close write no line', async () => {
    const s = setup();
    const { checkpoints, record } = s.open({ everyEntries: 2, intervalMs: 3_600_000 });
    record(1);
    checkpoints.close();
    expect(s.lines()).toHaveLength(2);
    record(2);
    await nextTurn();
    expect(s.lines()).toHaveLength(2);
    checkpoints.close();
    expect(s.lines()).toHaveLength(2);
    s.db.close();
  });

  it('a restart with the head unchanged writes nothing and logs nothing', () => {
    const s = setup();
    const first = s.open();
    first.record(3);
    first.checkpoints.close();
    const second = s.open();
    expect(second.checkpoints.checkpointNow()).toBeNull();
    second.checkpoints.close();
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0 },
      { n: 2, seq: 3 }
    ]);
    expect(s.logged).toEqual([]);
    s.db.close();
  });

  it('a head with the same seq but another hash is checkpointed again, and verification still reports the rewrite', () => {
    const s = setup();
    const first = s.open();
    first.record(3);
    first.checkpoints.close();
    tamper(s.dataDir, (db) => {
      type Row = Parameters<typeof entryHash>[1] & { prev_hash: string };
      const row = db.prepare('SELECT * FROM audit_log WHERE seq = 3').get() as Row;
      const edited = { ...row, user_id: 'someone-else' };
      db.prepare('UPDATE audit_log SET user_id = ?, hash = ? WHERE seq = 3').run('someone-else', entryHash(row.prev_hash, edited));
    });
    const second = s.open();
    second.checkpoints.close();
    const lines = s.lines().map((l) => JSON.parse(l) as { n: number; seq: number; hash: string });
    expect(lines.map(({ n, seq }) => ({ n, seq }))).toEqual([
      { n: 1, seq: 0 },
      { n: 2, seq: 3 },
      { n: 3, seq: 3 }
    ]);
    expect(lines[2].hash).toBe(readAuditHead(s.db).hash);
    expect(lines[2].hash).not.toBe(lines[1].hash);
    expect(s.verify()).toMatchObject({
      ok: false,
      problems: [
        'Entry #3 does not match checkpoint #2 of 2026-01-01T00:00:00.000Z: the log was rewritten at or before entry #3 after that checkpoint was signed.'
      ]
    });
    s.db.close();
  });
});

describe('reading the checkpoint file at start', () => {
  it('warns of a torn last line it removed', () => {
    const s = setup();
    s.open().checkpoints.close();
    fs.appendFileSync(s.file(), '{"v":1,"lo');
    s.open().checkpoints.close();
    expect(s.logged).toEqual([`AUDIT: an incomplete last line in ${s.file()} (a write cut short) was removed.`]);
    expect(fs.readFileSync(s.file(), 'utf8').endsWith('\n')).toBe(true);
    s.db.close();
  });

  it('chains the next checkpoint to the last of several lines', async () => {
    const s = setup();
    const first = s.open({ everyEntries: 1, intervalMs: 3_600_000 });
    first.record(1);
    await nextTurn();
    first.record(1);
    await nextTurn();
    first.checkpoints.close();
    expect(s.lines()).toHaveLength(3);
    const second = s.open();
    second.record(1);
    second.checkpoints.close();
    expect(summary(s.lines())).toEqual([
      { n: 1, seq: 0 },
      { n: 2, seq: 1 },
      { n: 3, seq: 2 },
      { n: 4, seq: 3 }
    ]);
    expect(s.verify()).toMatchObject({ ok: true, problems: [] });
    s.db.close();
  });

  it('logs a last line that is not a checkpoint, and numbers the next line after it', () => {
    const s = setup();
    s.open().checkpoints.close();
    fs.appendFileSync(s.file(), 'not a checkpoint\n');
    const second = s.open();
    second.checkpoints.close();
    expect(s.logged).toEqual([`AUDIT: the last line of ${s.file()} is not a checkpoint. Run \`npm run audit:verify\`.`]);
    expect(summary([s.lines()[2]])).toEqual([{ n: 3, seq: 0 }]);
    expect(s.verify().problems).toEqual([`Checkpoint file ${s.file()}: checkpoint line 2 is not valid JSON (edited or damaged).`]);
    s.db.close();
  });
});

describe('verification', () => {
  it('an empty checkpoint file is no checkpoint at all', () => {
    const s = setup();
    s.open().checkpoints.close();
    fs.writeFileSync(s.file(), '');
    expect(s.verify()).toMatchObject({
      ok: false,
      problems: [
        `No checkpoints for this audit log (id ${readAuditLogId(s.db)}) in ${s.checkpointDir}: its checkpoint file was removed, or no server has run on this database yet (it writes the first one when it starts).`
      ]
    });
    s.db.close();
  });

  it('an entry edited without recomputing the hashes breaks the chain', () => {
    const s = setup();
    const { checkpoints, record } = s.open();
    record(3);
    checkpoints.close();
    tamper(s.dataDir, (db) => db.prepare("UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 2").run());
    expect(s.verify()).toMatchObject({
      ok: false,
      lastSeq: 1,
      problems: ['Audit log BROKEN at entry #2: entry content does not match its hash.']
    });
    s.db.close();
  });

  it('counts the entries after the latest checkpoint, and none when the log is shorter than it', () => {
    const s = setup();
    const { checkpoints, record } = s.open();
    record(3);
    expect(s.verify()).toMatchObject({ ok: true, lastSeq: 3, uncovered: 3 });
    checkpoints.close();
    expect(s.verify()).toMatchObject({ ok: true, lastSeq: 3, uncovered: 0 });
    tamper(s.dataDir, (db) => db.prepare('DELETE FROM audit_log WHERE seq > 1').run());
    expect(s.verify()).toMatchObject({ ok: false, lastSeq: 1, uncovered: 0 });
    s.db.close();
  });

  it('with no checkpoint, every entry is uncovered', () => {
    const s = setup();
    const { checkpoints, record } = s.open();
    record(2);
    checkpoints.close();
    fs.rmSync(s.file());
    expect(s.verify()).toMatchObject({ ok: false, lastSeq: 2, uncovered: 2 });
    s.db.close();
  });
});
