import { sendPortalError } from './portal/portal-errors';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type * as Y from 'yjs';
import { readPatient } from '../src/lib/chart/patient-doc';
import { parseDocName } from '../src/lib/domain/doc-names';
import { openAuditCheckpoints, withCheckpoints, type AuditCheckpointOptions, type AuditCheckpoints } from './audit/audit-checkpoints';
import { createAuditLog } from './audit/audit-log';
import { createOfflineEventIntake, migrateOfflineEventTables } from './audit/offline-events';
import { auditRoutes } from './http/routes/audit-routes';
import { createUnauthenticatedSummary } from './audit/unauthenticated-summary';
import { createAuthService, type AuthService } from './auth/auth-service';
import type { LoginLimits } from './auth/rate-limit';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from './auth/sessions';
import { clientIp, type Route } from './http/context';
import { applyServerLimits, clientErrorResponse, DEFAULT_HTTP_LIMITS, serverOptions, type HttpLimits } from './http/http-limits';
import { createRequestHandler } from './http/request-handler';
import { liveKitConnectSources } from './http/security-headers';
import { createUpgradeHandler } from './http/upgrade-handler';
import { describeError, toLogger, type LogFn, type Logger } from './http/logger';
import { createFhirStore } from './fhir/fhir-store';
import { createFhirImporter } from './fhir/import-bundle';
import { sendOperationOutcome } from './fhir/operation-outcome';
import { authRoutes, publicUser } from './http/routes/auth-routes';
import { deviceRoutes } from './devices/device-routes';
import { adminClinicRoutes } from './admin/admin-clinic-routes';
import { adminUserRoutes } from './admin/admin-user-routes';
import { createClinicSettingsStore, type ClinicSettingsStore } from './admin/clinic-settings';
import { adminSecurityRoutes } from './admin/admin-security-routes';
import { adminClinicsRoutes } from './admin/admin-clinics-routes';
import { devicePanelOf } from './admin/device-panel-store';
import { DEFAULT_GUEST_LINK_MINUTES, DEFAULT_PATIENT_LINK_MINUTES } from './telehealth/join-links';
import { cdsRoutes } from './http/routes/cds-routes';
import { migratePharmacyTables, pharmacyRoutes } from './pharmacy/pharmacy-routes';
import { birthDateFromSync } from './telehealth/patient-birth-date';
import { telehealthConfigFromEnv, type TelehealthConfig } from './telehealth/telehealth-config';
import { telehealthRoutes } from './telehealth/telehealth-routes';
import { createLinkSealer, loadOrCreateLinkKey } from './telehealth/link-seal';
import { messageProviderFromEnv } from './messaging/messaging-config';
import type { MessageProvider } from './messaging/message-provider';
import { attachmentRoutes } from './attachments/attachment-routes';
import { createAttachmentStore, migrateAttachmentTables } from './attachments/attachment-store';
import { migrateTelehealthTables } from './telehealth/telehealth-tables';
import { fhirRoutes } from './http/routes/fhir-routes';
import { createTransferStore } from './transfer/transfer-store';
import { createHealthLinks, type HealthLinkOptions } from './transfer/health-links';
import { transferRoutes } from './transfer/transfer-routes';
import { fhirReadRoutes } from './http/routes/fhir-read-routes';
import { measureRoutes } from './http/routes/measure-routes';
import { createMeasureService } from './measures/measure-service';
import { createAccessGate } from './access/access-gate';
import { accessRoutes } from './access/access-routes';
import { AccessStore } from './access/access-store';
import { createResourceIndex } from './fhir/export/resource-index';
import { createApiClientStore, type ApiClientStore } from './smart/api-clients';
import { createSmartService, type SmartOptions } from './smart/smart-routes';
import { createBulkExporter, DEFAULT_BULK_EXPORT, type BulkExportOptions } from './fhir/export/bulk-export';
import { fhirBulkRoutes } from './http/routes/fhir-bulk-routes';
import { healthRoutes } from './http/routes/health-routes';
import { patientRoutes } from './http/routes/patient-routes';
import { syncRoutes } from './http/routes/sync-routes';
import { createStaticSite } from './http/static-files';
import { seedDemoIfEmpty, type SeedResult } from './seed/demo-seed';
import { scheduleBookCarrier, splitScheduleBooks } from './sync/schedule-split';
import { migrateSyncTables } from './store/doc-store';
import { scheduleLogCompaction } from './store/log-compaction';
import { migratePlatformTables, openDatabase } from './store/db';
import type { SecretsKeyConfig } from './config';
import { createSecretSealer, loadOrCreateKeyFile, type SecretSealer } from './crypto/sealed-secret';
import { sealStoredTotpSecrets } from './auth/totp-at-rest';
import { webAuthnConfigFrom, type WebAuthnConfig } from './auth/passkey-config';
import { createPasskeyService } from './auth/passkey-service';
import { passkeyRoutes } from './http/routes/passkey-routes';
import { backfillPatientList, createPatientProjection, type PatientProjection } from './store/patients';
import { findClinic, listClinics } from './store/users';
import { createSyncService } from './sync/sync-service';
import { SqliteDocumentStore, storeEngineOf } from './store/document-store';
import { createDocumentDirectory } from './store/document-directory';
import { createRedisFanOut, type FanOut } from './sync/fan-out';
import { PgDocumentStore } from './store/pg-doc-store';
import { createClinicRecordReader } from './reporting/clinic-records';
import { createDhis2Settings, migrateDhis2Tables } from './reporting/dhis2-settings';
import { reportingRoutes } from './reporting/reporting-routes';
import type { Audit, SyncOptions, SyncService } from './types';
import { guardPatientSessions, PATIENT_SESSION_ROUTES } from './portal/patient-gate';
import { createPortalStore } from './portal/portal-store';
import { PORTAL_PATIENT_ROUTES, portalRoutes } from './portal/portal-routes';
import { READINGS_PATIENT_ROUTES, readingsRoutes } from './portal/readings-routes';
import { INTAKE_PATIENT_ROUTES, intakeRoutes } from './portal/intake-routes';
import { questionnaireRoutes } from './fhir/export/questionnaire-routes';
import { MESSAGES_PATIENT_ROUTES, messageRoutes } from './portal/messages-routes';
import { hubRoutes } from './replication/replication-hub';
import { EdgeReplicator, edgeRoutes } from './replication/replication-edge';
import { KEY_FILE, loadOrCreateKeys } from './replication/replication-crypto';
import { BOOKING_PATIENT_ROUTES, bookingRoutes } from './portal/booking-routes';
import { PortalWriteLimiter, type PortalWriteFamily, type PortalWriteLimit } from './portal/write-limiter';
import { createBookingStore } from './portal/booking-store';
import { createPatientJoinIssuer } from './telehealth/patient-join';

