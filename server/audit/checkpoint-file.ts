import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GENESIS_HASH, type AuditHead } from './audit-log';
import { verifySignature, type AuditSigningKey, type TrustedKey } from './audit-key';
import { canonicalJson } from './canonical-json';

/**
 * The checkpoint file of one audit log: `audit-<logId>.jsonl` in the
 * checkpoint folder, one signed JSON line per checkpoint, only ever appended.
 *
 * A line says "entry #seq of log <log> had hash <hash> at <at>", is signed
 * with the audit key, and carries the SHA-256 of the line before it (`prev`)
 * and its own number (`n`), so a line removed from the middle, edited or
 * reordered breaks the file's own chain as surely as a bad signature does.
 */

export const CHECKPOINT_VERSION = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const checkpointSchema = z.strictObject({
  v: z.literal(CHECKPOINT_VERSION),
  log: z.string().min(1),
  n: z.number().int().min(1),
  seq: z.number().int().min(0),
  hash: hex64,
  at: z.iso.datetime(),
  prev: hex64,
  key: z.string().min(1),
  sig: z.string().min(1)
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export function checkpointFileFor(dir: string, logId: string): string {
  return path.join(dir, `audit-${logId}.jsonl`);
}

export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

function signedBytes(c: Omit<Checkpoint, 'sig'>): Buffer {
  return Buffer.from(canonicalJson(c));
}

/** The next line after `previous` (the last complete line of the file, or null for the first). */
export function signCheckpoint(
  key: AuditSigningKey,
  logId: string,
  previous: { n: number; line: string } | null,
  head: AuditHead,
  at: Date
): { checkpoint: Checkpoint; line: string } {
  const unsigned = {
    v: CHECKPOINT_VERSION,
    log: logId,
    n: (previous?.n ?? 0) + 1,
    seq: head.seq,
    hash: head.hash,
    at: at.toISOString(),
    prev: previous ? lineHash(previous.line) : GENESIS_HASH,
    key: key.keyId
  } as const;
  const checkpoint: Checkpoint = { ...unsigned, sig: key.sign(signedBytes(unsigned)) };
  return { checkpoint, line: canonicalJson(checkpoint) };
}

export interface CheckpointFileText {
  /** Complete lines, in order, without their newline. */
  lines: string[];
  /** Bytes after the last newline: a write cut short by a crash or power loss. */
  tornTail: string;
}

/** The file's lines, or null when it does not exist. */
export function readCheckpointFile(file: string): CheckpointFileText | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const end = text.lastIndexOf('\n');
  const complete = end < 0 ? '' : text.slice(0, end);
  return { lines: complete === '' ? [] : complete.split('\n'), tornTail: text.slice(end + 1) };
}

export type CheckpointsCheck =
  | { ok: true; checkpoints: Checkpoint[] }
  | { ok: false; checkpoints: Checkpoint[]; problem: string };

/**
 * Checks every line of a checkpoint file against the log it should belong
 * to and the keys trusted to sign it. Returns the lines that passed (a
 * prefix of the file) and, at the first line that fails, why.
 */
export function checkCheckpointLines(lines: string[], logId: string, trusted: TrustedKey[]): CheckpointsCheck {
  const checkpoints: Checkpoint[] = [];
  let prevLine: string | null = null;
  for (const [i, line] of lines.entries()) {
    const fail = (why: string): CheckpointsCheck => ({ ok: false, checkpoints, problem: `checkpoint line ${i + 1} ${why}` });
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return fail('is not valid JSON (edited or damaged)');
    }
    const result = checkpointSchema.safeParse(parsed);
    if (!result.success) return fail('is not a checkpoint (edited or damaged)');
    const c = result.data;
    if (c.log !== logId) return fail(`belongs to another audit log (${c.log})`);
    if (c.n !== i + 1) return fail(`is numbered #${c.n} where #${i + 1} was expected: a checkpoint was removed or reordered`);
    const expectedPrev = prevLine === null ? GENESIS_HASH : lineHash(prevLine);
    if (c.prev !== expectedPrev) return fail(`(#${c.n}) does not follow the line before it: a checkpoint was removed, edited or reordered`);
    const key = trusted.find((k) => k.keyId === c.key);
    if (!key) return fail(`(#${c.n}) is signed with key ${c.key}, which is not a trusted audit key`);
    const { sig, ...unsigned } = c;
    if (!verifySignature(key, signedBytes(unsigned), sig)) return fail(`(#${c.n}) has a signature that does not match its content (edited)`);
    const last = checkpoints.at(-1);
    if (last && c.seq < last.seq) return fail(`(#${c.n}) vouches for entry #${c.seq}, before #${last.seq} of the checkpoint before it`);
    checkpoints.push(c);
    prevLine = line;
  }
  return { ok: true, checkpoints };
}

/**
 * Appends one line and makes it durable before returning: written, then
 * fsync'd (and the folder fsync'd when the file is new), so a checkpoint the
 * server reported written survives a power cut.
 */
export function appendCheckpointLine(file: string, line: string): void {
  const isNew = !fs.existsSync(file);
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, `${line}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (isNew) fsyncDir(path.dirname(file));
}

/** Cuts a torn last line (a write interrupted by a crash) so the next line starts clean. */
export function dropTornTail(file: string, text: CheckpointFileText): void {
  const keep = Buffer.byteLength(text.lines.length ? `${text.lines.join('\n')}\n` : '');
  fs.truncateSync(file, keep);
}

export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse to fsync a directory; the file itself was synced.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
