import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { verifyAuditChain } from '../audit/audit-log';
import { DB_FILE } from '../store/db';
import { describeError } from '../http/logger';

/**
 * `npm run audit:verify`: recomputes the audit log's hash chain and says
 * whether it is intact; if not, names the first entry that was changed or
 * removed. Exit code 0 intact, 1 broken, 2 no database.
 */
function main(): number {
  const dataDir = path.resolve(process.env.OUTPOST_DATA_DIR || './data');
  const file = path.join(dataDir, DB_FILE);
  if (!fs.existsSync(file)) {
    console.error(`No Outpost database at ${file} (set OUTPOST_DATA_DIR).`);
    return 2;
  }
  const db = new Database(file, { fileMustExist: true });
  try {
    const result = verifyAuditChain(db);
    if (result.ok) {
      console.log(`Audit log intact: ${result.count} entries verified.`);
      return 0;
    }
    const entry = db.prepare('SELECT seq, ts, action, outcome FROM audit_log WHERE seq = ?').get(result.firstBrokenSeq) as
      | { seq: number; ts: string; action: string; outcome: string }
      | undefined;
    console.error(`Audit log BROKEN at entry #${result.firstBrokenSeq}: ${result.reason}.`);
    if (entry) console.error(`  entry #${entry.seq}: ${entry.ts} ${entry.action} (${entry.outcome})`);
    console.error('Entries from this one on cannot be trusted; keep a copy of the database for investigation.');
    return 1;
  } finally {
    db.close();
  }
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`Audit verification failed: ${describeError(err)}`);
  process.exitCode = 2;
}