export interface AppOptions {
  dataDir: string;
  /**
   * DATABASE_URL: a postgres:// URL keeps the documents (update log,
   * snapshots, their audit entries) in PostgreSQL, for a hub; unset, they
   * stay in the embedded SQLite file like everything else.
   */
  databaseUrl?: string;
  /**
   * REDIS_URL (with DATABASE_URL only): several server processes on the same
   * PostgreSQL database tell each other of every commit through Redis
   * pub/sub, so editors on different processes see each other live.
   */
  redisUrl?: string;
  /**
   * OUTPOST_LOG_COMPACT_DAYS: update-log rows older than this many days are
   * folded into snapshots (keeping per-hour provenance) shortly after start
   * and daily (store/log-compaction.ts). Unset: no scheduled compaction.
   */
  logCompactionDays?: number;
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  /** Seed the demo clinic into an empty data directory, and tell the app it is a demo. */
  demo: boolean;
  idleLockMinutes?: number;
  /** The built app (default ./build). */
  staticDir?: string;
  /** Where request and error lines go (default: console). */
  logger?: Logger | LogFn;
  sessionLimits?: SessionLimits;
  loginLimits?: LoginLimits;
  /** Limits on second-factor code attempts (default DEFAULT_CODE_LIMITS); tests shorten them. */
  codeLimits?: LoginLimits;
  /** The clock second-factor codes are checked against (tests step it through TOTP time steps). */
  authClock?: () => number;
  /** Limits on new patient-portal writes per account (default PORTAL_WRITE_LIMITS); tests lower them. */
  portalWriteLimits?: Partial<Record<PortalWriteFamily, PortalWriteLimit>>;
  trustProxy?: boolean;
  /** Origins besides the server's own whose pages may post and open sync sockets (OUTPOST_ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  sync?: SyncOptions;
  /** How long emergency (break-glass) access lasts, in minutes (OUTPOST_BREAKGLASS_MINUTES, default 60). */
  breakGlassMinutes?: number;
  /** The clock of emergency access grants (tests move it). */
  accessClock?: () => number;
  /** LiveKit settings for video visits (default: from LIVEKIT_* in the environment). */
  telehealth?: TelehealthConfig;
  /** Sends join links by SMS or e-mail; default from OUTPOST_MESSAGE_PROVIDER (messaging-config.ts). */
  messages?: MessageProvider;
  /**
   * Where the audit log's signed checkpoints and their key live. main.ts
   * passes the configured places outside the data directory; embedders that
   * do not say (tests, benches) get both inside the data directory, so they
   * come and go with it.
   */
  auditCheckpoints?: AuditCheckpointOptions;
  /** Window of the summary of unauthenticated API requests (default a minute). */
  unauthenticatedWindowMs?: number;
  /** Timeouts and the connection cap (default DEFAULT_HTTP_LIMITS); tests shorten them. */
  httpLimits?: Partial<HttpLimits>;
  /** SMART Backend Services: token lifetime, public URL, clock and limits of the token endpoint (smart/smart-routes.ts). */
  smart?: SmartOptions;
  /** Printed transfers' health links: lifetime and clock (transfer/health-links.ts). */
  healthLinks?: HealthLinkOptions;
  /** Bulk $export limits (files per N resources, retention, jobs per clinic); tests shorten them. Files go under <dataDir>/fhir-export. */
  bulkExport?: Partial<Omit<BulkExportOptions, 'dir'>>;
  /**
   * The key that seals authenticator secrets (config.ts: OUTPOST_SECRETS_KEY
   * or its file). main.ts passes the configured file outside the data
   * directory; embedders that do not say get one inside it.
   */
  secrets?: SecretsKeyConfig;
  /** Passkeys' relying party (RP ID and accepted origins); default from `smart.publicUrl`, else localhost (auth/passkey-config.ts). */
  webauthn?: WebAuthnConfig;
  /**
   * Clinic boxes (server/replication/, OUTPOST_ROLE): a `hub` (the default)
   * enrols boxes and replicates with them; an `edge` replicates its one
   * clinic with the hub it was enrolled with, every `intervalMs` while
   * `start` (default true) says so.
   */
  replication?: {
    role: 'hub' | 'edge';
    hubUrl?: string;
    intervalMs?: number;
    maxBackoffMs?: number;
    start?: boolean;
    /** Documents per exchange, and bytes per answer or push (tests make them small to cut rounds into many batches). */
    batchDocs?: number;
    maxBatchBytes?: number;
    fetchImpl?: typeof fetch;
  };
}

