import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { createAuditLog, readAuditHead } from '../audit/audit-log';
import { checkpointFileFor, fsyncDir } from '../audit/checkpoint-file';
import { DB_FILE } from '../store/db';
import { BackupError, BackupReader } from './backup-cipher';
import { readManifest, type BackupManifest } from './backup-manifest';

/**
 * `npm run restore`: puts a backup back into an empty data directory, and
 * its audit checkpoints into the checkpoint folder. Everything is decrypted
 * and checked (every chunk authenticated, sizes and SHA-256 of each file,
 * SQLite's integrity check) into temporary files first; only then are they
 * moved into place, so a wrong passphrase or a damaged file leaves the
 * target as it was.
 *
 * A checkpoint file already there for the same log (restoring on the machine
 * that made the backup) is kept beside, renamed `….before-restore-<time>`:
 * it vouches for entries made after the backup, which the restored copy no
 * longer has, and is the record of what was lost.
 */

export interface RestoreResult {
  manifest: BackupManifest;
  databaseFile: string;
  checkpointFile: string | null;
  /** Where an existing checkpoint file for the same log was moved. */
  movedAside: string | null;
}

export function restoreBackup(opts: {
  file: string;
  dataDir: string;
  checkpointDir: string;
  passphrase: string;
  now?: () => Date;
}): RestoreResult {
  const now = opts.now ?? (() => new Date());
  const dataDir = path.resolve(opts.dataDir);
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    throw new AppError('conflict', `The data directory ${dataDir} is not empty: restore only into an empty one (move the current one aside first).`);
  }
  let fd: number;
  try {
    fd = fs.openSync(opts.file, 'r');
  } catch (err) {
    throw new AppError('not-found', `Cannot open the backup file ${opts.file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }

  const temps: string[] = [];
  let dbTemp: string;
  let checkpointTemp: string | null = null;
  let manifest: BackupManifest;
  try {
    const reader = new BackupReader(fd, opts.passphrase);
    manifest = readManifest(reader);
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    dbTemp = path.join(dataDir, `.restore-${randomUUID()}.partial`);
    temps.push(dbTemp);
    expectHash('database', copyOut(reader, manifest.database.size, dbTemp), manifest.database.sha256);
    if (manifest.checkpoints) {
      fs.mkdirSync(opts.checkpointDir, { recursive: true, mode: 0o700 });
      checkpointTemp = path.join(opts.checkpointDir, `.restore-${randomUUID()}.partial`);
      temps.push(checkpointTemp);
      expectHash('checkpoint file', copyOut(reader, manifest.checkpoints.size, checkpointTemp), manifest.checkpoints.sha256);
    }
    reader.assertEnd();
    checkDatabase(dbTemp, manifest);
  } catch (err) {
    for (const f of temps) fs.rmSync(f, { force: true });
    throw err;
  } finally {
    fs.closeSync(fd);
  }

  const databaseFile = path.join(dataDir, DB_FILE);
  fs.renameSync(dbTemp, databaseFile);
  fsyncDir(dataDir);

  let checkpointFile: string | null = null;
  let movedAside: string | null = null;
  if (checkpointTemp && manifest.audit.logId) {
    checkpointFile = checkpointFileFor(opts.checkpointDir, manifest.audit.logId);
    if (fs.existsSync(checkpointFile)) {
      if (fs.readFileSync(checkpointFile).equals(fs.readFileSync(checkpointTemp))) {
        fs.rmSync(checkpointTemp);
        checkpointTemp = null;
      } else {
        movedAside = `${checkpointFile}.before-restore-${now().toISOString().replace(/[:.]/g, '-')}`;
        fs.renameSync(checkpointFile, movedAside);
      }
    }
    if (checkpointTemp) fs.renameSync(checkpointTemp, checkpointFile);
    fsyncDir(opts.checkpointDir);
  }

  const db = new Database(databaseFile, { fileMustExist: true });
  try {
    createAuditLog(db, now).record({
      action: 'backup.restore',
      outcome: 'success',
      target: 'backup',
      detail: { backupCreatedAt: manifest.createdAt, auditSeq: manifest.audit.seq, checkpointsMovedAside: movedAside !== null }
    });
  } finally {
    db.close();
  }
  return { manifest, databaseFile, checkpointFile, movedAside };
}

function copyOut(reader: BackupReader, size: number, file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    let left = size;
    while (left > 0) {
      const piece = reader.read(Math.min(left, 1024 * 1024));
      hash.update(piece);
      let off = 0;
      while (off < piece.length) off += fs.writeSync(fd, piece, off, piece.length - off);
      left -= piece.length;
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function expectHash(what: string, actual: string, expected: string): void {
  if (actual !== expected) throw new BackupError('damaged', `The backup file is damaged: its ${what} does not match its checksum. Nothing was restored.`);
}

/** SQLite's own check of the restored file, and that it is the log the manifest names. */
function checkDatabase(file: string, manifest: BackupManifest): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError('damaged', 'The database in the backup fails SQLite’s integrity check. Nothing was restored.');
    const head = readAuditHead(db);
    if (head.seq !== manifest.audit.seq || head.hash !== manifest.audit.hash) {
      throw new BackupError('damaged', 'The database in the backup does not end at the audit entry its table of contents names. Nothing was restored.');
    }
  } finally {
    db.close();
  }
}
