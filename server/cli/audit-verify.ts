import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadTrustedKey, type TrustedKey } from '../audit/audit-key';
import { verifyAudit, type AuditVerification } from '../audit/verify-audit';
import { dataDirFromEnv, loadAuditConfig } from '../config';
import { DB_FILE } from '../store/db';
import { storeEngineOf } from '../store/document-store';
import { PgDocumentStore } from '../store/pg-doc-store';
import { describeError } from '../http/logger';

/**
 * `npm run audit:verify [-- --public-key <file>] [--checkpoint-dir <dir>]`:
 * recomputes the audit log's hash chain and checks it against the signed
 * checkpoints kept outside the database; says what it checked against and
 * whether everything fits; if not, names what does not. Exit code 0 intact,
 * 1 broken, 2 nothing to check or nothing to check with.
 *
 * Keys trusted: the server's key file (OUTPOST_AUDIT_KEY_FILE), when this
 * account can read it, and every --public-key given (a copy kept elsewhere,
 * or the key of an earlier period after a change of key).
 */
const USAGE = `Usage: npm run audit:verify [-- --public-key <file>]... [--checkpoint-dir <dir>]
Environment: OUTPOST_DATA_DIR, OUTPOST_AUDIT_CHECKPOINT_DIR, OUTPOST_AUDIT_KEY_FILE,
DATABASE_URL (a hub on PostgreSQL: its audit log of document writes is checked too).`;

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      'public-key': { type: 'string', multiple: true },
      'checkpoint-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = dataDirFromEnv();
  const audit = loadAuditConfig();
  const checkpointDir = values['checkpoint-dir'] ? path.resolve(values['checkpoint-dir']) : audit.checkpointDir;
  const file = path.join(dataDir, DB_FILE);
  if (!fs.existsSync(file)) {
    console.error(`No Outpost database at ${file} (set OUTPOST_DATA_DIR).`);
    return 2;
  }

  const trusted: { key: TrustedKey; from: string }[] = [];
  if (fs.existsSync(audit.keyFile)) trusted.push({ key: loadTrustedKey(audit.keyFile), from: audit.keyFile });
  for (const f of values['public-key'] ?? []) trusted.push({ key: loadTrustedKey(path.resolve(f)), from: path.resolve(f) });
  if (trusted.length === 0) {
    console.error(`No audit key to check the checkpoints with: ${audit.keyFile} does not exist (OUTPOST_AUDIT_KEY_FILE).`);
    console.error('Pass the public key with --public-key <file>.');
    return 2;
  }

  const db = new Database(file, { fileMustExist: true });
  try {
    const result = verifyAudit(db, { checkpointDir, trustedKeys: trusted.map((t) => t.key) });
    for (const t of trusted) console.log(`Trusted key ${t.key.keyId} (from ${t.from}).`);
    printCheckpoints(result);
    for (const note of result.notes) console.log(`Note: ${note}`);
    if (result.ok) {
      console.log(`Audit log intact: ${result.lastSeq} entries verified.`);
      console.log(uncoveredLine(result, audit.checkpointEvery, audit.checkpointIntervalMs / 1000));
      return 0;
    }
    for (const problem of result.problems) console.error(problem);
    if (!result.chain.ok) {
      const entry = db.prepare('SELECT seq, ts, action, outcome FROM audit_log WHERE seq = ?').get(result.chain.firstBrokenSeq) as
        | { seq: number; ts: string; action: string; outcome: string }
        | undefined;
      if (entry) console.error(`  entry #${entry.seq}: ${entry.ts} ${entry.action} (${entry.outcome})`);
    }
    console.error('The audit log cannot be trusted as it stands; keep a copy of the data directory and the checkpoint folder for investigation.');
    return 1;
  } finally {
    db.close();
  }
}

function printCheckpoints(r: AuditVerification): void {
  const latest = r.checkpoints.at(-1);
  if (!latest) {
    console.log(`Checkpoints: none usable for log ${r.logId} (${r.checkpointFile}).`);
    return;
  }
  console.log(
    `Checked against ${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? '' : 's'} in ${r.checkpointFile}, ` +
      `signed by ${r.keyIds.join(', ')}.`
  );
  console.log(`Latest checkpoint: #${latest.n} at ${latest.at}, for entry #${latest.seq}.`);
}

function uncoveredLine(r: AuditVerification, every: number, seconds: number): string {
  if (r.uncovered === 0) return `Every entry up to #${r.lastSeq} is covered by a checkpoint.`;
  return (
    `${r.uncovered} entr${r.uncovered === 1 ? 'y' : 'ies'} after the latest checkpoint ` +
    `${r.uncovered === 1 ? 'is' : 'are'} covered by the chain only until the next one ` +
    `(the running server writes one every ${every} entries, every ${seconds} s and at shutdown).`
  );
}

/**
 * A hub on PostgreSQL (DATABASE_URL) keeps the audit entries of document
 * writes in PostgreSQL's own hash chain: recomputed here. It has no signed
 * checkpoints yet, so a removed tail is not detected there.
 */
async function verifyPg(databaseUrl: string | undefined): Promise<number> {
  if (!databaseUrl || storeEngineOf(databaseUrl) !== 'postgres') return 0;
  const store = await PgDocumentStore.open(databaseUrl, { max: 1 });
  try {
    const chain = await store.verifyAudit();
    if (chain.ok) {
      console.log(`Document audit log in PostgreSQL intact: ${chain.count} entries verified (hash chain; no signed checkpoints).`);
      return 0;
    }
    console.error(`Document audit log in PostgreSQL broken at entry #${chain.firstBrokenSeq}: ${chain.reason}.`);
    return 1;
  } finally {
    await store.close();
  }
}

try {
  const local = main(process.argv.slice(2));
  const help = process.argv.includes('--help') || process.argv.includes('-h');
  const hub = help ? 0 : await verifyPg(process.env.DATABASE_URL?.trim());
  process.exitCode = Math.max(local, hub);
} catch (err) {
  console.error(`Audit verification failed: ${describeError(err)}`);
  console.error(USAGE);
  process.exitCode = 2;
}
