import path from 'node:path';
import { parseAllowedOrigins } from './http/origin-policy';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http/http-limits';
import { storeEngineOf } from './store/document-store';

/**
 * Server settings from the environment. Read once at start-up by main.ts;
 * tests build the options for createApp directly.
 *
 * - PORT (8080), HOST (0.0.0.0: a clinic server must be reachable from the
 *   clinic's LAN; set HOST=127.0.0.1 to keep it on this machine)
 * - OUTPOST_DATA_DIR (./data): the SQLite file lives here
 * - OUTPOST_DEMO ('0' turns the demo clinic off): seeds an empty data dir
 * - OUTPOST_IDLE_LOCK_MINUTES (15): the app locks itself after this idle time
 * - OUTPOST_BREAKGLASS_MINUTES (60): how long emergency access lasts
 * - OUTPOST_SESSION_IDLE_MINUTES (30), OUTPOST_SESSION_MAX_HOURS (12)
 * - OUTPOST_TRUST_PROXY ('1' behind a reverse proxy that appends the client to X-Forwarded-For)
 * - OUTPOST_ALLOWED_ORIGINS (none): comma-separated origins, besides the
 *   one the request was sent to, whose pages may post and open sync sockets
 * - OUTPOST_PUBLIC_URL (none): the origin clients reach the server at
 *   (`https://outpost.clinic.example`) when a proxy sits in front; SMART
 *   client assertions must name its /auth/token as their audience. Without
 *   it the token endpoint is named after the request's Host.
 * - OUTPOST_STATIC_DIR (./build): the built app
 * - OUTPOST_AUDIT_CHECKPOINT_DIR (./audit-checkpoints), OUTPOST_AUDIT_KEY_FILE
 *   (./audit-signing-key.pem), OUTPOST_AUDIT_CHECKPOINT_EVERY (100 entries),
 *   OUTPOST_AUDIT_CHECKPOINT_SECONDS (60): see audit-checkpoints.ts. Both
 *   paths default to beside ./data, never inside the data directory, so
 *   whoever may only touch the database has neither.
 * - OUTPOST_SECRETS_KEY_FILE (./outpost-secrets.key), or OUTPOST_SECRETS_KEY
 *   (32 bytes, base64) instead of a file: the key that seals secrets the
 *   server must read back (authenticator seeds). The file is made on first
 *   start, beside ./data and never inside it, so a copy of the database
 *   alone opens nothing. Lose it and every authenticator must be set up again.
 * - OUTPOST_PUBLIC_URL also names the passkeys' relying party: its host is
 *   the RP ID and its origin the only one accepted; without it passkeys
 *   work on `localhost` only (WebAuthn needs a secure context).
 * - OUTPOST_HEADERS_TIMEOUT_SECONDS (20), OUTPOST_REQUEST_TIMEOUT_SECONDS
 *   (120), OUTPOST_BODY_IDLE_TIMEOUT_SECONDS (15),
 *   OUTPOST_KEEPALIVE_TIMEOUT_SECONDS (5), OUTPOST_MAX_CONNECTIONS (1000):
 *   see http/http-limits.ts
 * - OUTPOST_ROLE (hub): `hub` enrols clinic boxes and replicates with them;
 *   `edge` is a clinic box that replicates its one clinic with the hub it
 *   was enrolled with (`npm run edge:enrol`). OUTPOST_HUB_URL overrides the
 *   hub's address given at enrolment; OUTPOST_REPLICATION_SECONDS (30) is
 *   the time between rounds while the link is up (server/replication/).
 */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** DATABASE_URL: postgres://… puts the documents in PostgreSQL (a hub); unset, SQLite in dataDir. */
  databaseUrl?: string;
  /** REDIS_URL: redis://… lets several processes on one DATABASE_URL fan updates out to each other. */
  redisUrl?: string;
  /** OUTPOST_LOG_COMPACT_DAYS (default 30; 0 turns it off): update-log rows older than this fold into snapshots, provenance kept. */
  logCompactionDays: number;
  demo: boolean;
  idleLockMinutes: number;
  breakGlassMinutes: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  trustProxy: boolean;
  allowedOrigins: string[];
  publicUrl?: string;
  staticDir: string;
  httpLimits: HttpLimits;
  audit: AuditConfig;
  secrets: SecretsKeyConfig;
  replication: { role: 'hub' | 'edge'; hubUrl?: string; intervalMs: number };
}

/** Where the secrets key comes from: the environment's value, else the file (made on first start). */
export interface SecretsKeyConfig {
  keyFile: string;
  key?: Buffer;
}

export function loadSecretsKeyConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): SecretsKeyConfig {
  const keyFile = path.resolve(cwd, env.OUTPOST_SECRETS_KEY_FILE || './outpost-secrets.key');
  const raw = env.OUTPOST_SECRETS_KEY?.trim();
  if (!raw) return { keyFile };
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new Error('OUTPOST_SECRETS_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)');
  return { keyFile, key };
}

/** Where the audit log's signed checkpoints and their key live (shared with the audit and backup CLIs). */
export interface AuditConfig {
  checkpointDir: string;
  keyFile: string;
  checkpointEvery: number;
  checkpointIntervalMs: number;
}

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): AuditConfig {
  return {
    checkpointDir: path.resolve(cwd, env.OUTPOST_AUDIT_CHECKPOINT_DIR || './audit-checkpoints'),
    keyFile: path.resolve(cwd, env.OUTPOST_AUDIT_KEY_FILE || './audit-signing-key.pem'),
    checkpointEvery: Math.round(positiveNumber(env, 'OUTPOST_AUDIT_CHECKPOINT_EVERY', 100, 1_000_000)),
    checkpointIntervalMs: positiveNumber(env, 'OUTPOST_AUDIT_CHECKPOINT_SECONDS', 60, 24 * 3600) * 1000
  };
}

