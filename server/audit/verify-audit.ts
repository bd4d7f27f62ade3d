import type Database from 'better-sqlite3';
import { GENESIS_HASH, readAuditLogId, verifyAuditChain, type AuditChainResult } from './audit-log';
import type { TrustedKey } from './audit-key';
import { checkCheckpointLines, checkpointFileFor, readCheckpointFile, type Checkpoint } from './checkpoint-file';

/**
 * The whole audit check behind `npm run audit:verify`: the hash chain in the
 * database, the checkpoint file outside it (each line signed by a trusted
 * key and chained to the line before), and the two against each other — the
 * log must reach every checkpointed entry, with the same hash.
 */

export interface AuditVerification {
  ok: boolean;
  logId: string;
  chain: AuditChainResult;
  /** The last entry that fits the chain (0 when the log is empty). */
  lastSeq: number;
  checkpointFile: string;
  /** Checkpoint lines that passed their own checks (signature, numbering, link). */
  checkpoints: Checkpoint[];
  /** Key ids of those lines, in the order first seen. */
  keyIds: string[];
  /** Entries after the latest checkpoint: vouched for by the chain alone until the next one. */
  uncovered: number;
  /** Everything that failed, as sentences for the administrator. Empty when ok. */
  problems: string[];
  /** Things worth knowing that are not failures (an incomplete last checkpoint line). */
  notes: string[];
}

export function verifyAudit(
  db: Database.Database,
  opts: { checkpointDir: string; trustedKeys: TrustedKey[] }
): AuditVerification {
  const logId = readAuditLogId(db);
  const checkpointFile = checkpointFileFor(opts.checkpointDir, logId);
  const problems: string[] = [];
  const notes: string[] = [];

  let checkpoints: Checkpoint[] = [];
  const text = readCheckpointFile(checkpointFile);
  if (!text || text.lines.length === 0) {
    problems.push(
      `No checkpoints for this audit log (id ${logId}) in ${opts.checkpointDir}: its checkpoint file was removed, ` +
        'or no server has run on this database yet (it writes the first one when it starts).'
    );
  } else {
    if (text.tornTail !== '') notes.push('The last checkpoint line is incomplete (a write cut short by a crash) and was not read.');
    const checked = checkCheckpointLines(text.lines, logId, opts.trustedKeys);
    checkpoints = checked.checkpoints;
    if (!checked.ok) problems.push(`Checkpoint file ${checkpointFile}: ${checked.problem}.`);
  }

  // Checkpoints by the entry they vouch for; several may name the same one.
  const bySeq = new Map<number, Checkpoint[]>();
  for (const c of checkpoints) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
  const mismatches: string[] = [];
  const compare = (seq: number, hash: string) => {
    for (const c of bySeq.get(seq) ?? []) {
      if (c.hash !== hash) {
        mismatches.push(
          `Entry #${seq} does not match checkpoint #${c.n} of ${c.at}: the log was rewritten at or before entry #${seq} after that checkpoint was signed.`
        );
      }
    }
  };
  compare(0, GENESIS_HASH);
  let lastSeq = 0;
  const chain = verifyAuditChain(db, (entry) => {
    lastSeq = entry.seq;
    compare(entry.seq, entry.hash);
  });
  if (!chain.ok) problems.push(`Audit log BROKEN at entry #${chain.firstBrokenSeq}: ${chain.reason}.`);
  if (mismatches.length) problems.push(mismatches[0]);

  const latest = checkpoints.at(-1);
  if (chain.ok && latest && latest.seq > lastSeq) {
    problems.push(
      `The log ends at entry #${lastSeq} but checkpoint #${latest.n} of ${latest.at} vouches for entry #${latest.seq}: ` +
        `${latest.seq - lastSeq} entries were removed from the end.`
    );
  }

  return {
    ok: problems.length === 0,
    logId,
    chain,
    lastSeq,
    checkpointFile,
    checkpoints,
    keyIds: [...new Set(checkpoints.map((c) => c.key))],
    uncovered: latest ? Math.max(0, lastSeq - latest.seq) : lastSeq,
    problems,
    notes
  };
}