/** The server's part in replication: its role, and on an edge the replicator once the box is enrolled. */
export interface ReplicationHandle {
  role: 'hub' | 'edge';
  /** The box's replicator (null on a hub, or on a box not enrolled yet); opened on first ask after enrolment. */
  edge(): EdgeReplicator | null;
}

export interface App {
  /** Base URL to reach the server from this machine. */
  url: string;
  port: number;
  db: Database.Database;
  sync: SyncService;
  audit: Audit;
  /** Signed checkpoints of the audit log, outside the database. */
  auditCheckpoints: AuditCheckpoints;
  auth: AuthService;
  patients: PatientProjection;
  /** Registered API clients (SMART Backend Services). */
  apiClients: ApiClientStore;
  /** Per-clinic settings set from the admin console, the environment's values as defaults. */
  clinicSettings: ClinicSettingsStore;
  /** What the demo seed wrote at this start; null when the data directory already had a clinic. */
  seeded: SeedResult | null;
  /** False when the app has not been built (the server answers / with a 503 page saying so). */
  staticAvailable: boolean;
  /** Every JSON route, for tests that sweep them all (e.g. every API refuses an ended session). */
  routes: readonly Route[];
  replication: ReplicationHandle;
  close(): Promise<void>;
}

const VERSION = readVersion();