export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return path.resolve(cwd, env.OUTPOST_DATA_DIR || './data');
}

function positiveNumber(env: NodeJS.ProcessEnv, key: string, fallback: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    throw new Error(`${key} must be a number between 0 and ${max} (got "${raw}")`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ServerConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    dataDir: dataDirFromEnv(env, cwd),
    databaseUrl: databaseUrlFrom(env.DATABASE_URL),
    redisUrl: redisUrlFrom(env.REDIS_URL),
    logCompactionDays: logCompactionDaysFrom(env.OUTPOST_LOG_COMPACT_DAYS),
    demo: env.OUTPOST_DEMO !== '0',
    idleLockMinutes: positiveNumber(env, 'OUTPOST_IDLE_LOCK_MINUTES', 15, 24 * 60),
    breakGlassMinutes: positiveNumber(env, 'OUTPOST_BREAKGLASS_MINUTES', 60, 24 * 60),
    sessionIdleMinutes: positiveNumber(env, 'OUTPOST_SESSION_IDLE_MINUTES', 30, 24 * 60),
    sessionMaxHours: positiveNumber(env, 'OUTPOST_SESSION_MAX_HOURS', 12, 24 * 7),
    trustProxy: env.OUTPOST_TRUST_PROXY === '1',
    allowedOrigins: parseAllowedOrigins(env.OUTPOST_ALLOWED_ORIGINS),
    publicUrl: publicUrlFrom(env.OUTPOST_PUBLIC_URL),
    staticDir: path.resolve(cwd, env.OUTPOST_STATIC_DIR || './build'),
    audit: loadAuditConfig(env, cwd),
    secrets: loadSecretsKeyConfig(env, cwd),
    httpLimits: httpLimitsFrom(env),
    replication: replicationFrom(env)
  };
}

/** DATABASE_URL: unset or empty for SQLite; otherwise a postgres:// URL (anything else is refused at start). */
function logCompactionDaysFrom(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 30;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || (n !== 0 && n < 1) || n > 3650) throw new Error(`OUTPOST_LOG_COMPACT_DAYS must be a whole number of days from 1 to 3650, or 0 to turn compaction off (got "${raw}")`);
  return n;
}

function databaseUrlFrom(raw: string | undefined): string | undefined {
  const url = raw?.trim();
  if (!url) return undefined;
  storeEngineOf(url);
  return url;
}

/** REDIS_URL: unset or empty for none; otherwise redis:// or rediss://. */
function redisUrlFrom(raw: string | undefined): string | undefined {
  const url = raw?.trim();
  if (!url) return undefined;
  if (!/^rediss?:\/\//i.test(url)) throw new Error('REDIS_URL must be a redis:// or rediss:// URL');
  return url;
}

function replicationFrom(env: NodeJS.ProcessEnv): ServerConfig['replication'] {
  const role = env.OUTPOST_ROLE?.trim() || 'hub';
  if (role !== 'hub' && role !== 'edge') throw new Error(`OUTPOST_ROLE must be hub or edge (got "${role}")`);
  const rawHub = env.OUTPOST_HUB_URL?.trim();
  let hubUrl: string | undefined;
  if (rawHub) {
    try {
      hubUrl = new URL(rawHub).origin;
    } catch {
      throw new Error(`OUTPOST_HUB_URL: "${rawHub}" is not an address (e.g. https://hub.district.example)`);
    }
  }
  return { role, hubUrl, intervalMs: positiveNumber(env, 'OUTPOST_REPLICATION_SECONDS', 30, 24 * 3600) * 1000 };
}

/** OUTPOST_PUBLIC_URL: one plain http(s) origin, or none. */
function publicUrlFrom(raw: string | undefined): string | undefined {
  if (!raw?.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`OUTPOST_PUBLIC_URL: "${raw}" is not an origin (e.g. https://outpost.clinic.example)`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new Error(`OUTPOST_PUBLIC_URL: "${raw}" is not an origin (scheme://host[:port], no path)`);
  }
  return url.origin;
}

function httpLimitsFrom(env: NodeJS.ProcessEnv): HttpLimits {
  const d = DEFAULT_HTTP_LIMITS;
  const seconds = (key: string, fallbackMs: number) => positiveNumber(env, key, fallbackMs / 1000, 3600) * 1000;
  return {
    headersTimeoutMs: seconds('OUTPOST_HEADERS_TIMEOUT_SECONDS', d.headersTimeoutMs),
    requestTimeoutMs: seconds('OUTPOST_REQUEST_TIMEOUT_SECONDS', d.requestTimeoutMs),
    bodyIdleTimeoutMs: seconds('OUTPOST_BODY_IDLE_TIMEOUT_SECONDS', d.bodyIdleTimeoutMs),
    keepAliveTimeoutMs: seconds('OUTPOST_KEEPALIVE_TIMEOUT_SECONDS', d.keepAliveTimeoutMs),
    maxConnections: Math.floor(positiveNumber(env, 'OUTPOST_MAX_CONNECTIONS', d.maxConnections, 1_000_000))
  };
}
