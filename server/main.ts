import { createApp, hasDemoClinic } from './app';
import { loadConfig } from './config';
import { describeError } from './http/logger';
import { demoBanner, lanUrls } from './seed/demo-banner';
import { listClinics } from './store/users';

/**
 * `npm start` / `npm run serve`: starts the clinic server from environment
 * settings (see config.ts), prints where to reach it and, for the demo
 * clinic, which accounts to sign in with, and shuts down cleanly on
 * SIGINT/SIGTERM so no acknowledged write is cut off.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    logCompactionDays: config.logCompactionDays || undefined,
    port: config.port,
    host: config.host,
    demo: config.demo,
    idleLockMinutes: config.idleLockMinutes,
    breakGlassMinutes: config.breakGlassMinutes,
    staticDir: config.staticDir,
    trustProxy: config.trustProxy,
    auditCheckpoints: {
      dir: config.audit.checkpointDir,
      keyFile: config.audit.keyFile,
      everyEntries: config.audit.checkpointEvery,
      intervalMs: config.audit.checkpointIntervalMs
    },
    allowedOrigins: config.allowedOrigins,
    secrets: config.secrets,
    smart: { publicUrl: config.publicUrl },
    httpLimits: config.httpLimits,
    replication: config.replication,
    sessionLimits: {
      idleMs: config.sessionIdleMinutes * 60_000,
      absoluteMs: config.sessionMaxHours * 3_600_000
    }
  });

  if (app.seeded) {
    console.log(`Seeded "${app.seeded.clinic.name}" with ${app.seeded.patients} patients in ${app.seeded.ms} ms.`);
  }
  const created = app.auditCheckpoints.createdKeyFile;
  if (created) {
    console.log(`Generated a new audit signing key (${app.auditCheckpoints.keyId}) at ${created.keyFile}.`);
    console.log('  It signs the audit checkpoints; keep it readable by the server account only and outside the data directory');
    console.log(`  (OUTPOST_AUDIT_KEY_FILE). Copy ${created.publicKeyFile} off this machine to verify checkpoints elsewhere.`);
  }
  console.log(`Outpost is running at ${app.url}  (data: ${config.dataDir}${config.databaseUrl ? '; documents in PostgreSQL' : ''})`);
  console.log(`  audit checkpoints: ${app.auditCheckpoints.file} (key ${app.auditCheckpoints.keyId})`);
  for (const url of lanUrls(config.host, app.port)) console.log(`  on the clinic network: ${url}`);
  if (config.demo && hasDemoClinic(app.db)) console.log(demoBanner());
  if (config.replication.role === 'edge') {
    const edge = app.replication.edge();
    console.log(edge ? `  clinic box ${edge.edgeId}: replicating with its hub every ${config.replication.intervalMs / 1000} s` : '  clinic box not enrolled yet: npm run edge:enrol -- --hub https://… --code …');
  }
  if (listClinics(app.db).length === 0) {
    console.log('No clinic yet. Create one and its first user with:');
    console.log('  npm run admin -- create-clinic --name "Your Clinic"');
    console.log('  npm run admin -- create-user --clinic "Your Clinic" --username … --name "…" --roles admin');
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down…`);
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`shutdown failed: ${describeError(err)}`);
        process.exit(1);
      }
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`Outpost could not start: ${describeError(err)}`);
  process.exit(1);
});
