import fs from 'node:fs';
import { AppError } from '../../src/lib/domain/errors';

/**
 * Where the backup passphrase comes from, in order: `--passphrase-file`
 * (a file only the administrator can read; it may hold a long random key,
 * e.g. `openssl rand -base64 32`), the OUTPOST_BACKUP_PASSPHRASE variable
 * (for scheduled backups), or the terminal, asked without echo — twice
 * when making a backup, so a typo cannot lock the clinic out of it.
 */

export const MIN_BACKUP_PASSPHRASE_LENGTH = 12;

export async function readBackupPassphrase(opts: {
  file?: string;
  env: NodeJS.ProcessEnv;
  ask(question: string): Promise<string>;
  /** Making a backup: ask twice and insist on a minimum length. */
  creating: boolean;
}): Promise<string> {
  let passphrase: string;
  if (opts.file) {
    try {
      passphrase = fs.readFileSync(opts.file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new AppError('not-found', `Cannot read the passphrase file ${opts.file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  } else if (opts.env.OUTPOST_BACKUP_PASSPHRASE) {
    passphrase = opts.env.OUTPOST_BACKUP_PASSPHRASE;
  } else {
    passphrase = await opts.ask('Backup passphrase: ');
    if (opts.creating && (await opts.ask('Same passphrase again: ')) !== passphrase) {
      throw new AppError('invalid', 'The two passphrases differ; nothing was written.');
    }
  }
  if (opts.creating && passphrase.length < MIN_BACKUP_PASSPHRASE_LENGTH) {
    throw new AppError('invalid', `The backup passphrase needs at least ${MIN_BACKUP_PASSPHRASE_LENGTH} characters.`);
  }
  if (passphrase.length === 0) throw new AppError('invalid', 'No passphrase given.');
  return passphrase;
}
