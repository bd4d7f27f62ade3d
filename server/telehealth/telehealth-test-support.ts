import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { createAuditLog } from '../audit/audit-log';
import { createAuthService } from '../auth/auth-service';
import { hashPassword } from '../auth/password';
import { createRequestHandler } from '../http/request-handler';
import { authRoutes } from '../http/routes/auth-routes';
import { silentLogger } from '../http/logger';
import { createStaticSite } from '../http/static-files';
import { migratePlatformTables, openDatabase } from '../store/db';
import { createClinic, createUser } from '../store/users';
import type { Role } from '../../src/lib/domain/roles';
import type { Audit, SessionUser } from '../types';
import type { TelehealthConfig } from './telehealth-config';
import { telehealthRoutes, type TelehealthRouteDeps } from './telehealth-routes';

/**
 * Test support for video visits: a real SQLite store, audit log and sign-in,
 * and a real HTTP server that mounts the telehealth routes beside the auth
 * routes (the app itself wires them the same way). Plus a webhook signer
 * that does what the video service does.
 */

export const KEYS = { apiKey: 'APItestkey', apiSecret: 'test-secret-that-is-long-enough-for-hs256-0123456789' };
export const LIVEKIT: TelehealthConfig = { configured: true, url: 'wss://video.example.test', ...KEYS };
export const PASSWORD = 'correct horse battery';

export interface TestStore {
  dir: string;
  db: Database.Database;
  audit: Audit;
  cleanup(): void;
}

export function openTestStore(): TestStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-telehealth-'));
  const db = openDatabase(dir);
  migratePlatformTables(db);
  return {
    dir,
    db,
    audit: createAuditLog(db),
    cleanup() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A signed-in user as the routes see one; for service-level tests that skip HTTP. */
export function staffUser(roles: Role[], clinicId = 'clinic-1', id = `user-${roles.join('-')}`): SessionUser {
  return { id, username: id, name: `Dr. ${id}`, roles, clinicId, clinicName: 'Test clinic', sessionId: 's' };
}

export function auditRows(db: Database.Database, prefix = 'telehealth.'): { action: string; outcome: string; user_id: string | null; target: string; detail: string }[] {
  return db.prepare("SELECT action, outcome, user_id, target, detail FROM audit_log WHERE action LIKE ? || '%' ORDER BY seq").all(prefix) as never;
}

/** Signs a webhook body the way LiveKit does: a JWT from our key whose `sha256` claim is the body's SHA-256 (standard base64). */
export async function signWebhook(body: string, keys = KEYS): Promise<string> {
  const at = new AccessToken(keys.apiKey, keys.apiSecret, { ttl: 60 });
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

export interface TelehealthTestServer {
  url: string;
  store: TestStore;
  clinicId: string;
  ids: Record<string, string>;
  cookieFor(username: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTelehealthServer(
  users: { username: string; roles: Role[] }[],
  overrides: Partial<TelehealthRouteDeps> = {}
): Promise<TelehealthTestServer> {
  const store = openTestStore();
  const auth = createAuthService(store.db, store.audit);
  // Password-only sign-in here: the second factor has its own tests.
  const clinic = createClinic(store.db, { name: 'Test clinic', secondFactorRoles: [] });
  const hash = await hashPassword(PASSWORD);
  const ids: Record<string, string> = {};
  for (const u of users) {
    ids[u.username] = createUser(store.db, { clinicId: clinic.id, username: u.username, name: u.username, roles: u.roles, passwordHash: hash }).id;
  }
  const routes = [
    ...authRoutes(auth),
    ...telehealthRoutes({
      db: store.db,
      audit: store.audit,
      config: LIVEKIT,
      birthDateOf: async () => null,
      // These tests invent patient ids: every one counts as a patient of the test clinic (the app asks its patient list).
      patientInClinic: (clinicId) => clinicId === clinic.id,
      closeRoom: async () => {},
      ...overrides
    })
  ];
  const handler = createRequestHandler({
    routes,
    site: createStaticSite(path.join(store.dir, 'no-build')),
    authenticate: (req) => auth.authenticate(req),
    logger: silentLogger,
    trustProxy: false
  });
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    clinicId: clinic.id,
    ids,
    async cookieFor(username) {
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD })
      });
      if (res.status !== 200) throw new Error(`sign-in as ${username} failed with ${res.status}`);
      return (res.headers.get('set-cookie') ?? '').split(';')[0];
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      store.cleanup();
    }
  };
}

export function postJson(url: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
}
