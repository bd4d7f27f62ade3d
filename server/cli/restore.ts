import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { loadTrustedKey } from '../audit/audit-key';
import { verifyAudit } from '../audit/verify-audit';
import { restoreBackup } from '../backup/restore-backup';
import { readBackupPassphrase } from '../backup/passphrase';
import { dataDirFromEnv, loadAuditConfig } from '../config';
import { describeError } from '../http/logger';
import { promptHidden } from './prompt';

/**
 * `npm run restore -- <file> [--data-dir <dir>] [--passphrase-file <file>]`:
 * restores a backup into an empty data directory (default OUTPOST_DATA_DIR)
 * and its audit checkpoints into OUTPOST_AUDIT_CHECKPOINT_DIR, then checks
 * the audit log when the audit key is at hand. Exit code 0 restored, 1
 * refused (wrong passphrase, damaged file, directory not empty), 2 called
 * wrongly.
 */
const USAGE = `Usage: npm run restore -- <backup file> [--data-dir <empty dir>] [--passphrase-file <file>]
Passphrase: --passphrase-file, else OUTPOST_BACKUP_PASSPHRASE, else asked on the terminal.
Environment: OUTPOST_DATA_DIR, OUTPOST_AUDIT_CHECKPOINT_DIR, OUTPOST_AUDIT_KEY_FILE.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, 'passphrase-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : dataDirFromEnv();
  const audit = loadAuditConfig();
  const passphrase = await readBackupPassphrase({ file: values['passphrase-file'], env: process.env, ask: promptHidden, creating: false });
  const result = restoreBackup({ file: path.resolve(positionals[0]), dataDir, checkpointDir: audit.checkpointDir, passphrase });
  const m = result.manifest;
  console.log(`Restored the backup of ${m.createdAt} into ${dataDir}: audit log up to entry #${m.audit.seq}.`);
  if (result.checkpointFile) console.log(`  audit checkpoints (${m.checkpoints?.count ?? 0}): ${result.checkpointFile}`);
  if (result.movedAside) {
    console.log(`  The checkpoint file already here was kept as ${result.movedAside}:`);
    console.log('  it vouches for entries made after the backup, which this copy does not have.');
  }

  if (!fs.existsSync(audit.keyFile)) {
    console.log(`Audit key ${audit.keyFile} not found: check the audit log with \`npm run audit:verify -- --public-key <file>\`.`);
    return 0;
  }
  const db = new Database(result.databaseFile, { fileMustExist: true });
  try {
    const verified = verifyAudit(db, { checkpointDir: audit.checkpointDir, trustedKeys: [loadTrustedKey(audit.keyFile)] });
    if (verified.ok) console.log(`Audit log verified: ${verified.lastSeq} entries, ${verified.checkpoints.length} checkpoint${verified.checkpoints.length === 1 ? '' : 's'}.`);
    else for (const p of verified.problems) console.log(`Audit check: ${p}`);
  } finally {
    db.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof AppError ? `Restore refused: ${err.message}` : `Restore failed: ${describeError(err)}`);
    process.exitCode = 1;
  }
);
