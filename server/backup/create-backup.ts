import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { createAuditLog, readAuditHead, type AuditHead } from '../audit/audit-log';
import { checkpointFileFor, checkpointSchema, fsyncDir, readCheckpointFile } from '../audit/checkpoint-file';
import { DB_FILE } from '../store/db';
import { BackupWriter } from './backup-cipher';
import { writeManifest, type BackupManifest } from './backup-manifest';

/**
 * `npm run backup`: an online, consistent, encrypted copy of everything the
 * clinic server keeps — the SQLite database (documents and their history,
 * users, sessions, the audit log, attachments, telehealth and pharmacy
 * tables) and the audit log's checkpoint file.
 *
 * The snapshot is `VACUUM INTO`: one read transaction, so under WAL it sees
 * one consistent state while the server goes on writing (readers never
 * block writers), and unlike the page-copying backup API it never restarts
 * because another connection wrote. The snapshot is written beside the
 * database (same protection as the database itself), encrypted into the
 * backup, then removed. Only checkpoint lines that vouch for entries the
 * snapshot holds are carried, so the restored copy verifies.
 */

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

export function createBackup(opts: {
  dataDir: string;
  checkpointDir: string;
  outFile: string;
  passphrase: string;
  now?: () => Date;
}): BackupResult {
  const now = opts.now ?? (() => new Date());
  const dbFile = path.join(opts.dataDir, DB_FILE);
  if (!fs.existsSync(dbFile)) throw new AppError('not-found', `No Outpost database at ${dbFile} (set OUTPOST_DATA_DIR).`);
  const outFile = path.resolve(opts.outFile);
  if (fs.existsSync(outFile)) throw new AppError('conflict', `${outFile} already exists; choose a new name for the backup.`);

  const snapshot = path.join(opts.dataDir, `.backup-${randomUUID()}.sqlite`);
  const partial = `${outFile}.partial`;
  const live = new Database(dbFile, { fileMustExist: true });
  live.pragma('busy_timeout = 5000');
  try {
    live.prepare('VACUUM INTO ?').run(snapshot);
    const { head, logId } = describeSnapshot(snapshot);
    const checkpoints = logId ? checkpointsUpTo(checkpointFileFor(opts.checkpointDir, logId), head) : null;

    const manifest: BackupManifest = {
      createdAt: now().toISOString(),
      database: { size: fs.statSync(snapshot).size, sha256: sha256OfFile(snapshot) },
      audit: { logId, seq: head.seq, hash: head.hash },
      checkpoints: checkpoints && {
        size: checkpoints.text.length,
        sha256: createHash('sha256').update(checkpoints.text).digest('hex'),
        count: checkpoints.count,
        keyIds: checkpoints.keyIds
      }
    };

    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    const fd = fs.openSync(partial, 'wx', 0o600);
    let bytes: number;
    try {
      const writer = new BackupWriter(fd, opts.passphrase);
      writeManifest(writer, manifest);
      copyFileInto(snapshot, writer);
      if (checkpoints) writer.write(checkpoints.text);
      writer.finish();
      fs.fsyncSync(fd);
      bytes = writer.bytesWritten;
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, outFile);
    fsyncDir(path.dirname(outFile));

    createAuditLog(live, now).record({
      action: 'backup.create',
      outcome: 'success',
      target: 'backup',
      detail: { bytes, auditSeq: head.seq, checkpoints: checkpoints?.count ?? 0 }
    });
    return { file: outFile, bytes, manifest };
  } finally {
    live.close();
    for (const f of [snapshot, `${snapshot}-wal`, `${snapshot}-shm`, `${snapshot}-journal`, partial]) fs.rmSync(f, { force: true });
  }
}

/** The snapshot's audit head and log id; also leaves it as one self-contained file. */
function describeSnapshot(file: string): { head: AuditHead; logId: string | null } {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_meta'").get();
    const logId = hasMeta
      ? ((db.prepare("SELECT value FROM audit_meta WHERE key = 'log_id'").get() as { value: string } | undefined)?.value ?? null)
      : null;
    return { head: readAuditHead(db), logId };
  } finally {
    db.close();
  }
}

/**
 * The checkpoint file's lines up to the last one that vouches for an entry
 * the snapshot holds. A checkpoint written after the snapshot was taken
 * would make the restored copy look truncated.
 */
function checkpointsUpTo(file: string, head: AuditHead): { text: Buffer; count: number; keyIds: string[] } | null {
  const text = readCheckpointFile(file);
  if (!text) return null;
  const kept: string[] = [];
  const keyIds = new Set<string>();
  for (const line of text.lines) {
    let seq: number | null = null;
    try {
      const parsed = checkpointSchema.safeParse(JSON.parse(line));
      if (parsed.success) {
        seq = parsed.data.seq;
        if (seq <= head.seq) keyIds.add(parsed.data.key);
      }
    } catch {
      // Carried as is: audit:verify reports it on the restored copy as it would here.
    }
    if (seq !== null && seq > head.seq) break;
    kept.push(line);
  }
  return { text: Buffer.from(kept.map((l) => `${l}\n`).join('')), count: kept.length, keyIds: [...keyIds] };
}

function copyFileInto(file: string, writer: BackupWriter): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      writer.write(Buffer.from(buf.subarray(0, n)));
    }
  } finally {
    fs.closeSync(fd);
  }
}

function sha256OfFile(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
