import { parseArgs } from 'node:util';
import { dataDirFromEnv } from '../config';
import { enrolEdge } from '../replication/replication-edge';
import { migratePlatformTables, openDatabase } from '../store/db';

/**
 * `npm run edge:enrol -- --hub https://hub.district.example --code ABCD-EFGH-JKLM`:
 * the clinic box's one setup command. Makes the box's key pairs (kept in
 * the data directory, mode 0600), presents the hub administrator's one-time
 * code with the public keys, and keeps the hub's public keys. Then start
 * the server with OUTPOST_ROLE=edge: staff accounts and the clinic's
 * records arrive with the first round. Exit code 0 enrolled, 1 refused or
 * unreachable, 2 wrong usage.
 */
const USAGE = `Usage: npm run edge:enrol -- --hub <https://hub address> --code <enrolment code>
Environment: OUTPOST_DATA_DIR (this box's data directory).`;

export async function runEdgeEnrol(argv: string[], dataDir = dataDirFromEnv(), log: (line: string) => void = console.log): Promise<number> {
  let values: { hub?: string; code?: string; help?: boolean };
  try {
    values = parseArgs({ args: argv, options: { hub: { type: 'string' }, code: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (err) {
    log(`${err instanceof Error ? err.message : 'wrong usage'}\n${USAGE}`);
    return 2;
  }
  if (values.help || !values.hub || !values.code) {
    log(USAGE);
    return values.help ? 0 : 2;
  }
  let url: URL;
  try {
    url = new URL(values.hub);
  } catch {
    log(`--hub: "${values.hub}" is not an address (e.g. https://hub.district.example)`);
    return 2;
  }
  if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
    log('--hub must be an https:// address (plain http only to this machine, for testing).');
    return 2;
  }
  const db = openDatabase(dataDir);
  try {
    migratePlatformTables(db);
    const linked = await enrolEdge({ db, dataDir, hubUrl: url.origin, code: values.code });
    log(`Enrolled as clinic box ${linked.edgeId} ("${linked.name}") of ${linked.clinicName}, with the hub at ${linked.hubUrl}.`);
    log('Start the server with OUTPOST_ROLE=edge: staff accounts and records arrive with its first round.');
    return 0;
  } catch (err) {
    log(`Enrolment failed: ${err instanceof Error ? err.message : 'error'}`);
    return 1;
  } finally {
    db.close();
  }
}

if (process.argv[1]?.endsWith('edge-enrol.ts')) {
  runEdgeEnrol(process.argv.slice(2)).then((code) => process.exit(code));
}
