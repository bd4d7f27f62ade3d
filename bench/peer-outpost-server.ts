/**
 * Outpost's server for the peer sync bench (peer-sync.bench.ts), in a
 * process of its own so its CPU time and memory can be read from /proc.
 * It is the platform as `npm run serve` builds it (createApp: the file
 * database, sign-in, the write policy, the audit log with its checkpoints),
 * in a throwaway data directory, with two limits lifted because every bench
 * client signs in as the same demo clinician: the per-user sync connection
 * cap and the HTTP connection cap. Prints "ready <port>"; SIGTERM closes it
 * cleanly (so a `--cpu-prof` profile is written).
 *
 * usage: node --import tsx bench/peer-outpost-server.ts <data dir>
 */
import path from 'node:path';
import { createApp } from '../server/app';
import type { SyncOptions } from '../server/types';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: peer-outpost-server.ts <data dir>');
  process.exit(2);
}
const sync = { maxConnectionsPerUser: 100_000, maxConnections: 100_000 } as SyncOptions;
const app = await createApp({
  dataDir,
  port: 0,
  host: '127.0.0.1',
  demo: true,
  logger: () => {},
  sync,
  httpLimits: { maxConnections: 100_000 },
  auditCheckpoints: { dir: path.join(dataDir, 'checkpoints'), keyFile: path.join(dataDir, 'checkpoint-key.pem') }
});
console.log(`ready ${app.port}`);
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  app.close().then(
    () => process.exit(0),
    () => process.exit(1)
  );
});
