import fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { Audit, AuditEvent } from '../types';
import type { Logger } from '../http/logger';
import { describeError } from '../http/logger';
import { readAuditHead, readAuditLogId, type AuditHead } from './audit-log';
import { loadOrCreateSigningKey, publicKeyFileFor } from './audit-key';
import {
  appendCheckpointLine,
  checkpointFileFor,
  checkpointSchema,
  dropTornTail,
  readCheckpointFile,
  signCheckpoint,
  type Checkpoint
} from './checkpoint-file';

/**
 * Signed checkpoints of the audit log's head, written outside the database.
 *
 * The hash chain in SQLite proves that the entries it holds fit together;
 * it cannot prove that none were cut off the end, nor that someone with the
 * database file did not rewrite an entry and recompute every hash after it.
 * A checkpoint — "entry #seq had hash H at time T", signed with a key kept
 * outside the data directory and appended to a file outside the database —
 * pins the head as it was: `npm run audit:verify` then finds a log shorter
 * than its last checkpoint, or a different hash at a checkpointed entry.
 *
 * Written every `everyEntries` entries this process records, every
 * `intervalMs` when the head moved (entries written by the admin CLI
 * included), at start when the head moved since the last checkpoint, and at
 * shutdown. Never from inside `record`: the entry may belong to a
 * transaction that has not committed (or will roll back), so the checkpoint
 * is taken after the current turn, of what is committed.
 *
 * Only the server writes checkpoints; other processes (admin CLI, backup)
 * append entries that the next checkpoint covers.
 */

export interface AuditCheckpointOptions {
  /** Folder of checkpoint files, outside the data directory. */
  dir: string;
  /** The Ed25519 private key (PEM); generated there on first start. */
  keyFile: string;
  /** Checkpoint after this many entries recorded by this process (default 100). */
  everyEntries?: number;
  /** Checkpoint this often when the head moved (default 60 s). */
  intervalMs?: number;
}

export interface AuditCheckpoints {
  readonly file: string;
  readonly keyId: string;
  /** Set when the key file was generated at this start (main prints where). */
  readonly createdKeyFile: { keyFile: string; publicKeyFile: string } | null;
  /** Counts an appended entry; schedules a checkpoint every `everyEntries`. */
  noteAppended(): void;
  /** Checkpoints the committed head now if it moved since the last one; returns the checkpoint written. */
  checkpointNow(): Checkpoint | null;
  /** The last checkpoint in the file (written by this process or read at start). */
  latest(): Checkpoint | null;
  /** Stops the timer and writes a last checkpoint. */
  close(): void;
}

export function openAuditCheckpoints(
  db: Database.Database,
  opts: AuditCheckpointOptions,
  logger: Logger,
  now: () => Date = () => new Date()
): AuditCheckpoints {
  const everyEntries = opts.everyEntries ?? 100;
  const intervalMs = opts.intervalMs ?? 60_000;
  const { key, created } = loadOrCreateSigningKey(opts.keyFile);
  try {
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    fs.accessSync(opts.dir, fs.constants.W_OK);
  } catch (err) {
    // Refuse to start rather than run with an audit log nothing outside the database vouches for.
    throw new Error(
      `Cannot write audit checkpoints to ${opts.dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}); set OUTPOST_AUDIT_CHECKPOINT_DIR to a folder the server may write.`
    );
  }
  const logId = readAuditLogId(db);
  const file = checkpointFileFor(opts.dir, logId);

  let previous = readLastLine(file, logger);
  let last = previous?.checkpoint ?? null;
  const head = readAuditHead(db);
  if (last && last.seq > head.seq) {
    logger.error(
      `AUDIT: the audit log ends at entry #${head.seq} but checkpoint #${last.n} (${last.at}) vouches for entry #${last.seq}: ` +
        'entries were removed from the database. Run `npm run audit:verify` and keep a copy of the data directory.'
    );
  }

  let appended = 0;
  let scheduled: NodeJS.Immediate | null = null;
  let closed = false;

  function write(head: AuditHead): Checkpoint {
    const next = signCheckpoint(key, logId, previous, head, now());
    appendCheckpointLine(file, next.line);
    previous = { n: next.checkpoint.n, line: next.line, checkpoint: next.checkpoint };
    last = next.checkpoint;
    appended = 0;
    return next.checkpoint;
  }

  function checkpointNow(): Checkpoint | null {
    if (db.inTransaction) {
      // Only reachable if a caller holds a transaction across turns; what it wrote is not committed yet.
      schedule();
      return null;
    }
    const head = readAuditHead(db);
    if (last && last.seq === head.seq && last.hash === head.hash && last.key === key.keyId) return null;
    return write(head);
  }

  function safeCheckpoint(): void {
    try {
      checkpointNow();
    } catch (err) {
      // The entries are safe in the database; the next checkpoint covers them.
      logger.error(`AUDIT: could not write an audit checkpoint to ${file}: ${describeError(err)}`);
    }
  }

  function schedule(): void {
    if (closed) return;
    scheduled ??= setImmediate(() => {
      scheduled = null;
      safeCheckpoint();
    });
  }

  // The first checkpoint of a new log, or the entries written while the server was down.
  checkpointNow();
  const timer = setInterval(safeCheckpoint, intervalMs);
  timer.unref();

  return {
    file,
    keyId: key.keyId,
    createdKeyFile: created ? { keyFile: opts.keyFile, publicKeyFile: publicKeyFileFor(opts.keyFile) } : null,
    noteAppended() {
      appended += 1;
      if (appended >= everyEntries) schedule();
    },
    checkpointNow,
    latest: () => last,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
      safeCheckpoint();
    }
  };
}

/** An Audit that counts each entry for the checkpointer; `record` stays synchronous and the same. */
export function withCheckpoints(log: Audit, checkpoints: Pick<AuditCheckpoints, 'noteAppended'>): Audit {
  return {
    record(event: AuditEvent): void {
      log.record(event);
      checkpoints.noteAppended();
    }
  };
}

/**
 * The last complete line of the file, to chain the next one to. A torn last
 * line (power cut mid-write) is cut first: dropping a final line is nothing
 * an attacker could not do anyway, and keeping it would break the chain.
 */
function readLastLine(
  file: string,
  logger: Logger
): { n: number; line: string; checkpoint: Checkpoint | null } | null {
  const text = readCheckpointFile(file);
  if (!text) return null;
  if (text.tornTail !== '') {
    logger.warn(`AUDIT: an incomplete last line in ${file} (a write cut short) was removed.`);
    dropTornTail(file, text);
  }
  const line = text.lines.at(-1);
  if (line === undefined) return null;
  let checkpoint: Checkpoint | null = null;
  try {
    const parsed = checkpointSchema.safeParse(JSON.parse(line));
    if (parsed.success) checkpoint = parsed.data;
  } catch {
    // Reported by audit:verify; the next line still chains to this text.
  }
  if (!checkpoint) logger.error(`AUDIT: the last line of ${file} is not a checkpoint. Run \`npm run audit:verify\`.`);
  return { n: checkpoint?.n ?? text.lines.length, line, checkpoint };
}

