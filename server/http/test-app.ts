import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App, type AppOptions } from '../app';
import { hashPassword } from '../auth/password';
import { createClinic, createUser } from '../store/users';
import type { Role } from '../../src/lib/domain/roles';

/**
 * Test support: the real server on a loopback port with a temporary data
 * directory, plus small HTTP helpers. Used by the server's integration tests.
 */
export interface TestApp extends App {
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestApp(opts: Partial<AppOptions> & { dataDir?: string } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-test-'));
  const app = await createApp({
    port: 0,
    host: '127.0.0.1',
    demo: false,
    staticDir: path.join(dataDir, 'no-build'),
    logger: () => {},
    ...opts,
    dataDir
  });
  return Object.assign(app, {
    dataDir,
    async stop() {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

export const TEST_PASSWORD = 'correct horse battery';

/**
 * Adds a clinic with one user per given role set; returns the usernames' ids.
 * Its users sign in with the password alone unless `secondFactorRoles` says
 * otherwise: the second factor has its own tests (auth/second-factor*.test.ts).
 */
export async function addClinic(
  app: App,
  name: string,
  users: { username: string; roles: Role[] }[],
  opts: { secondFactorRoles?: Role[] } = {}
): Promise<{ clinicId: string; ids: Record<string, string> }> {
  const clinic = createClinic(app.db, { name, secondFactorRoles: opts.secondFactorRoles ?? [] });
  const hash = await hashPassword(TEST_PASSWORD);
  const ids: Record<string, string> = {};
  for (const u of users) {
    ids[u.username] = createUser(app.db, { clinicId: clinic.id, username: u.username, name: u.username, roles: u.roles, passwordHash: hash }).id;
  }
  return { clinicId: clinic.id, ids };
}

export async function login(baseUrl: string, username: string, password = TEST_PASSWORD): Promise<Response> {
  return fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password })
  });
}

/** Signs in and returns the `outpost_session=<token>` pair to send as a Cookie header. */
export async function sessionCookieFor(baseUrl: string, username: string, password = TEST_PASSWORD): Promise<string> {
  const res = await login(baseUrl, username, password);
  if (res.status !== 200) throw new Error(`sign-in as ${username} failed with ${res.status}`);
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0];
}

export function getJson(baseUrl: string, pathname: string, cookie?: string): Promise<Response> {
  return fetch(`${baseUrl}${pathname}`, { headers: cookie ? { cookie } : {} });
}
