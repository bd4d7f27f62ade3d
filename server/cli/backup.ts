import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../../src/lib/domain/errors';
import { createBackup } from '../backup/create-backup';
import { readBackupPassphrase } from '../backup/passphrase';
import { dataDirFromEnv, loadAuditConfig } from '../config';
import { describeError } from '../http/logger';
import { promptHidden } from './prompt';

/**
 * `npm run backup -- <file> [--passphrase-file <file>]`: writes an
 * encrypted, consistent copy of the data directory's database and the audit
 * checkpoints to <file>, while the server keeps running. Exit code 0 done,
 * 1 failed, 2 called wrongly.
 */
const USAGE = `Usage: npm run backup -- <backup file> [--passphrase-file <file>]
Passphrase: --passphrase-file, else OUTPOST_BACKUP_PASSPHRASE, else asked twice on the terminal.
Environment: OUTPOST_DATA_DIR, OUTPOST_AUDIT_CHECKPOINT_DIR.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'passphrase-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const passphrase = await readBackupPassphrase({ file: values['passphrase-file'], env: process.env, ask: promptHidden, creating: true });
  const result = createBackup({
    dataDir: dataDirFromEnv(),
    checkpointDir: loadAuditConfig().checkpointDir,
    outFile: path.resolve(positionals[0]),
    passphrase
  });
  const m = result.manifest;
  console.log(`Backup written to ${result.file} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB, encrypted).`);
  console.log(`  database snapshot of ${m.createdAt}; audit log up to entry #${m.audit.seq}`);
  console.log(
    m.checkpoints
      ? `  ${m.checkpoints.count} audit checkpoint${m.checkpoints.count === 1 ? '' : 's'}, signed by ${m.checkpoints.keyIds.join(', ') || 'no key'}`
      : '  no audit checkpoints found for this log (is OUTPOST_AUDIT_CHECKPOINT_DIR the server’s?)'
  );
  console.log('Keep the passphrase and a copy of the audit key apart from the backup: without the passphrase it cannot be restored.');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof AppError ? `Backup failed: ${err.message}` : `Backup failed: ${describeError(err)}`);
    process.exitCode = 1;
  }
);