/**
 * Starts the whole server in one process: SQLite store, audit log, auth,
 * sync service, JSON API, websocket sync and the static app, on one port.
 * Tests call it with port 0 and a temporary data directory.
 */
export async function createApp(opts: AppOptions): Promise<App> {
  const logger = toLogger(opts.logger);
  const db = openDatabase(opts.dataDir);
  try {
    migratePlatformTables(db);
    migrateSyncTables(db);
    migrateTelehealthTables(db);
    migrateAttachmentTables(db);
    migratePharmacyTables(db);
    migrateOfflineEventTables(db);
    migrateDhis2Tables(db);
  } catch (err) {
    db.close();
    throw err;
  }

  let sealer: SecretSealer;
  try {
    const secrets = opts.secrets ?? { keyFile: path.join(opts.dataDir, 'secrets.key') };
    if (!secrets.key && !fs.existsSync(secrets.keyFile)) logger.warn(`Generating a new secrets key at ${secrets.keyFile}: keep a copy with the audit key, outside the data directory.`);
    sealer = createSecretSealer(
      secrets.key ?? loadOrCreateKeyFile(secrets.keyFile, 'secrets key', 'restore the right file, or set OUTPOST_SECRETS_KEY.')
    );
    const { sealed } = sealStoredTotpSecrets(db, sealer);
    if (sealed > 0) logger.warn(`second factor: sealed ${sealed} authenticator secret(s) stored in the clear by an earlier version`);
  } catch (err) {
    db.close();
    throw err;
  }

  let checkpoints: AuditCheckpoints;
  try {
    checkpoints = openAuditCheckpoints(
      db,
      opts.auditCheckpoints ?? { dir: path.join(opts.dataDir, 'audit-checkpoints'), keyFile: path.join(opts.dataDir, 'audit-signing-key.pem') },
      logger
    );
  } catch (err) {
    db.close();
    throw err;
  }
  const audit = withCheckpoints(createAuditLog(db), checkpoints);
  const unauthenticated = createUnauthenticatedSummary(audit, { windowMs: opts.unauthenticatedWindowMs });
  const auth = createAuthService(db, audit, {
    sessionLimits: opts.sessionLimits ?? DEFAULT_SESSION_LIMITS,
    loginLimits: opts.loginLimits,
    codeLimits: opts.codeLimits,
    now: opts.authClock,
    sealer
  });
  auth.sessions.prune();
  const patients = createPatientProjection(db);

  // An old appointment book written to after its split (a device held it offline): the server carries the edit into the months.
  const bookCarrier = scheduleBookCarrier(
    () => sync,
    (err) => logger.error(`appointment book: carrying into months failed: ${describeError(err)}`)
  );

  /** Keeps the patient list in step with every accepted change to a `patient:` document; carries late edits of an old appointment book. */
  function onDocChanged(name: string, clinicId: string, doc: Y.Doc): void {
    bookCarrier.changed(name, clinicId, doc);
    // Called for every stored write: the other kinds of document are told apart by their prefix alone.
    if (!name.startsWith('patient:')) return;
    const parsed = parseDocName(name);
    if (parsed?.kind !== 'patient') return;
    try {
      const record = readPatient(doc);
      // The row is keyed by the document's name, never by an id written inside it.
      if (record) patients.upsert(clinicId, { ...record, id: parsed.patientId });
    } catch (err) {
      logger.error(`patient list refresh failed for ${name}: ${describeError(err)}`);
    }
  }

  const accessStore = new AccessStore(db, opts.accessClock);
  const accessGate = createAccessGate(accessStore, opts.accessClock);
  let docStore: PgDocumentStore | null = null;
  let fanOut: FanOut | null = null;
  if (opts.redisUrl && storeEngineOf(opts.databaseUrl) !== 'postgres') {
    unauthenticated.close();
    checkpoints.close();
    db.close();
    throw new Error('REDIS_URL needs DATABASE_URL: processes share documents through PostgreSQL, not one SQLite file each');
  }
  if (storeEngineOf(opts.databaseUrl) === 'postgres') {
    try {
      // The platform's readers find the documents through SQLite's directory of them (document-directory.ts).
      const directory = createDocumentDirectory(db);
      docStore = await PgDocumentStore.open(opts.databaseUrl!, { onCreated: (docs) => directory.add(docs) });
      const added = await directory.catchUp(docStore);
      if (added > 0) logger.warn(`document directory: added ${added} document(s) stored in PostgreSQL`);
      if (opts.redisUrl) fanOut = await createRedisFanOut(opts.redisUrl);
    } catch (err) {
      await docStore?.close();
      unauthenticated.close();
      checkpoints.close();
      db.close();
      throw err;
    }
  }
  const sync = createSyncService(
    {
      db,
      store: docStore ?? undefined,
      fanOut: fanOut ?? undefined,
      access: accessGate,
      authenticate: (req) => auth.authenticate(req),
      audit,
      onDocChanged,
      endedSessions: (ids) => auth.endedSessions(ids),
      clientIp: (req) => clientIp(req, opts.trustProxy ?? false)
    },
    opts.sync
  );
  // A sign-out here closes that session's sockets at once; ends from elsewhere (admin CLI, expiry) within sessionCheckMs.
  auth.onSessionEnded((sessionId, reason) => sync.endSession(sessionId, reason));

  const fhirStore = createFhirStore(db);
  const fhirImporter = createFhirImporter({ sync, store: fhirStore, patients });
  const transferStore = createTransferStore(db);
  const healthLinks = createHealthLinks(db, audit, opts.healthLinks);
  const bulkExporter = createBulkExporter(
    {
      db,
      sync,
      access: accessGate,
      clinicName: (id) => findClinic(db, id)?.name ?? null,
      onFinished: (job, outcome) => {
        const perType: Record<string, number> = {};
        for (const f of job.files) perType[f.type] = (perType[f.type] ?? 0) + f.count;
        audit.record({ action: 'fhir.export', outcome: outcome === 'done' ? 'success' : 'failure', userId: job.userId, target: `export:${job.id}`, detail: { interaction: 'complete', ...(job.clientId ? { clientId: job.clientId } : {}), patients: job.patientsDone, counts: perType, ...(job.errors ? { patientsFailed: job.errors.count } : {}) } });
      }
    },
    { ...DEFAULT_BULK_EXPORT, ...opts.bulkExport, dir: path.join(opts.dataDir, 'fhir-export') }
  );

  let seeded: SeedResult | null = null;
  try {
    const backfilled = await backfillPatientList(db, sync, patients);
    if (backfilled > 0) logger.warn(`patient list: rebuilt ${backfilled} missing row(s) from stored documents`);
    if (opts.demo) seeded = await seedDemoIfEmpty({ db, sync, audit, patients, importer: fhirImporter });
    // Appointment books written before months are split once (the demo's too); later starts find nothing to do.
    const split = await splitScheduleBooks(db, sync);
    if (split.books > 0) logger.warn(`appointment book: split ${split.books} book(s) into months (${split.moved} appointment(s))`);
  } catch (err) {
    await sync.close();
    await fanOut?.close();
    await docStore?.close();
    unauthenticated.close();
    checkpoints.close();
    db.close();
    throw err;
  }

  try {
    // The seed and the patient-list rebuild may have written many entries: pin them now, not in a minute.
    checkpoints.checkpointNow();
  } catch (err) {
    logger.error(`AUDIT: could not write an audit checkpoint: ${describeError(err)}`);
  }

  const site = createStaticSite(opts.staticDir ?? path.resolve('build'));
  if (!site.available) logger.warn('The web app is not built: run `npm run build` (the server answers / with a 503 until then).');

  const countClinics = db.prepare('SELECT count(*) AS n, max(demo) AS demo, min(name) AS name FROM clinics');
  const clinicFacts = () => countClinics.get() as { n: number; demo: number | null; name: string | null };

  const telehealth = opts.telehealth ?? telehealthConfigFromEnv();
  const httpLimits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...opts.httpLimits };

  const allowedOrigins = opts.allowedOrigins ?? [];
  const apiClients = createApiClientStore(db);
  const clinicSettings = createClinicSettingsStore(db, {
    idleLockMinutes: opts.idleLockMinutes ?? 15,
    patientLinkMinutes: DEFAULT_PATIENT_LINK_MINUTES,
    guestLinkMinutes: DEFAULT_GUEST_LINK_MINUTES
  });
  /** The clinic's settings the app applies while one of its users is signed in. */
  const userClinicSettings = (clinicId: string) => ({ idleLockMinutes: clinicSettings.effective(clinicId).idleLockMinutes, devicePanel: devicePanelOf(db, clinicId) });
  const singleClinicId = () => {
    const f = clinicFacts();
    return f.n === 1 ? (db.prepare('SELECT id FROM clinics').get() as { id: string }).id : null;
  };
  const smart = createSmartService({ clients: apiClients, audit }, opts.smart);
  const clinicOfPatientStmt = db.prepare<[string, string], { clinicId: string }>('SELECT clinic_id AS clinicId FROM documents WHERE name IN (?, ?) LIMIT 1');
  const webauthn = opts.webauthn ?? webAuthnConfigFrom(opts.smart?.publicUrl);
  const role = opts.replication?.role ?? 'hub';
  const endSessionsOf = (userId: string, reason: 'revoked' | 'disabled') => {
    const open = auth.sessions.openSessionsOf(userId);
    auth.sessions.revokeAllForUser(userId, reason);
    auth.notifyEnded(open, reason);
  };
  let replicator: EdgeReplicator | null = null;
  const edgeReplicator = (): EdgeReplicator | null => {
    if (role !== 'edge') return null;
    if (!replicator) {
      replicator = EdgeReplicator.open({
        db,
        sync,
        audit,
        dataDir: opts.dataDir,
        sealer,
        endSessionsOf: (id) => endSessionsOf(id, 'disabled'),
        hubUrl: opts.replication?.hubUrl,
        intervalMs: opts.replication?.intervalMs,
        maxBackoffMs: opts.replication?.maxBackoffMs,
        batchDocs: opts.replication?.batchDocs,
        maxBatchBytes: opts.replication?.maxBatchBytes,
        fetchImpl: opts.replication?.fetchImpl
      });
      if (replicator && opts.replication?.start !== false) replicator.start();
    }
    return replicator;
  };
  const replicationRoutes =
    role === 'hub'
      ? hubRoutes({ db, sync, audit, keys: loadOrCreateKeys(path.join(opts.dataDir, KEY_FILE)), sealer, maxBatchBytes: opts.replication?.maxBatchBytes })
      : edgeRoutes({ replicator: edgeReplicator, audit });
  const passkeys = createPasskeyService({ db, audit, auth, config: () => webauthn, now: opts.authClock });
  const portalWrites = new PortalWriteLimiter({ audit, limits: opts.portalWriteLimits });
  const allRoutes: Route[] = [
    ...healthRoutes({
      demo: () => opts.demo && clinicFacts().demo === 1,
      clinicName: () => {
        const f = clinicFacts();
        return f.n === 1 ? f.name : null;
      },
      // Before sign-in the app knows no clinic; a server with one clinic answers with that clinic's setting.
      idleLockMinutes: () => {
        const id = singleClinicId();
        return id ? clinicSettings.effective(id).idleLockMinutes : (opts.idleLockMinutes ?? 15);
      },
      videoConfigured: telehealth.configured,
      version: VERSION
    }),
    ...deviceRoutes({ db, devices: auth.devices, audit, auth, notifyEnded: (ids) => auth.notifyEnded(ids, 'device-lost') }),
    ...authRoutes(auth, userClinicSettings),
    ...passkeyRoutes(passkeys, (u) => ({ ...publicUser(u), clinicSettings: userClinicSettings(u.clinicId) })),
    ...adminUserRoutes({ db, audit, sessions: auth.sessions, endSession: (id, reason) => sync.endSession(id, reason) }),
    ...adminClinicRoutes({ db, audit, settings: clinicSettings, apiClients, transfers: transferStore }),
    ...adminSecurityRoutes({ db, audit, devices: auth.devices, notifyEnded: (ids) => auth.notifyEnded(ids, 'device-lost') }),
    ...adminClinicsRoutes({ db, audit }),
    ...accessRoutes({
      db,
      store: accessStore,
      audit,
      grantMinutes: opts.breakGlassMinutes ?? 60,
      clinicOfPatient: (patientId) => clinicOfPatientStmt.get(`patient:${patientId}`, `chart:${patientId}`)?.clinicId ?? null,
      revokeRestricted: (patientId) => sync.revokeRestricted(patientId)
    }),
    ...patientRoutes(patients, audit),
    ...syncRoutes(sync, audit),
    ...fhirRoutes(fhirImporter, audit, (key) => transferStore.verifyKey(key)),
    ...smart.routes,
    // Before the read routes: `/fhir/R4/$export-status/<job>` would otherwise read as `<type>/<id>`.
    ...fhirBulkRoutes({ exporter: bulkExporter, audit, bearer: smart.bearer }),
    // Before the read routes: `/fhir/R4/Measure` would otherwise read as a search of an unknown type.
    ...measureRoutes({ measures: createMeasureService({ sync, db, patients }), audit, bearer: smart.bearer, access: accessGate }),
    ...fhirReadRoutes({
      sync,
      store: fhirStore,
      index: createResourceIndex(db),
      audit,
      version: VERSION,
      clinicName: (id) => findClinic(db, id)?.name ?? null,
      access: accessGate,
      bearer: smart.bearer,
      tokenEndpoint: smart.tokenEndpoint
    }),
    ...cdsRoutes(audit, undefined, smart.bearer),
    ...pharmacyRoutes(db, audit, sync),
    ...telehealthRoutes({
      db,
      audit,
      config: telehealth,
      birthDateOf: birthDateFromSync(sync),
      patientInClinic: (clinicId, patientId) => patients.has(clinicId, patientId),
      linkSealer: createLinkSealer(loadOrCreateLinkKey(path.join(opts.dataDir, 'join-link-key'))),
      messages: opts.messages ?? messageProviderFromEnv(process.env, logger),
      publicUrl: process.env.OUTPOST_PUBLIC_URL || undefined,
      linkMinutes: (clinicId, scope) => {
        const s = clinicSettings.effective(clinicId);
        return scope === 'patient' ? s.patientLinkMinutes : s.guestLinkMinutes;
      }
    }),
    ...attachmentRoutes(createAttachmentStore(db), audit, sync),
    ...auditRoutes({ db, audit, intake: createOfflineEventIntake({ db, audit, patientInClinic: (clinicId, patientId) => patients.has(clinicId, patientId) }) }),
    ...healthLinks.routes,
    ...reportingRoutes({
      audit,
      settings: createDhis2Settings(db, createLinkSealer(loadOrCreateLinkKey(path.join(opts.dataDir, 'reporting-secret-key')))),
      readRecords: createClinicRecordReader(db, sync)
    }),
    ...transferRoutes({ sync, access: accessGate, store: transferStore, links: healthLinks, publicUrl: opts.smart?.publicUrl, fhirStore, importer: fhirImporter, patients, audit, clinicName: (id) => findClinic(db, id)?.name ?? null }),
    ...bookingRoutes({ audit, store: createBookingStore(db), portal: createPortalStore(db), sync, limiter: portalWrites, join: telehealth.configured ? createPatientJoinIssuer({ db, audit, linkSealer: createLinkSealer(loadOrCreateLinkKey(path.join(opts.dataDir, 'join-link-key'))) }) : null }),
    ...portalRoutes({
      db,
      store: createPortalStore(db),
      audit,
      sync,
      patientInClinic: (clinicId, patientId) => patients.has(clinicId, patientId),
      birthDateOf: birthDateFromSync(sync),
      clinicName: (id) => findClinic(db, id)?.name ?? null,
      endSessionsOf: (userId) => endSessionsOf(userId, 'revoked')
    }),
    ...readingsRoutes({ db, store: createPortalStore(db), audit, sync, limiter: portalWrites }),
    ...intakeRoutes({ db, store: createPortalStore(db), audit, sync, limiter: portalWrites }),
    ...questionnaireRoutes(),
    ...messageRoutes({ store: createPortalStore(db), attachments: createAttachmentStore(db), audit, sync, limiter: portalWrites }),
    ...replicationRoutes
  ];
  // Patient accounts: every route not listed answers 403 before its handler (portal/patient-gate.ts).
  const routes = guardPatientSessions(allRoutes, [...PATIENT_SESSION_ROUTES, ...PORTAL_PATIENT_ROUTES, ...READINGS_PATIENT_ROUTES, ...INTAKE_PATIENT_ROUTES, ...MESSAGES_PATIENT_ROUTES, ...BOOKING_PATIENT_ROUTES], audit);
  const handler = createRequestHandler({
    routes,
    errorShapes: [
      { prefix: '/fhir', send: sendOperationOutcome },
      { prefix: '/api/portal', send: sendPortalError }
    ],
    site,
    authenticate: (req) => auth.authenticate(req),
    logger,
    trustProxy: opts.trustProxy ?? false,
    onSignInRequired: (ip, route) => unauthenticated.note(ip, route),
    allowedOrigins,
    // The browser connects to LiveKit itself (another origin): without it in connect-src no call connects.
    connectSources: telehealth.configured ? liveKitConnectSources(telehealth.url) : [],
    bodyIdleTimeoutMs: httpLimits.bodyIdleTimeoutMs
  });

  const server = http.createServer(serverOptions(httpLimits), handler);
  applyServerLimits(server, httpLimits);
  server.on('upgrade', createUpgradeHandler({ sync, audit, allowedOrigins, trustProxy: opts.trustProxy ?? false }));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(clientErrorResponse(err));
    else socket.destroy(err);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await sync.close();
    await fanOut?.close();
    await docStore?.close();
    unauthenticated.close();
    checkpoints.close();
    db.close();
    throw err;
  }

  const port = (server.address() as AddressInfo).port;
  const reachableHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const url = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${port}`;

  const compaction = opts.logCompactionDays
    ? scheduleLogCompaction(docStore ?? new SqliteDocumentStore(db, audit), opts.logCompactionDays, logger)
    : null;

  let closing: Promise<void> | null = null;
  edgeReplicator();
  async function close(): Promise<void> {
    replicator?.stop();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await compaction?.stop();
    await bulkExporter.close();
    await bookCarrier.idle();
    await sync.close();
    await fanOut?.close();
    await docStore?.close();
    server.closeAllConnections();
    await stopped;
    // Last entries first, then the checkpoint that covers them.
    unauthenticated.close();
    checkpoints.close();
    db.close();
  }

  return {
    url,
    port,
    db,
    sync,
    audit,
    auditCheckpoints: checkpoints,
    auth,
    patients,
    apiClients,
    clinicSettings,
    seeded,
    staticAvailable: site.available,
    routes,
    replication: { role, edge: edgeReplicator },
    close: () => (closing ??= close())
  };
}

/** True when the data directory holds the demo clinic (main then prints its accounts). */
export function hasDemoClinic(db: Database.Database): boolean {
  return listClinics(db).some((c) => c.demo);
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
